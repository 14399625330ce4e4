// Which style a new date cell gets: one that shows the day, never a time-only one while a date one exists.
import t from 'tap'
import { dateStyles } from '../../../src/connectors/excel/date-formats.js'

const styles = (ids: number[]) => `<styleSheet><cellXfs count="${ids.length}">${ids.map((id) => `<xf numFmtId="${id}"/>`).join('')}</cellXfs></styleSheet>`

const cases: Array<{ given: number[]; want: number | undefined; why: string }> = [
  { given: [0, 32, 14], want: 2, why: 'an East Asian time-only format (32) before a date one (14)' },
  { given: [0, 20, 14], want: 2, why: 'h:mm (20) before m/d/yyyy (14)' },
  { given: [0, 21, 57], want: 2, why: 'h:mm:ss (21) before an East Asian date (57)' },
  { given: [0, 14, 20], want: 1, why: 'the first date format when it comes first' },
  { given: [0, 20], want: 1, why: 'a time-only format when the workbook has nothing else' },
  { given: [0, 1, 2], want: undefined, why: 'no date style at all' },
]

for (const { given, want, why } of cases) {
  t.equal(dateStyles(styles(given), 'yyyy-mm-dd').preferred, want, why)
}

t.equal(
  dateStyles('<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="20"/><xf numFmtId="164"/></cellXfs></styleSheet>', 'yyyy-mm-dd').preferred,
  2,
  'the exact preferred format wins',
)
