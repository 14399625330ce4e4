/**
 * The conformance kit as a library (`import { runConformance } from 'erp-connector-ws/conformance'`): plays
 * SuperOffice against any IErpConnectorWS endpoint and reports each check. The same kit runs as
 * `erp-connector-ws conformance <url>`.
 */
export { runConformance, type KitOptions } from './kit.js'
export type { OnlineKitOptions } from './online.js'
export { Report, type CheckResult, type CheckStatus } from './report.js'
