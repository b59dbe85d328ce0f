/**
 * How events sit in a stream's Redis Stream. The events one replica logs
 * for one stream in one event-loop turn share one entry (one XADD): its id
 * is `<seq of the first>-0`, and its field-value pairs are the events in
 * order, the kind as the field and the serialised event as the value, so the
 * reader numbers them `first, first + 1, …` and no byte is re-encoded.
 */
import type { EntryKind, LogEntry } from '../log.ts';

/** The XADD arguments after the key: the entry id, then `kind json` per event. */
export function entryArgs(events: readonly LogEntry[]): string[] {
  const args: string[] = new Array(1 + events.length * 2);
  args[0] = entryId(events[0].seq);
  for (let i = 0; i < events.length; i++) {
    args[1 + i * 2] = events[i].kind;
    args[2 + i * 2] = events[i].json;
  }
  return args;
}

/** The events of one entry, from `after + 1` on (a resume may start inside an entry). */
export function splitEntry(id: string, fields: readonly string[], after: number): LogEntry[] {
  const first = seqOf(id);
  const events: LogEntry[] = [];
  for (let i = Math.max(0, after + 1 - first); i * 2 < fields.length; i++) events.push({ seq: first + i, kind: fields[i * 2] as EntryKind, json: fields[i * 2 + 1] });
  return events;
}

/** The last seq an entry holds. */
export function lastSeqOf(id: string, fields: readonly string[]): number {
  return seqOf(id) + fields.length / 2 - 1;
}

/** An entry's Redis Stream id from the seq of its first event: `<seq>-0`. */
export function entryId(seq: number): string {
  return `${seq}-0`;
}

export function seqOf(entryId: string): number {
  return Number(entryId.slice(0, entryId.indexOf('-')));
}
