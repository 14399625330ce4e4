#!/usr/bin/env node
// `npx erp-connector-ws conformance <url> [options]` or `npx erp-connector-ws start`: the package's command,
// running the TypeScript entry points through tsx as npm start and npm run conformance do.
import { register } from 'tsx/esm/api'

register()
const [command, ...rest] = process.argv.slice(2)
process.argv = [process.argv[0], command ?? '', ...rest]
if (command === 'conformance') await import('./conformance.ts')
else if (command === 'start') await import('../src/main.ts')
else {
  console.error('Usage: erp-connector-ws conformance <connector URL> [options]   (--help for the options)\n       erp-connector-ws start')
  process.exit(2)
}
