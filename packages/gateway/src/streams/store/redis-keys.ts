/**
 * Key layout of one stream in Redis. The `{id}` hash tag keeps a stream's
 * keys in one slot, so a Redis Cluster can serve it too.
 */
export function streamKeys(prefix: string, streamId: string): { log: string; meta: string; alive: string } {
  const base = `${prefix}stream:{${streamId}}`;
  return { log: `${base}:log`, meta: `${base}:meta`, alive: `${base}:alive` };
}

export function cancelChannel(prefix: string): string {
  return `${prefix}cancel`;
}

/** A log entry's Redis Stream id is its seq: `<seq>-0`, so "after seq N" is simply `N-0`. */
export function entryId(seq: number): string {
  return `${seq}-0`;
}

export function seqOf(entryId: string): number {
  return Number(entryId.slice(0, entryId.indexOf('-')));
}

/** Where a remembered value lives; its own slot, since the keys of one lookup are unrelated. */
export function memoryKey(prefix: string, key: string): string {
  return `${prefix}turn:${key}`;
}
