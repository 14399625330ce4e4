// A connector's error that quotes a Password value (a login failure echoing the key, a driver error quoting its
// input) is masked everywhere it goes: every log line (the connector's own, the host's error line, the per-call
// line), the SOAP answer (UserExplanation, TechExplanation) and the connection's last_error.
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { SecretBox } from '../../src/connections/secrets.js'
import type { ErpConnector } from '../../src/connector/connector.js'
import { ConnectorFailure } from '../../src/connector/errors.js'
import { createMasker } from '../../src/connector/masking.js'
import { createMemoryConnector } from '../../src/connectors/memory.js'
import { body, outcome } from '../helpers/erp.js'
import { startTestServer } from '../helpers/server.js'
import { action, envelope, payload, post } from '../helpers/soap.js'

/** The Memory connector (ApiKey is its Password field), made to fail with the key in its messages. */
function leakyConnector(): ErpConnector {
  const memory = createMemoryConnector({ name: 'Leaky' })
  const fail = (config: ReadonlyMap<string, string | null>, log: { warn(details: object, message: string): void }) => {
    const secret = config.get('ApiKey') ?? ''
    log.warn({ attempt: { key: secret, nested: [{ key: secret }] } }, `connector log: trying key ${secret}`)
    switch (config.get('Mode')) {
      case 'throw':
        throw new Error(`login refused for key ${secret}`, { cause: Object.assign(new Error(`HTTP 401 for "${secret}"`), { detail: secret }) })
      case 'failure':
        throw new ConnectorFailure('LOGIN_FAILED', `The ERP refused the key ${secret}.`, `tech: ${secret}`)
      case 'result':
        return { State: 'Error' as const, UserExplanation: `The ERP refused the key ${secret}.`, TechExplanation: `tech: ${secret}` }
      case 'json':
        // As a database error quotes the JSON it was given.
        throw new Error(`invalid input: ${JSON.stringify({ ApiKey: secret })}`)
      default:
        return {}
    }
  }
  return {
    ...memory,
    async testConfigData(ctx, { ConnectionInfo }) {
      return fail(ConnectionInfo, ctx.log)
    },
    async saveConnection(ctx, args) {
      return args.connection.config.get('FailSave') === 'yes' ? fail(args.connection.config, ctx.log) : memory.saveConnection(ctx, args)
    },
    async testConnection(ctx, { connection }) {
      return fail(connection.config, ctx.log)
    },
  }
}

const lines: string[] = []
const stream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'))
    done()
  },
})
const server = await startTestServer({ connectors: [leakyConnector()], secrets: new SecretBox([randomBytes(32)]), logger: { level: 'debug', stream } })
t.teardown(() => server.close())

const newSecret = (extra = '') => `pw-${randomBytes(8).toString('hex')}${extra}`

/** Looks in every string of every JSON log line since `from`, for the secret as it is and JSON-escaped. */
function assertNowhereInLogs(t: Test, secret: string, from: number): string {
  const forms = [secret, JSON.stringify(secret).slice(1, -1)]
  const strings: string[] = []
  const collect = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value)
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect)
  }
  for (const line of lines.slice(from)) collect(JSON.parse(line))
  t.notOk(strings.some((s) => forms.some((form) => s.includes(form))), 'the secret is in no log line')
  return lines.slice(from).join('')
}

async function lastError(id: string): Promise<string | null> {
  for (let i = 0; i < 200; i++) {
    const row = await server.testDatabase.database.db.selectFrom('connections').select(['last_state', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow()
    if (row.last_state !== null) return row.last_error
    await sleep(10)
  }
  throw new Error('the call was never recorded')
}

for (const mode of ['throw', 'failure', 'result', 'json']) {
  t.test(`WSTestConnection, the connector's ${mode}: masked in logs, the answer and last_error`, async (t) => {
    const secret = newSecret(mode === 'json' ? '"quoted\\' : '')
    const guid = randomUUID()
    const saved = outcome(await call('WSSaveConnection', body.save(guid, [['Dataset', 'demo'], ['ApiKey', secret], ['Mode', mode]])))
    t.equal(saved.state, 'Ok', saved.explanation)
    const from = lines.length
    const answer = await post(server.endpoint, envelope(body.base(guid)), { soapaction: action('WSTestConnection') })
    t.equal(answer.status, 200)
    const o = outcome(payload(answer.text))
    t.equal(o.state, 'Error')
    t.notOk(answer.text.includes(secret) || answer.text.includes(JSON.stringify(secret).slice(1, -1)), 'the secret is not in the answer')
    t.match(answer.text, /\*\*\*/, 'the answer says where it was')
    if (mode !== 'json') t.match(o.explanation, mode === 'throw' ? /login refused for key \*\*\*/ : /The ERP refused the key \*\*\*/)
    const logged = assertNowhereInLogs(t, secret, from)
    t.match(logged, /connector log: trying key \*\*\*/)
    if (mode === 'throw' || mode === 'json') t.match(logged, /WSTestConnection threw; answering State=Error/, "the host's error line is there, masked")
    const recorded = await lastError(guid)
    t.notOk(recorded?.includes(secret) || recorded?.includes(JSON.stringify(secret).slice(1, -1)), 'the secret is not in last_error')
    t.match(recorded, /\*\*\*/)
  })
}

t.test('WSTestConfigData and WSSaveConnection: the configuration being tested or saved is masked too', async (t) => {
  const secret = newSecret()
  const from = lines.length
  const tested = await post(server.endpoint, envelope(body.testConfig([['ApiKey', secret], ['Mode', 'throw']])), { soapaction: action('WSTestConfigData') })
  t.equal(outcome(payload(tested.text)).state, 'Error')
  t.notOk(tested.text.includes(secret), 'not in the WSTestConfigData answer')
  t.match(tested.text, /login refused for key \*\*\*/)
  const saved = await post(server.endpoint, envelope(body.save(randomUUID(), [['ApiKey', secret], ['Mode', 'failure'], ['FailSave', 'yes']])), {
    soapaction: action('WSSaveConnection'),
  })
  t.equal(outcome(payload(saved.text)).state, 'Error')
  t.notOk(saved.text.includes(secret), 'not in the WSSaveConnection answer')
  t.match(saved.text, /The ERP refused the key \*\*\*/)
  assertNowhereInLogs(t, secret, from)
})

async function call(operation: string, wrapper: string) {
  const answer = await post(server.endpoint, envelope(wrapper), { soapaction: action(operation) })
  return payload(answer.text)
}

t.test('a secret shorter than 4 characters is masked where it is a whole value, not inside other words', async (t) => {
  const masker = createMasker(['ab1', 'long-secret'])!
  t.same(masker.value({ key: 'ab1', line: 'cab1d', other: 'x long-secret y' }), { key: '***', line: 'cab1d', other: 'x *** y' })
})
