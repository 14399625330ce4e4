// Changes grouped into one rewrite: one the model refuses fails alone, and its cells reach neither the file nor the
// workbook kept in memory for the next reads.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import type { CellPatch, RawWorkbook } from '../../../src/connectors/excel/cells.js'
import { WorkbookFiles } from '../../../src/connectors/excel/workbook-files.js'
import { unlockedContext } from '../../helpers/excel.js'

const REFUSED = 'refused by the model'

/** The model is the raw workbook itself; it refuses a change that sets a cell to REFUSED. */
function interpret(raw: RawWorkbook, earlier?: { book: RawWorkbook; patches: readonly CellPatch[] }): RawWorkbook {
  if (earlier?.patches.some((patch) => patch.value === REFUSED)) throw new Error(REFUSED)
  return raw
}

t.test('a change the model refuses leaves no cell behind in the cached workbook, the others in its group are written', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'erp-refused-'))
  const file = path.join(dir, 'Refused.xlsx')
  const files = new WorkbookFiles<RawWorkbook>(interpret)
  t.teardown(async () => {
    await files.close()
    rmSync(dir, { recursive: true, force: true })
  })
  await files.create(unlockedContext, 'refused', file, { sheets: [{ name: 'Sheet', rows: [['First', 'Second'], ['a', 'b']] }] })
  await files.read(file)

  const set = (col: number, value: string) =>
    files.update(unlockedContext, 'refused', file, () => ({ patches: [{ sheet: 'Sheet', row: 1, col, value }], answer: (written) => written.sheets[0]!.rows[1] }))
  // Asked together, before either starts: both go into one rewrite, the refused one planned first.
  const [refused, kept] = await Promise.allSettled([set(0, REFUSED), set(1, 'kept')])
  t.equal(files.rewriteCount(), 1, 'one rewrite for both changes')
  t.match(refused, { status: 'rejected', reason: { message: REFUSED } }, 'the refused change fails')
  t.same(kept, { status: 'fulfilled', value: ['a', 'kept'] }, 'the other change is answered with the workbook without the refused cell')

  t.same((await files.read(file)).sheets[0]!.rows, [['First', 'Second'], ['a', 'kept']], 'the cached workbook does not hold the refused cell')
  const fresh = new WorkbookFiles<RawWorkbook>(interpret)
  t.teardown(() => fresh.close())
  t.same((await fresh.read(file)).sheets[0]!.rows, [['First', 'Second'], ['a', 'kept']], 'the file, read afresh, agrees')
})
