/**
 * Assembles the generated files from the transforms: types.ts (types), codecs.ts (readers and writers) and
 * service.ts (the operation table).
 */
import { array } from './array.js'
import { dictionary } from './dictionary.js'
import {
  commentText,
  docBlock,
  header,
  literal,
  MarkupConstants,
  namespaceDeclarations,
  sorted,
  sortedByName,
  typeName,
  type ComplexTransform,
} from './emit.js'
import { emitEnumType, valuesName } from './enum.js'
import { fail, type ComplexType, type Model, type Shape } from './model.js'
import { declareRoot, emitOperationEntry, emitOperationType, emitWrapperType } from './operation.js'
import { struct } from './struct.js'

const TRANSFORMS: Record<Shape['kind'], ComplexTransform> = { struct, array, dictionary }

export function transformOf(t: ComplexType): ComplexTransform {
  return TRANSFORMS[t.shape.kind]
}

/** Fails when two XSD names would give one TypeScript name in types.ts (or codecs.ts, which names functions after them). */
function checkNames(model: Model): void {
  const owners = new Map<string, string>()
  const claim = (name: string, owner: string) => {
    const known = owners.get(name)
    if (known !== undefined) fail(`${owner} and ${known} would both be named ${name} in the generated code`)
    owners.set(name, owner)
  }
  for (const e of model.enums.values()) {
    claim(typeName(e.name), `simple type {${e.ns}}${e.name}`)
    claim(valuesName(e.name), `the values of simple type {${e.ns}}${e.name}`)
  }
  for (const t of model.complexTypes.values()) claim(typeName(t.name), `complex type {${t.ns}}${t.name}`)
  for (const t of model.wrappers.values()) claim(typeName(t.name), `wrapper element {${t.ns}}${t.name}`)
}

export function emitTypes(model: Model): string {
  checkNames(model)
  const out: string[] = [header(model), '']
  for (const e of sorted(model.enums)) out.push(...emitEnumType(e), '')
  for (const t of sorted(model.complexTypes)) {
    out.push(...docBlock(`XSD complex type \`${commentText(t.name)}\` (${commentText(t.ns)}).`, t.documentation))
    out.push(...transformOf(t).type(model, t), '')
  }
  for (const t of sortedByName(model.wrappers)) out.push(...emitWrapperType(model, t), '')
  return out.join('\n')
}

export function emitCodecs(model: Model): string {
  const markup = new MarkupConstants()
  const body: string[] = []
  for (const t of [...sorted(model.complexTypes), ...sortedByName(model.wrappers)]) {
    const transform = transformOf(t)
    body.push(...transform.reader(model, t), '', ...transform.writer(model, markup, t), '')
  }
  for (const wrapper of sortedByName(model.wrappers)) declareRoot(markup, wrapper)
  return [
    header(model),
    `import * as rt from '../src/soap/codec.js'`,
    `import type { XmlWriter } from '../src/soap/writer.js'`,
    `import type { XmlCursor } from '../src/soap/xml.js'`,
    `import * as T from './types.js'`,
    '',
    ...[...model.prefixes].map(([ns, p]) => `const NS_${p || 'tns'} = ${literal(ns)}`),
    '',
    `/** Namespace declarations written on every operation wrapper, so that nothing below needs its own. */`,
    `export const WRAPPER_NAMESPACES = ${literal(`${namespaceDeclarations(model)} xmlns:i="http://www.w3.org/2001/XMLSchema-instance"`)}`,
    '',
    `// Markup of every element written, encoded once.`,
    ...markup.lines(),
    '',
    ...body,
  ].join('\n')
}

export function emitService(model: Model): string {
  const ops = [...model.operations].sort((a, b) => (a.name < b.name ? -1 : 1))
  const service = model.service
  return [
    header(model),
    `import * as rt from '../src/soap/codec.js'`,
    `import type { SoapServiceDescription } from '../src/soap/service.js'`,
    `import * as C from './codecs.js'`,
    `import type * as T from './types.js'`,
    '',
    `/** Request and response type of every operation, by operation name. */`,
    `export interface ${service}Operations {`,
    ...ops.flatMap((o) => emitOperationType(model, o)),
    `}`,
    '',
    `export type ${service}OperationName = keyof ${service}Operations`,
    '',
    `/** Everything the SOAP runtime needs to serve \`${commentText(model.wsdlRelative)}\`. */`,
    `export const ${service}: SoapServiceDescription<${service}Operations> = {`,
    `  wsdlFile: ${literal(model.wsdlRelative)},`,
    `  namespace: ${literal(model.targetNs)},`,
    `  operations: {`,
    ...ops.flatMap((o) => emitOperationEntry(model, o)),
    `  },`,
    `}`,
    '',
  ].join('\n')
}
