// Loading a connector module holds back Node's own module-type warning, and leaves the warning listeners of the
// program that embeds the server as they were (removable, called once, with `process` as `this`).
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { loadConnectors } from '../../src/connectors/registry.js'

const dir = t.testdir({})
writeFileSync(path.join(dir, 'acme.mjs'), `export default () => ({ name: 'Acme', getConfigData: async () => ({}) })`)

const seen: Array<{ message: string; self: unknown }> = []
function mine(this: unknown, warning: Error) {
  seen.push({ message: warning.message, self: this })
}
process.on('warning', mine)
let onceCalls = 0
process.once('warning', () => onceCalls++)

const [connector] = await loadConnectors({ dataDir: dir, connectors: [path.join(dir, 'acme.mjs')] })
t.equal(connector!.name, 'Acme')

process.emitWarning('first')
await new Promise((resolve) => setImmediate(resolve))
t.same(seen.map((s) => s.message), ['first'], 'the program\'s listener is called once')
t.equal(seen[0]!.self, process, 'with process as this')
t.equal(onceCalls, 1, 'a once listener is called once')

process.off('warning', mine)
process.emitWarning('second')
await new Promise((resolve) => setImmediate(resolve))
t.same(seen.map((s) => s.message), ['first'], 'and removing it removes it')
