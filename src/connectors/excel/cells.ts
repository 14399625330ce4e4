/**
 * The plain data that crosses between the workbook worker and the connector: only strings, numbers, booleans,
 * arrays and small plain objects, so a crafted workbook cannot hand the server anything but data.
 */
import type { WallClock } from '../../encoding/wall-clock.js'

/** An Excel date cell: its serial number in the 1900 date system (days since 1899-12-30). */
export interface DateCell {
  serial: number
}

export type RawCell = string | number | boolean | DateCell | null

export interface RawSheet {
  name: string
  /** Row 0 is the header. Trailing empty cells may be missing. */
  rows: RawCell[][]
}

export interface RawWorkbook {
  sheets: RawSheet[]
}

/** Identifies one state of a file: any write or edit changes it. */
export interface FileVersion {
  mtimeMs: number
  size: number
  ino: number
}

/** Set one cell (0-based row and column); rows past the end are appended. */
export interface CellPatch {
  sheet: string
  row: number
  col: number
  value: RawCell
}

export function isDateCell(cell: RawCell): cell is DateCell {
  return typeof cell === 'object' && cell !== null
}

export function sameVersion(a: FileVersion | undefined, b: FileVersion | undefined): boolean {
  return !!a && !!b && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino
}

const DAY_MS = 86_400_000
const EPOCH_1899_12_30 = Date.UTC(1899, 11, 30)

/**
 * Excel keeps date-times as fractional days; this rounds to the millisecond, which is all a cell holds reliably.
 * Dates before 1900-03-01 are off by Excel's phantom 1900-02-29; the connector never writes those.
 */
export function serialToWallClock(serial: number): WallClock {
  const ms = Math.round(serial * DAY_MS) + EPOCH_1899_12_30
  const d = new Date(ms)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ticks: d.getUTCMilliseconds() * 10_000,
  }
}

export function wallClockToSerial(w: WallClock): number {
  const ms = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, Math.round(w.ticks / 10_000))
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const fixed = w.year < 100 ? new Date(ms).setUTCFullYear(w.year) : ms
  return (fixed - EPOCH_1899_12_30) / DAY_MS
}
