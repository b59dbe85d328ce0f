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
  /** Held entries are `#entries[#head..]`; dropped ones are cleared and compacted away in batches. */
  #entries: (LogEntry | undefined)[] = [];
  #head = 0;
  #firstSeq = 1;
  #lastSeq = 0;
  #bytes = 0;
  #terminal: LogEntry | undefined;

  get lastSeq(): number {
    return this.#lastSeq;
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
    return this.#terminal;
  }

  append(kind: EntryKind, json: string): LogEntry {
    if (this.#terminal !== undefined) throw new Error('append after the end of a stream');
    const entry: LogEntry = { seq: ++this.#lastSeq, kind, json };
    this.#entries.push(entry);
    this.#bytes += json.length;
    if (kind !== 'chunk') this.#terminal = entry;
    return entry;
  }

  /** The entry with this seq, or undefined when it does not exist yet or was dropped. */
  at(seq: number): LogEntry | undefined {
    if (seq < this.#firstSeq) return undefined;
    return this.#entries[this.#head + seq - this.#firstSeq];
  }

  /** Drop every entry before `seq`, but never the terminal. */
  dropBefore(seq: number): void {
    const limit = Math.min(seq, this.#terminal === undefined ? this.#lastSeq + 1 : this.#lastSeq);
    while (this.#firstSeq < limit) {
      this.#bytes -= this.#entries[this.#head]!.json.length;
      this.#entries[this.#head++] = undefined;
      this.#firstSeq++;
    }
    // Compact once the dropped prefix is large, so dropping costs O(1) amortised.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
