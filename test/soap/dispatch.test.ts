// Which operation a POST calls (by SOAPAction, checked against the body's element) and which content types are
// SOAP 1.1, on their own, with the generated description of IErpConnectorWS.
import t from 'tap'
import { ErpConnectorWS } from '../../generated/service.js'
import { checkContentType, OperationTable, soapActionOf } from '../../src/soap/dispatch.js'
import type { OperationTypes, SoapServiceDescription } from '../../src/soap/service.js'
import { TNS } from '../helpers/soap.js'

const table = new OperationTable(ErpConnectorWS as unknown as SoapServiceDescription<OperationTypes>)
const actionOf = (operation: string) => `${TNS}/IErpConnectorWS/${operation}`

t.test('soapActionOf takes the header without its quotes', async (t) => {
  const rows: [string | string[] | undefined, string][] = [
    ['"urn:x/Do"', 'urn:x/Do'],
    ['  "urn:x/Do"  ', 'urn:x/Do'],
    ['urn:x/Do', 'urn:x/Do'],
    ['"', '"'],
    ['""', ''],
    [undefined, ''],
    [['"urn:first"', '"urn:second"'], 'urn:first'],
  ]
  for (const [header, want] of rows) t.equal(soapActionOf(header), want, JSON.stringify(header))
})

t.test('checkContentType: text/xml in UTF-8 only', async (t) => {
  for (const ok of ['text/xml; charset=utf-8', 'text/xml', 'TEXT/XML;CHARSET="UTF-8"', 'text/xml; charset=utf-8; action=x']) {
    t.doesNotThrow(() => checkContentType(ok), ok)
  }
  const refused: [string | undefined, string, RegExp][] = [
    ['application/soap+xml; charset=utf-8', 'SOAP_VERSION_MISMATCH', /SOAP 1\.1/],
    ['application/json', 'SOAP_UNSUPPORTED_CONTENT_TYPE', /"application\/json"/],
    ['text/xml; charset=iso-8859-1', 'SOAP_UNSUPPORTED_CONTENT_TYPE', /"text\/xml; charset=iso-8859-1"/],
    [undefined, 'SOAP_UNSUPPORTED_CONTENT_TYPE', /"\(none\)"/],
  ]
  for (const [type, code, message] of refused) t.throws(() => checkContentType(type), { code, message }, String(type))
})

t.test('OperationTable.resolve: by SOAPAction, the body checked against it', async (t) => {
  const getActors = { ns: TNS, name: 'GetActorsRequest' }
  t.equal(table.resolve(actionOf('WSGetActors'), getActors).name, 'WSGetActors')
  t.ok(table.has(actionOf('WSGetActors')))
  t.notOk(table.has(`"${actionOf('WSGetActors')}"`), 'actions are looked up without quotes')
  t.equal(table.resolve(actionOf('WSGetConfigData'), { ns: 'urn:any', name: 'Anything' }).name, 'WSGetConfigData', 'an operation without parameters takes any body')
  t.equal(table.resolve(actionOf('WSGetConfigData'), undefined).name, 'WSGetConfigData', 'or none')
  t.throws(() => table.resolve(actionOf('WSNope'), getActors), { code: 'SOAP_ACTION_NOT_SUPPORTED', message: /Action '.*WSNope' cannot be processed.*Known actions: .*WSGetActors/ })
  t.throws(() => table.resolve(actionOf('WSGetActors'), { ns: TNS, name: 'SaveActorsRequest' }), {
    code: 'SOAP_ACTION_BODY_MISMATCH',
    message: /operation WSGetActors, which takes the body element <GetActorsRequest> in namespace ".*", but the body holds <SaveActorsRequest> in namespace/,
  })
  t.throws(() => table.resolve(actionOf('WSGetActors'), { ns: 'urn:other', name: 'GetActorsRequest' }), { code: 'SOAP_ACTION_BODY_MISMATCH', message: /in namespace "urn:other"/ })
  t.throws(() => table.resolve(actionOf('WSGetActors'), undefined), { code: 'SOAP_ACTION_BODY_MISMATCH', message: /holds no element/ })
})

t.test('OperationTable.resolve without SOAPAction: the body decides where one operation takes it', async (t) => {
  t.equal(table.resolve('', { ns: TNS, name: 'GetActorsRequest' }).name, 'WSGetActors')
  t.throws(() => table.resolve('', { ns: TNS, name: 'RequestBase' }), { code: 'SOAP_ACTION_NOT_SUPPORTED', message: /no SOAPAction header, and <RequestBase> does not name one operation/ }, 'several take RequestBase')
  t.throws(() => table.resolve('', { ns: 'urn:other', name: 'GetActorsRequest' }), { code: 'SOAP_ACTION_NOT_SUPPORTED' }, 'another namespace')
  t.throws(() => table.resolve('', undefined), { code: 'SOAP_ACTION_NOT_SUPPORTED', message: /an empty body does not name one operation/ })
})
