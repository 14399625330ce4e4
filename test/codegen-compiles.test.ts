// The code generated from every WSDL in test/fixtures/codegen type-checks under the project's tsconfig, as the
// committed generated/ does (npm test runs tsc over it): running it with tsx alone would strip the types unchecked.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { generate } from '../scripts/codegen.js'
import { PROJECT_ROOT } from '../src/server.js'

const FIXTURES = 'test/fixtures/codegen'
const wsdls = readdirSync(path.join(PROJECT_ROOT, FIXTURES)).filter((f) => f.endsWith('.wsdl')).sort()

t.test('every fixture WSDL gives code that type-checks', async (t) => {
  t.ok(wsdls.length >= 2, `fixtures found: ${wsdls.join(', ')}`)
  const files: string[] = []
  for (const wsdl of wsdls) {
    // Written beside generated/ so that their imports of ../src resolve as they do for generated/.
    const dir = path.join(PROJECT_ROOT, `.codegen-compiles-${process.pid}-${path.basename(wsdl, '.wsdl')}`)
    mkdirSync(dir)
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    for (const [name, text] of await generate(`${FIXTURES}/${wsdl}`)) {
      writeFileSync(path.join(dir, name), text)
      files.push(path.join(dir, name))
    }
  }
  const config = ts.getParsedCommandLineOfConfigFile(path.join(PROJECT_ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
  const program = ts.createProgram(files, config.options)
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => PROJECT_ROOT, getNewLine: () => '\n' }
  t.same(ts.getPreEmitDiagnostics(program).map((d) => ts.formatDiagnostic(d, host)), [])
})
