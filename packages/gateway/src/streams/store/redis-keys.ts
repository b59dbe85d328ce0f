/**
 * Key layout of one stream in Redis. The `{id}` hash tag keeps a stream's
 * keys in one slot, so a Redis Cluster can serve it too.
 */
export function streamKeys(prefix: string, streamId: string): { log: string; meta: string } {
  const base = `${prefix}stream:{${streamId}}`;
  return { log: `${base}:log`, meta: `${base}:meta` };
}

/**
 * A replica's liveness: renewed by its heartbeat, so one key (one command
 * per heartbeat) vouches for all the streams it runs. A stream's metadata
 * names the replica that runs it; `/admin/health` lists the live ones.
 */
export function replicaKey(prefix: string, replicaId: string): string {
  return `${prefix}replica:${replicaId}:alive`;
}

/** The set of replica ids that have sent a heartbeat: an index for listing them, pruned of lapsed ones. */
export function replicasKey(prefix: string): string {
  return `${prefix}replicas`;
}

export function cancelChannel(prefix: string): string {
  return `${prefix}cancel`;
}

/** Where a remembered value lives; its own slot, since the keys of one lookup are unrelated. */
export function memoryKey(prefix: string, key: string): string {
  return `${prefix}turn:${key}`;
}
