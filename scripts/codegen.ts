/**
 * `npm run codegen`: turns wsdl/ErpConnectorWS.wsdl into generated/ (types, readers/writers, operation table).
 * The generator is not tied to that WSDL: `generate(path)` works for any document/literal SOAP 1.1 WSDL whose
 * schema uses the constructs it has a transform for (see test/fixtures/codegen for a second one).
 *
 * codegen/read.ts reads the WSDL into the model (codegen/model.ts); one transform per schema construct turns it
 * into code: codegen/struct.ts, array.ts, dictionary.ts, enum.ts, primitive.ts (with member.ts dispatching a
 * member to its type's transform) and operation.ts (messages and the operation table); codegen/files.ts puts
 * their parts together; codegen/contract.ts writes the contract tables (operation descriptors, member order and
 * defaults). Output is deterministic: the same WSDL always gives byte-identical files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { emitContract } from './codegen/contract.js'
import { emitCodecs, emitService, emitTypes } from './codegen/files.js'
import { readWsdl } from './codegen/read.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_WSDL = 'wsdl/ErpConnectorWS.wsdl'
const outDir = path.join(root, 'generated')

/**
 * Generates the files for one WSDL (a path relative to the project root).
 *
 * @example const files = await generate('wsdl/ErpConnectorWS.wsdl') // Map: 'types.ts' -> text, ...
 */
export async function generate(wsdlRelative = DEFAULT_WSDL): Promise<Map<string, string>> {
  const wsdlPath = path.join(root, wsdlRelative)
  const model = await readWsdl(await readFile(wsdlPath, 'utf8'), wsdlPath, wsdlRelative)
  return new Map([
    ['types.ts', emitTypes(model)],
    ['codecs.ts', emitCodecs(model)],
    ['service.ts', emitService(model)],
    ['contract.ts', emitContract(model)],
  ])
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const files = await generate()
  await mkdir(outDir, { recursive: true })
  for (const [name, text] of files) await writeFile(path.join(outDir, name), text)
  console.log(`codegen: wrote ${[...files.keys()].map((f) => `generated/${f}`).join(', ')}`)
}
