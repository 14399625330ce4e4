/**
 * Wall-clock values for tests, written as the numbers they hold.
 */
import type { WallClock } from '../../src/encoding/wall-clock.js'

/** @example wallClock(2013, 12, 31, 23, 59, 59) */
export function wallClock(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ticks = 0): WallClock {
  return { year, month, day, hour, minute, second, ticks }
}
