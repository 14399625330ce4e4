/**
 * A server with the Excel connector and its own workbooks folder, and direct access to the workbook files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import XLSX from 'sheetjs-style'
import type { Test } from 'tap'
import { createExcelConnector, type ExcelConnectorOptions } from '../../src/connectors/excel/connector.js'
import { interpretWorkbook, type ErpWorkbook } from '../../src/connectors/excel/workbook.js'
import { WorkbookFiles, type WorkbookCacheLimits } from '../../src/connectors/excel/workbook-files.js'
import { startTestServer, type TestServer } from './server.js'
import type { TestDatabase } from './database.js'

export interface ExcelServer extends TestServer {
  workbooks: string
  /** The workbook as sheetjs reads it from disk now. */
  book(name?: string): XLSX.WorkBook
}

export async function startExcelServer(
  options: { workbooks?: string; testDatabase?: TestDatabase; excel?: Omit<ExcelConnectorOptions, 'workbooksDir'> } = {},
): Promise<ExcelServer> {
  const workbooks = options.workbooks ?? mkdtempSync(path.join(tmpdir(), 'erp-workbooks-'))
  const server = await startTestServer({
    connectors: [createExcelConnector({ ...options.excel, workbooksDir: workbooks })],
    ...(options.testDatabase ? { testDatabase: options.testDatabase } : {}),
  })
  return {
    ...server,
    workbooks,
    book: (name = 'ErpClient.xlsx') => XLSX.read(readFileSync(path.join(workbooks, name)), { type: 'buffer', cellNF: true, cellStyles: true }),
    async close() {
      await server.close()
      if (!options.workbooks) rmSync(workbooks, { recursive: true, force: true })
    },
  }
}

/** A call context whose lock is no lock: for tests of the files themselves, one writer at a time. */
export const unlockedContext = { log: console, exclusive: <T>(_key: string, work: () => Promise<T>) => work() }

/** The connector's workbook files on a fresh folder, with `name` the workbook's path in it; both go when `t` ends. */
export function workbookFilesIn(t: Test, name: string, limits: Partial<WorkbookCacheLimits> = {}): { dir: string; file: string; files: WorkbookFiles<ErpWorkbook> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-files-'))
  const files = new WorkbookFiles<ErpWorkbook>(interpretWorkbook, limits)
  t.teardown(async () => {
    await files.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { dir, file: path.join(dir, name), files }
}
