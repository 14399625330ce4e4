// The address the client used, as the WSDL and the plain GET give it: from the Host header, or from X-Forwarded-Host
// and -Proto only when Fastify trusts the proxy (TRUST_PROXY), through real HTTP requests to Fastify.
import Fastify from 'fastify'
import t from 'tap'
import { requestAddress, wsdlWithAddress } from '../../src/soap/address.js'
import { get } from '../helpers/soap.js'

async function echoAddress(trustProxy: boolean) {
  const app = Fastify({ logger: false, trustProxy })
  app.get('/*', async (request) => requestAddress(request))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }
}

const direct = await echoAddress(false)
const proxied = await echoAddress(true)
t.teardown(async () => {
  await direct.app.close()
  await proxied.app.close()
})

t.test('the Host header, the path as requested, the query without ?wsdl', async (t) => {
  const rows: { url: string; headers?: Record<string, string>; want: string }[] = [
    { url: '/ErpConnectorWS.svc', want: `${direct.base}/ErpConnectorWS.svc` },
    { url: '/ErpConnectorWS.svc', headers: { host: 'erp.example.com:8443' }, want: 'http://erp.example.com:8443/ErpConnectorWS.svc' },
    { url: '/ErpConnectorWS.svc', headers: { host: '[::1]:8080' }, want: 'http://[::1]:8080/ErpConnectorWS.svc' },
    { url: '/ErpConnectorWS.svc', headers: { host: 'evil.com"><x y="' }, want: 'http://localhost/ErpConnectorWS.svc' },
    { url: '/ErpConnectorWS.svc', headers: { host: 'a_b.example.com' }, want: 'http://localhost/ErpConnectorWS.svc' },
    { url: '/TOKEN-0123456789abcdef0123456789abcdef/ErpConnectorWS.svc?wsdl', want: `${direct.base}/TOKEN-0123456789abcdef0123456789abcdef/ErpConnectorWS.svc` },
    { url: '/ErpConnectorWS.svc?ConnectorName=Memory&WSDL', want: `${direct.base}/ErpConnectorWS.svc?ConnectorName=Memory` },
    { url: '/ErpConnectorWS.svc?singleWsdl=&ConnectorName=Memory&wsdl=1', want: `${direct.base}/ErpConnectorWS.svc?ConnectorName=Memory` },
    { url: '/ErpConnectorWS.svc?wsdlx=1&&', want: `${direct.base}/ErpConnectorWS.svc?wsdlx=1` },
    { url: '/ErpConnectorWS.svc?&wsdl&', want: `${direct.base}/ErpConnectorWS.svc` },
  ]
  for (const r of rows) t.equal((await get(`${direct.base}${r.url}`, r.headers)).text, r.want, `${r.url} ${JSON.stringify(r.headers ?? {})}`)
})

t.test('X-Forwarded-Proto and -Host decide only when the proxy is trusted', async (t) => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm-erp.example.com' }
  t.equal((await get(`${proxied.base}/ErpConnectorWS.svc?wsdl`, forwarded)).text, 'https://crm-erp.example.com/ErpConnectorWS.svc', 'trusted')
  t.equal((await get(`${direct.base}/ErpConnectorWS.svc?wsdl`, forwarded)).text, `${direct.base}/ErpConnectorWS.svc`, 'not trusted: ignored')
  t.equal(
    (await get(`${proxied.base}/ErpConnectorWS.svc`, { 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'erp.example.com' })).text,
    'http://erp.example.com/ErpConnectorWS.svc',
    'a protocol other than https is http',
  )
  t.equal(
    (await get(`${proxied.base}/ErpConnectorWS.svc`, { 'x-forwarded-host': 'erp.example.com"/><x y="' })).text,
    'http://localhost/ErpConnectorWS.svc',
    'a forwarded host that is not a host name is not used',
  )
  t.equal((await get(`${proxied.base}/ErpConnectorWS.svc`)).text, `${proxied.base}/ErpConnectorWS.svc`, 'trusted, without the headers: the Host header')
})

t.test('wsdlWithAddress sets the first soap:address, escaped for the attribute', async (t) => {
  const wsdl = '<wsdl:port><soap:address location="http://old/x.svc"/></wsdl:port><soap:address location="http://second"/>'
  t.equal(
    wsdlWithAddress(wsdl, 'http://erp:8080/x.svc?a=1&b="2"'),
    '<wsdl:port><soap:address location="http://erp:8080/x.svc?a=1&amp;b=&quot;2&quot;"/></wsdl:port><soap:address location="http://second"/>',
  )
  t.equal(wsdlWithAddress('<definitions/>', 'http://erp/x.svc'), '<definitions/>', 'a WSDL without soap:address is left as it is')
  t.equal(
    wsdlWithAddress(wsdl, "http://erp/x.svc?a=$'&b=$&&c=$1"),
    `<wsdl:port><soap:address location="http://erp/x.svc?a=$'&amp;b=$&amp;&amp;c=$1"/></wsdl:port><soap:address location="http://second"/>`,
    'replacement patterns in the address are text',
  )
})

t.test('a query that holds a replacement pattern ($&) is served in the WSDL as sent', async (t) => {
  const app = Fastify({ logger: false })
  app.get('/x.svc', async (request) => wsdlWithAddress('<soap:address location=""/>', requestAddress(request)))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  t.equal((await get(`${base}/x.svc?k=$&j=1&wsdl`)).text, `<soap:address location="${base}/x.svc?k=$&amp;j=1"/>`)
})
