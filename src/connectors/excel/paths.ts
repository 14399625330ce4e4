/**
 * Which workbook a connection may use: a `.xlsx` file inside DATA_DIR/workbooks, named relative to it, and what to
 * tell the caller when the file system refuses. Each refusal says which rule the name broke, and names the file as
 * the caller wrote it: a server path never reaches an answer.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ConnectorFailure, ErrorCode } from '../../connector/errors.js'

/** Folders a Filename may go down into below the workbooks folder (`a/b/c/x.xlsx` is three). */
export const MAX_FOLDER_DEPTH = 3
/**
 * Characters (UTF-16 units) in each folder or file name of a Filename. At most 3 bytes of UTF-8 each, so a part
 * stays well under the file system's 255 bytes, with room for the temporary name a write uses beside it.
 */
export const MAX_NAME_PART = 64
/** Characters in a whole Filename (the MaxLength its configuration field declares). */
export const MAX_FILENAME = 255

export class WorkbookNameError extends ConnectorFailure {
  constructor(explanation: string) {
    super(ErrorCode.InvalidFilename, explanation)
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
  if (clean.length > MAX_FILENAME) throw new WorkbookNameError(`Filename "${name.slice(0, 40)}..." is longer than ${MAX_FILENAME} characters.`)
  const parts = clean.split('/')
  const long = parts.find((part) => part.length > MAX_NAME_PART)
  if (long !== undefined) {
    throw new WorkbookNameError(
      `Filename "${shorten(clean)}" has a folder or file name of ${long.length} characters ("${shorten(long)}"); each may have at most ${MAX_NAME_PART}.`,
    )
  }
  if (parts.length - 1 > MAX_FOLDER_DEPTH) {
    throw new WorkbookNameError(`Filename "${shorten(clean)}" goes ${parts.length - 1} folders deep; at most ${MAX_FOLDER_DEPTH} folders are allowed, such as a/b/c/ErpClient.xlsx.`)
  }
  return clean
}

/**
 * The absolute path of a checked name under `root`, refusing one that a symbolic link takes outside `root`.
 * The file itself need not exist.
 */
export async function resolveWorkbookPath(root: string, name: string): Promise<string> {
  let realRoot: string
  try {
    realRoot = await fs.realpath(root)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO'
    if (code !== 'ENOENT') throw fileSystemFailure(error, name)
    throw new ConnectorFailure(ErrorCode.FileStorage, "The server's workbooks folder is missing. Ask the server's operator to restore it (or restart the server to create it empty).", code)
  }
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
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fileSystemFailure(error, name)
      rest = rest ? path.join(path.basename(probe), rest) : path.basename(probe)
      probe = path.dirname(probe)
    }
  }
}

/**
 * What to tell the caller about a file-system error on the workbook `name` (as the caller wrote it): what happened
 * and who can fix it, with the error's code (EACCES...) as the technical explanation, never the server path the
 * error's message holds. Anything else is returned as it is.
 */
export function fileSystemFailure(error: unknown, name: string): unknown {
  if (error instanceof ConnectorFailure) return error
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return error
  return fileSystemFailureFor(code, name)
}

/** As {@link fileSystemFailure}, for an error known only by its code (as the workbook worker reports it). */
export function fileSystemFailureFor(code: string, name: string): ConnectorFailure {
  const theName = (explanation: string) => new ConnectorFailure(ErrorCode.InvalidFilename, explanation, code)
  const theServer = (explanation: string) => new ConnectorFailure(ErrorCode.FileStorage, explanation, code)
  switch (code) {
    case 'ENAMETOOLONG':
      return theName(`Filename "${shorten(name)}" is too long for the server's file system: choose a shorter name.`)
    case 'ENOTDIR':
      return theName(`Filename "${name}" puts the workbook in a folder that is a file on the server: choose another name.`)
    case 'EISDIR':
      return theName(`Filename "${name}" is a folder on the server, not a workbook: choose another name.`)
    case 'ELOOP':
      return theName(`Filename "${name}" leads through a loop of symbolic links on the server: choose another name, or ask the server's operator to fix the links.`)
    case 'EACCES':
    case 'EPERM':
      return theServer(`The server is not allowed to use ${name} (permission denied). Ask the server's operator to let the connector read and write its workbooks folder.`)
    case 'EROFS':
      return theServer(`The server's workbooks folder is read-only, so ${name} cannot be written. Ask the server's operator to make it writable.`)
    case 'ENOSPC':
    case 'EDQUOT':
      return theServer(`The server's disk is full, so ${name} cannot be written. Ask the server's operator to free space, then try again.`)
    case 'EMFILE':
    case 'ENFILE':
      return theServer(`The server has too many files open to use ${name} right now. Try again shortly; if it persists, tell the server's operator.`)
    default:
      return theServer(`The server's file system failed on ${name} (${code}). Try again; if it persists, tell the server's operator.`)
  }
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
