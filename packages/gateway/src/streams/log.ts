/** What a log entry is: a chunk, or one of the two ends of a stream. */
export type EntryKind = 'chunk' | 'done' | 'error';

/**
 * One numbered event, serialised once. `json` is the OpenAI chunk for a
 * chunk, `{"usage","cost"}` for done, and the wire error for error; every
 * transport frames these same bytes, for every subscriber and every resume.
 */
export interface LogEntry {
  readonly seq: number;
  readonly kind: EntryKind;
  readonly json: string;
}

/**
 * The numbered events of one stream, seq 1..n. The last entry of a finished
 * stream is its terminal (done or error). The oldest entries can be dropped
 * to bound memory; a reader that needs them is told the log is truncated.
 */
export class StreamLog {
  #entries: LogEntry[] = [];
  #firstSeq = 1;
  #bytes = 0;

  get lastSeq(): number {
    return this.#firstSeq + this.#entries.length - 1;
  }

  /** The first seq still held (entries before it were dropped). */
  get firstSeq(): number {
    return this.#firstSeq;
  }

  /** Approximate bytes held: the serialised events. */
  get bytes(): number {
    return this.#bytes;
  }

  get terminal(): LogEntry | undefined {
    const last = this.#entries[this.#entries.length - 1];
    return last !== undefined && last.kind !== 'chunk' ? last : undefined;
  }

  append(kind: EntryKind, json: string): LogEntry {
    if (this.terminal !== undefined) throw new Error('append after the end of a stream');
    const entry: LogEntry = { seq: this.lastSeq + 1, kind, json };
    this.#entries.push(entry);
    this.#bytes += json.length;
    return entry;
  }

  /** The entry with this seq, or undefined when it does not exist yet or was dropped. */
  at(seq: number): LogEntry | undefined {
    return this.#entries[seq - this.#firstSeq];
  }

  /** Drop every entry before `seq`, keeping the terminal whatever happens. */
  dropBefore(seq: number): void {
    const count = Math.min(seq - this.#firstSeq, this.#entries.length - (this.terminal === undefined ? 0 : 1));
    if (count <= 0) return;
    for (let i = 0; i < count; i++) this.#bytes -= this.#entries[i].json.length;
    this.#entries = this.#entries.slice(count);
    this.#firstSeq += count;
  }
}
