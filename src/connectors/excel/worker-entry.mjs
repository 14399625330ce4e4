// The worker's entry when the server runs from its TypeScript source (tests, npm run bench): worker threads do not
// inherit tsx's loader, so register it, then start the worker. Compiled, the server starts worker.js directly.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
