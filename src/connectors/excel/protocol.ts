/**
 * Messages between the connector (main thread) and the workbook worker (worker.ts).
 */
import type { CellPatch, FileVersion, RawWorkbook } from './cells.js'

export type WorkerRequest =
  /** Parse the file (or answer from the worker's cache when the file has not changed). */
  | { id: number; op: 'read'; path: string }
  /** Apply patches to the file as it was at `base`, and replace it atomically; answers the new version only. */
  | { id: number; op: 'write'; path: string; base: FileVersion; patches: CellPatch[] }
  /** Create the file from `workbook` unless a file already exists there. */
  | { id: number; op: 'create'; path: string; workbook: RawWorkbook }
  /** Remove what writers that died left in a folder tree (temporary files, old files moved aside). */
  | { id: number; op: 'sweep'; path: string }
  /** Drop what is cached of the file. */
  | { id: number; op: 'forget'; path: string }

export type WorkerFailureCode =
  | 'NOT_FOUND'
  | 'NOT_A_WORKBOOK'
  | 'TOO_LARGE'
  /** The file changed since `base`: read it again and redo the change. */
  | 'CHANGED'
  | 'EXISTS'
  /** Someone else is saving the file (it changes as it is read, or it was changed just now and does not parse). */
  | 'BUSY'
  | 'NO_SPACE'
  | 'READ_ONLY'
  | 'PERMISSION'
  /** The worker took too long over one call, or stopped: it is replaced (set by the connector's side, not the worker). */
  | 'TIMEOUT'
  | 'CRASHED'
  | 'IO'

export type WorkerResponse =
  | { id: number; ok: true; version: FileVersion; workbook: RawWorkbook }
  /** A write: the file now holds the base workbook with the patches applied. */
  | { id: number; ok: true; version: FileVersion; workbook?: undefined }
  | { id: number; ok: true; version?: undefined }
  | { id: number; ok: false; code: WorkerFailureCode; message: string; errno?: string }
