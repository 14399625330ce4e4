/**
 * A server with the Excel connector and its own workbooks folder, and direct access to the workbook files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import XLSX from 'sheetjs-style'
import { createExcelConnector, type ExcelConnectorOptions } from '../../src/connectors/excel/connector.js'
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
