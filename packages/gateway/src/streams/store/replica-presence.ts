import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { replicaKey, replicasKey } from './redis-keys.ts';
import type { ReplicaSeen } from './types.ts';

/** What a replica's liveness key holds: enough to list it; its existence alone is what says it lives. */
interface PresenceValue {
  name: string;
  startedAt: number;
  heartbeatMs: number;
  running: number;
}

const NAME = `${hostname()}:${process.pid}`;

/**
 * The commands of one heartbeat: the liveness key (its TTL three beats)
 * and the replica's entry in the set that lists replicas, so a listing
 * needs no SCAN of the keyspace. The set is only an index: an entry whose
 * liveness key has lapsed is a replica gone, and the listing drops it.
 */
export function presenceCommands(prefix: string, replica: string, value: Omit<PresenceValue, 'name'>): [string, ...(string | number)[]][] {
  const body: PresenceValue = { name: NAME, ...value };
  return [
    ['set', replicaKey(prefix, replica), JSON.stringify(body), 'PX', value.heartbeatMs * 3],
    ['sadd', replicasKey(prefix), replica],
  ];
}

/** Every replica whose liveness key is present, this one marked; two round trips whatever their number. */
export async function replicasSeen(redis: Redis, prefix: string, self: string): Promise<ReplicaSeen[]> {
  const ids = await redis.smembers(replicasKey(prefix));
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.get(replicaKey(prefix, id)).pttl(replicaKey(prefix, id));
  const results = (await pipeline.exec()) ?? [];
  const seen: ReplicaSeen[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const [valueError, raw] = results[2 * i] ?? [];
    const [ttlError, ttl] = results[2 * i + 1] ?? [];
    if (valueError || ttlError) throw valueError ?? ttlError;
    const value = typeof raw === 'string' ? parse(raw) : null;
    if (value === null || typeof ttl !== 'number' || ttl < 0) {
      // Lapsed (or written by a version that stored no value): not listed; the index forgets a lapsed one.
      if (raw === null) gone.push(id);
      return;
    }
    const lastHeartbeatMsAgo = Math.max(0, value.heartbeatMs * 3 - ttl);
    seen.push({ id, name: value.name, self: id === self, startedAt: value.startedAt, lastHeartbeatMsAgo, heartbeatMs: value.heartbeatMs, running: value.running });
  });
  // A replica that comes back (it was only starved past its TTL) adds itself again at its next heartbeat.
  if (gone.length > 0) await redis.srem(replicasKey(prefix), ...gone);
  return seen.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
}

function parse(raw: string): PresenceValue | null {
  try {
    const value = JSON.parse(raw) as Partial<PresenceValue>;
    if (typeof value.name !== 'string' || typeof value.startedAt !== 'number' || typeof value.heartbeatMs !== 'number') return null;
    return { name: value.name, startedAt: value.startedAt, heartbeatMs: value.heartbeatMs, running: typeof value.running === 'number' ? value.running : 0 };
  } catch {
    return null;
  }
}
