/**
 * A map bounded by its number of entries and by the sizes its entries are given, the least recently used dropped
 * first: what both workbook caches (the connector's models and the worker's parsed books) are kept in.
 */
export class SizedLru<V> {
  /** In least recently used order: the first entry goes first. */
  private readonly entries = new Map<string, { value: V; bytes: number }>()
  private total = 0

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.total
  }

  /** The value, now the most recently used. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  /** The value without making it more recently used. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value
  }

  /** Keeps `value`, dropping the least recently used others until both bounds hold (the new one always stays). */
  set(key: string, value: V, bytes: number): void {
    this.delete(key)
    this.entries.set(key, { value, bytes })
    this.total += bytes
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.total <= this.maxBytes) break
      if (oldest === key) continue
      this.entries.delete(oldest)
      this.total -= entry.bytes
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    this.total -= entry.bytes
  }
}
