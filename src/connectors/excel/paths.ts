/**
 * Which workbook a connection may use: a `.xlsx` file inside DATA_DIR/workbooks, named relative to it.
 * Each refusal says which rule the name broke.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ConnectorFailure, ErrorCode } from '../../connector/errors.js'

export class WorkbookNameError extends ConnectorFailure {
  constructor(explanation: string) {
    super(ErrorCode.InvalidRequest, explanation)
  }
}

/**
 * Checks a Filename configuration value and returns it normalised (forward slashes, no `./`).
 *
 * @example checkWorkbookName('clients/acme.xlsx') === 'clients/acme.xlsx'
 */
export function checkWorkbookName(raw: string | null | undefined): string {
  const name = (raw ?? '').trim()
  if (name === '') throw new WorkbookNameError('Filename is missing.')
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new WorkbookNameError(`Filename "${printable(name)}" contains control characters.`)
  if (name.includes('\\')) throw new WorkbookNameError(`Filename "${name}" uses "\\": separate folders with "/".`)
  if (path.isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
    throw new WorkbookNameError(`Filename "${name}" is absolute: give a name relative to the workbooks folder, such as ErpClient.xlsx.`)
  }
  const segments = name.split('/')
  if (segments.some((s) => s === '..')) throw new WorkbookNameError(`Filename "${name}" leads out of the workbooks folder with "..".`)
  const clean = segments.filter((s) => s !== '' && s !== '.').join('/')
  if (!/\.xlsx$/i.test(clean)) throw new WorkbookNameError(`Filename "${name}" must end in .xlsx (Excel workbook; .xls and .xlsm are not supported).`)
  if (clean.length > 255) throw new WorkbookNameError(`Filename "${name.slice(0, 40)}..." is longer than 255 characters.`)
  return clean
}

/**
 * The absolute path of a checked name under `root`, refusing one that a symbolic link takes outside `root`.
 * The file itself need not exist.
 */
export async function resolveWorkbookPath(root: string, name: string): Promise<string> {
  const realRoot = await fs.realpath(root)
  let probe = path.join(realRoot, name)
  // Resolve the deepest part of the path that exists; what lies below it cannot be a link yet.
  let rest = ''
  for (;;) {
    try {
      const real = await fs.realpath(probe)
      const full = rest ? path.join(real, rest) : real
      if (full !== realRoot && !full.startsWith(realRoot + path.sep)) {
        throw new WorkbookNameError(`Filename "${name}" leads outside the workbooks folder through a symbolic link.`)
      }
      return full
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      rest = rest ? path.join(path.basename(probe), rest) : path.basename(probe)
      probe = path.dirname(probe)
    }
  }
}

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
