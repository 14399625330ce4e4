// The fault answers on their own: which fault a request Fastify refused gets, and the fault envelope, which shows
// only the messages of errors.ts and never those of anything else.
import Fastify from 'fastify'
import t from 'tap'
import * as errors from '../../src/soap/errors.js'
import { faultEnvelope, faultForRefusal } from '../../src/soap/faults.js'
import { fault } from '../helpers/soap.js'

const { errorCodes } = Fastify
const refused = { bodyLimit: 1024, contentType: 'text/xml' }

t.test('faultForRefusal: what Fastify refused, as the fault that says what to change', async (t) => {
  t.match(faultForRefusal(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), refused), { code: 'SOAP_BODY_TOO_LARGE', statusCode: 413, message: /limit of 1024 bytes/ })
  t.match(faultForRefusal(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('x'), { ...refused, contentType: 'image/png' }), { code: 'SOAP_UNSUPPORTED_CONTENT_TYPE', message: /"image\/png"/ })
  t.match(faultForRefusal(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('x'), { ...refused, contentType: '' }), { message: /"\(none\)"/ })
  t.match(faultForRefusal(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), refused), { code: 'SOAP_BAD_HTTP_REQUEST', message: /could not be read: Body cannot be empty/ })
  const own = new errors.MustUnderstand('{urn:h}h')
  t.equal(faultForRefusal(own, refused), own, 'a fault of errors.ts passes as it is')
  t.equal(faultForRefusal(new TypeError('x is undefined'), refused), undefined, 'anything else is the server\'s own failure')
  t.equal(faultForRefusal(Object.assign(new Error('db down'), { statusCode: 503 }), refused), undefined, 'an HTTP status of 500 or more too')
})

t.test('faultEnvelope: faultcode, status and text of a fault of errors.ts', async (t) => {
  const tooLarge = faultEnvelope(new errors.BodyTooLarge(1024))
  t.equal(tooLarge.status, 413)
  t.strictSame(fault(tooLarge.body), { faultcode: 's:Client', faultstring: tooLarge.message })
  t.match(tooLarge.body, '<faultstring xml:lang="en-US">')
  const unknownAction = faultEnvelope(new errors.ActionNotSupported('urn:x', 'Known actions: none.'))
  t.equal(unknownAction.status, 500)
  t.equal(unknownAction.faultcode, 'a:ActionNotSupported')
  t.match(unknownAction.body, `xmlns:a="${errors.WCF_ADDRESSING_NONE_NS}"`, 'the a: prefix is declared')
  const awkward = faultEnvelope(new errors.MalformedXml('<x> & "\u0001"'))
  t.equal(fault(awkward.body).faultstring, 'The request is not well-formed XML. <x> & "\uFFFD"', 'escaped, and what XML cannot carry replaced')
})

t.test('faultEnvelope: anything else gives nothing away', async (t) => {
  const leaky = Object.assign(new Error('connect ECONNREFUSED postgres://admin:hunter2@db/erp at /srv/app/src/x.ts'), { statusCode: 413 })
  const answer = faultEnvelope(leaky)
  t.equal(answer.status, 500)
  t.strictSame(fault(answer.body), { faultcode: 's:Server', faultstring: 'The server could not process the request.' })
  t.notMatch(answer.body, /hunter2|\/srv|ECONNREFUSED/)
})
