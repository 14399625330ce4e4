/**
 * The conformance report: one line per check, grouped by flow, printed as it goes (the progress a person watches
 * on a slow connector), and kept for --json. A warning points at something that works but is likely not what the
 * author meant; unlike a failure it does not fail the run.
 */
export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped'

export interface CheckResult {
  flow: string
  check: string
  status: CheckStatus
  expected?: string
  got?: string
  note?: string
}

export class Report {
  readonly results: CheckResult[] = []
  private currentFlow = ''

  constructor(private readonly print: (line: string) => void) {}

  flow(name: string): void {
    this.currentFlow = name
    this.print(`\n${name}`)
  }

  pass(check: string, note?: string): void {
    this.add({ flow: this.currentFlow, check, status: 'passed', ...(note ? { note } : {}) })
    this.print(`  ok    ${check}${note ? `  (${note})` : ''}`)
  }

  fail(check: string, expected: string, got: string): void {
    this.add({ flow: this.currentFlow, check, status: 'failed', expected, got })
    this.print(`  FAIL  ${check}\n          expected: ${expected}\n          got:      ${got}`)
  }

  warn(check: string, expected: string, got: string): void {
    this.add({ flow: this.currentFlow, check, status: 'warning', expected, got })
    this.print(`  WARN  ${check}\n          expected: ${expected}\n          got:      ${got}`)
  }

  skip(check: string, why: string): void {
    this.add({ flow: this.currentFlow, check, status: 'skipped', note: why })
    this.print(`  skip  ${check}  (${why})`)
  }

  /** Records a check from a condition. */
  expect(check: string, ok: boolean, expected: string, got: () => string, note?: string): boolean {
    if (ok) this.pass(check, note)
    else this.fail(check, expected, got())
    return ok
  }

  count(status: CheckStatus): number {
    return this.results.filter((r) => r.status === status).length
  }

  /** The closing line: `N passed, N failed` (and warnings and skipped, when any). */
  summary(): string {
    const warnings = this.count('warning')
    const skipped = this.count('skipped')
    return `${this.count('passed')} passed, ${this.count('failed')} failed${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}${skipped ? `, ${skipped} skipped` : ''}`
  }

  private add(result: CheckResult): void {
    this.results.push(result)
  }
}
