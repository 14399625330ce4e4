/**
 * Where the package's own files are, whether this code runs compiled (dist/src/…/*.js, as `npm start` runs it) or
 * from its TypeScript source through tsx (the tests, `npm run bench`, `npm run codegen`).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** True when running the .ts source (through tsx), false when running the compiled JavaScript in dist/. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts')

/** The package's folder, holding package.json and wsdl/: one up from src/layout.ts, two up from dist/src/layout.js. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), FROM_SOURCE ? '..' : '../..')
