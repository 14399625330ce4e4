// What a caller gets when the workbook file is in trouble: being saved in place by someone else (torn), on a full
// disk, on a read-only disk. Answers are retryable, name the workbook as the connection names it (never a server
// path), and leave no temporary files behind.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { actor, actors, body, outcome } from '../../helpers/erp.js'
import { startExcelServer } from '../../helpers/excel.js'
import { call } from '../../helpers/soap.js'

const NAME = 'sub/Trouble.xlsx'

function sideFiles(folder: string): string[] {
  return readdirSync(folder).filter((f) => f.endsWith('.tmp') || f.endsWith('.old'))
}

t.test('a workbook being saved in place: reads use the last good content, writes answer WORKBOOK_BUSY', async (t) => {
  const server = await startExcelServer()
  t.teardown(() => server.close())
  const guid = randomUUID()
  const file = path.join(server.workbooks, NAME)
  await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', NAME]]))
  const created = actor(await call(server.endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', 'Before']] })))
  const good = readFileSync(file)

  // Someone writes a new version in place and is half-way through.
  const handle = openSync(file, 'r+')
  writeSync(handle, Buffer.alloc(good.length, 0), 0, good.length, 0)
  closeSync(handle)
  writeFileSync(file, good.subarray(0, good.length >> 1))

  const read = await call(server.endpoint, 'WSGetActors', body.get(guid, 'Customer', [created.ErpKey], ['NAME']))
  t.equal(outcome(read).state, 'Ok', 'a read is answered')
  t.equal(actors(read)[0]?.values.NAME, 'Before', 'from the last good content')

  const save = outcome(await call(server.endpoint, 'WSSaveActors', body.saveActors(guid, [{ ActorType: 'Customer', ErpKey: created.ErpKey, values: [['NAME', 'During']] }])))
  t.equal(save.state, 'Error', 'the write is refused')
  t.equal(save.code, 'WORKBOOK_BUSY', 'with a retryable code')
  t.match(save.explanation, /Trouble\.xlsx is being saved by someone else.*try again/, 'saying what is going on')
  t.notMatch(save.explanation, server.workbooks, 'without the server path')
  t.same(sideFiles(path.dirname(file)), [], 'no temporary file is left')

  // The save completes: the next call sees it, and writes work again.
  writeFileSync(file, good)
  const again = outcome(await call(server.endpoint, 'WSSaveActors', body.saveActors(guid, [{ ActorType: 'Customer', ErpKey: created.ErpKey, values: [['NAME', 'After']] }])))
  t.equal(again.state, 'Ok', 'the write goes through once the save is complete')
  const after = actors(await call(server.endpoint, 'WSGetActors', body.get(guid, 'Customer', [created.ErpKey], ['NAME'])))
  t.equal(after[0]?.values.NAME, 'After', 'and is read back')

  // A broken file that nobody is saving (changed long ago) is reported as broken, not as busy.
  writeFileSync(file, good.subarray(0, good.length >> 1))
  utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
  const broken = outcome(await call(server.endpoint, 'WSGetActors', body.get(guid, 'Customer', [created.ErpKey], ['NAME'])))
  t.equal(broken.code, 'INVALID_REQUEST', 'a file broken for a minute is not an Excel workbook')
  t.match(broken.explanation, /Trouble\.xlsx exists but is not an Excel workbook/)
})

/** A small file system of its own (tmpfs), so that it can be filled up and made read-only. Needs root. */
function smallDisk(t: Test, bytes: number): string {
  const mount = mkdtempSync(path.join(tmpdir(), 'erp-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', mount], { stdio: 'pipe' })
  t.teardown(() => {
    execFileSync('umount', ['-l', mount], { stdio: 'pipe' })
    rmSync(mount, { recursive: true, force: true })
  })
  return mount
}

const asRoot = process.getuid?.() === 0
t.test('a full disk and a read-only disk answer FILE_STORAGE_ERROR with the workbook\'s name, and lose nothing', { skip: asRoot ? false : 'mounting a small file system needs root' }, async (t) => {
  const disk = smallDisk(t, 4 * 1024 * 1024)
  const workbooks = path.join(disk, 'workbooks')
  mkdirSync(workbooks)
  const server = await startExcelServer({ workbooks })
  t.teardown(() => server.close())
  const guid = randomUUID()
  await call(server.endpoint, 'WSSaveConnection', body.save(guid, [['Filename', NAME]]))
  const created = actor(await call(server.endpoint, 'WSCreateActor', body.create(guid, { ActorType: 'Customer', values: [['NAME', 'Kept']] })))
  const folder = path.dirname(path.join(workbooks, NAME))

  // Fill the disk.
  const filler = path.join(disk, 'filler')
  const fd = openSync(filler, 'w')
  try {
    for (;;) writeSync(fd, Buffer.alloc(64 * 1024))
  } catch {
    // ENOSPC: full.
  } finally {
    closeSync(fd)
  }
  const full = outcome(await call(server.endpoint, 'WSSaveActors', body.saveActors(guid, [{ ActorType: 'Customer', ErpKey: created.ErpKey, values: [['NAME', 'Lost?']] }])))
  t.equal(full.state, 'Error', 'a write on a full disk fails')
  t.equal(full.code, 'FILE_STORAGE_ERROR', 'with the code that says the operator must act')
  t.match(full.explanation, /disk is full, so sub\/Trouble\.xlsx cannot be written.*try again/, 'naming the workbook as the connection does')
  t.notMatch(full.explanation, disk, 'without the server path')
  t.same(sideFiles(folder), [], 'the temporary file is removed at once')
  const kept = actors(await call(server.endpoint, 'WSGetActors', body.get(guid, 'Customer', [created.ErpKey], ['NAME'])))
  t.equal(kept[0]?.values.NAME, 'Kept', 'the workbook still holds the last saved value')

  rmSync(filler)
  execFileSync('mount', ['-o', 'remount,ro', disk], { stdio: 'pipe' })
  const readOnly = outcome(await call(server.endpoint, 'WSSaveActors', body.saveActors(guid, [{ ActorType: 'Customer', ErpKey: created.ErpKey, values: [['NAME', 'Lost?']] }])))
  t.equal(readOnly.code, 'FILE_STORAGE_ERROR', 'a read-only disk has the same code')
  t.match(readOnly.explanation, /read-only/, 'and says why')
  t.notMatch(readOnly.explanation, disk, 'without the server path')

  execFileSync('mount', ['-o', 'remount,rw', disk], { stdio: 'pipe' })
  const fixed = outcome(await call(server.endpoint, 'WSSaveActors', body.saveActors(guid, [{ ActorType: 'Customer', ErpKey: created.ErpKey, values: [['NAME', 'Saved']] }])))
  t.equal(fixed.state, 'Ok', 'once the operator fixed the disk, the same call goes through')
})
