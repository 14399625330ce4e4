/**
 * Transform for messages and operations: each operation's request and response wrapper elements (structs named
 * after their element, written with every namespace declared on them) and its entry in the operation table.
 */
import { commentText, docBlock, literal, markupConstant, memberDoc, propertyKey, typeName, type MarkupConstants } from './emit.js'
import { fail, type ComplexType, type Model, type Operation } from './model.js'
import { struct } from './struct.js'

/** A message wrapper's declaration in types.ts. */
export function emitWrapperType(model: Model, t: ComplexType): string[] {
  return [...docBlock(`Message wrapper element \`${commentText(t.name)}\` (${commentText(t.ns)}).`, t.documentation), ...struct.type(model, t)]
}

/** Declares the markup constant `ROOT_<wrapper>` that service.ts writes each wrapper with. */
export function declareRoot(markup: MarkupConstants, t: ComplexType): string {
  return markup.element(t.name, true)
}

function wrapper(model: Model, element: string): ComplexType {
  return model.wrappers.get(element) ?? fail(`no wrapper element ${element}`)
}

/** The operation's member of the `<Service>Operations` interface. */
export function emitOperationType(model: Model, o: Operation): string[] {
  const request = typeName(wrapper(model, o.request).name)
  const response = typeName(wrapper(model, o.response).name)
  return [...memberDoc(o.documentation, '  '), `  ${propertyKey(o.name)}: { request: T.${request}; response: T.${response} }`]
}

/** The operation's entry in the operation table (a `SoapOperation`, see src/soap/service.ts). */
export function emitOperationEntry(model: Model, o: Operation): string[] {
  const request = wrapper(model, o.request)
  const response = wrapper(model, o.response)
  const root = (t: ComplexType) => `C.${markupConstant(t.name, true)}`
  return [
    `    ${propertyKey(o.name)}: {`,
    `      name: ${literal(o.name)},`,
    `      soapAction: ${literal(o.soapAction)},`,
    `      requestElement: ${literal(o.request)},`,
    `      takesParameters: ${hasParts(request)},`,
    `      responseElement: ${literal(o.response)},`,
    `      readRequest: (x) => C.read${typeName(request.name)}(x, ${literal(o.request)}),`,
    `      writeResponse: (w, v) => rt.writeRoot(w, ${root(response)}, v, C.write${typeName(response.name)}),`,
    `      writeRequest: (w, v) => rt.writeRoot(w, ${root(request)}, v, C.write${typeName(request.name)}),`,
    `      readResponse: (x) => C.read${typeName(response.name)}(x, ${literal(o.response)}),`,
    `    },`,
  ]
}

/** False for a wrapper without parts: such an operation accepts any body, as WCF does. */
function hasParts(wrapper: ComplexType): boolean {
  return wrapper.shape.kind !== 'struct' || wrapper.shape.members.length > 0
}
