// The Excel connector's worker thread (and sheetjs in it, about 30 MB) starts with the first call that needs a
// workbook, not with the server; the start-up sweep of what killed writers left behind is still done before that
// call reads anything.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { createExcelConnector } from '../../../src/connectors/excel/connector.js'
import { unlockedContext as context } from '../../helpers/excel.js'

/** The id the next worker thread of this process gets: ids are handed out one after another, so a jump is a worker started meanwhile. */
async function nextThreadId(): Promise<number> {
  const probe = new Worker('', { eval: true })
  const id = probe.threadId
  await probe.terminate()
  return id
}

t.test('the worker starts with the first workbook call, which finds the folder swept', async (t) => {
  const workbooksDir = mkdtempSync(path.join(tmpdir(), 'erp-lazy-worker-'))
  t.teardown(() => rmSync(workbooksDir, { recursive: true, force: true }))
  // What a writer killed mid-write leaves: its temporary file, named after its (now ended) process.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!
  const leftover = path.join(workbooksDir, `.Shop.xlsx.${hostname().replace(/[^A-Za-z0-9-]/g, '_')}.${dead}.deadbeef.tmp`)
  writeFileSync(leftover, 'half a workbook')

  const before = await nextThreadId()
  const excel = createExcelConnector({ workbooksDir })
  t.teardown(() => excel.close())
  await excel.getConfigData!(context, {})
  t.equal(await nextThreadId(), before + 1, 'no worker thread started with the connector or for a call that reads no workbook')
  t.ok(existsSync(leftover), 'nothing is swept before a worker is needed')

  const answer = await excel.testConfigData!(context, { ConnectionInfo: new Map([['Filename', 'Shop.xlsx']]) })
  t.equal(answer.State, 'OkWithInfo', 'the first workbook call is answered (the workbook does not exist yet)')
  // From source the worker registers tsx's loader, which runs in a thread of its own: one thread or two.
  t.ok((await nextThreadId()) >= before + 3, 'that call started the worker')
  t.notOk(existsSync(leftover), 'and the worker swept the folder first')
})
