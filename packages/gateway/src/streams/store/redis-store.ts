import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { InvalidCursorError, StreamInterruptedError, StreamNotFoundError, StreamTruncatedError } from '../../errors/index.ts';
import type { StreamApi } from '../event-encoder.ts';
import type { LogEntry } from '../log.ts';
import { entryArgs, entryId, lastSeqOf, seqOf, splitEntry } from './redis-entries.ts';
import { RedisFollowers, type StreamEntries } from './redis-followers.ts';
import { cancelChannel, memoryKey, replicaKey, replicasKey, streamKeys } from './redis-keys.ts';
import { presenceCommands, replicasSeen } from './replica-presence.ts';
import type { ReplicaSeen, StoredStatus, StreamLogStore, StreamLogWriter, StreamMeta } from './types.ts';

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  /** How long a finished stream stays readable. */
  retentionMs: number;
  /** How often a replica renews its liveness; three missed renewals mean it died. */
  heartbeatMs: number;
  /** Upper bound on a running stream's keys, in case its replica dies and nobody reads it. */
  runningTtlMs: number;
  onError(error: unknown): void;
}

/** Entries per XREAD: a resume replays a long stream in a few round trips. */
const ENTRIES_PER_READ = 512;

/** A queued command: its lower-case ioredis name, then its arguments. */
type Command = [string, ...(string | number)[]];

/** A stream this replica writes: the events it logged this turn, not yet in the pipeline. */
interface Writing {
  keys: { log: string; meta: string };
  pending: LogEntry[];
  /** The log key has its running TTL (set with its first entry). */
  expiring: boolean;
}

/**
 * Stream logs in Redis Streams, shared by every replica. The events one
 * stream logs in one event-loop turn go out as one XADD entry (see
 * redis-entries.ts), and every write of the turn in one pipeline. A
 * replica's liveness is one key its heartbeat renews (replica-presence.ts),
 * named in each stream's metadata and listed by `/admin/health`. Readers that caught up with a stream
 * another replica writes wait together on one blocking connection
 * (redis-followers.ts).
 */
export class RedisStreamLogStore implements StreamLogStore {
  readonly #redis: Redis;
  readonly #options: RedisStoreOptions;
  /** This store's replica id, named in the metadata of the streams it writes. */
  readonly #replica = randomBytes(8).toString('hex');
  readonly #startedAt = Date.now();
  readonly #owned = new Set<string>();
  /** Replicas whose liveness key was found missing, and when first (see #writerLives). */
  readonly #lapsed = new Map<string, number>();
  readonly #writing = new Set<Writing>();
  readonly #cancelListeners: ((streamId: string) => void)[] = [];
  readonly #followers: RedisFollowers;
  #subscriber: Redis | undefined;
  #queue: Command[] = [];
  #flushScheduled = false;
  /** The pipeline sent last: pipelines on one connection complete in order, so once it has, every earlier one has. */
  #lastFlush: Promise<void> = Promise.resolve();
  readonly #heartbeat: NodeJS.Timeout;
  /** Redis commands sent, for the benchmark's commands-per-token figure. */
  commandsSent = 0;

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
    this.#redis.on('error', options.onError);
    this.#followers = new RedisFollowers({
      connect: () => this.#redis.duplicate({ connectionName: `${options.keyPrefix}follower` }),
      unblock: (clientId) => this.#redis.client('UNBLOCK', clientId),
      blockMs: options.heartbeatMs,
      entriesPerRead: ENTRIES_PER_READ,
      counted: () => this.commandsSent++,
    });
    this.#heartbeat = setInterval(() => this.#renewLiveness(), options.heartbeatMs);
    this.#heartbeat.unref();
    // Alive from the start, streams or not: whoever sees a stream's metadata sees its writer live, and the health page lists it.
    this.#renewLiveness();
  }

  /** Connections held for waiting readers (zero or one), for tests. */
  get followerConnections(): number {
    return this.#followers.connections;
  }

  create(meta: Omit<StreamMeta, 'status' | 'lastSeq'>): StreamLogWriter {
    const keys = streamKeys(this.#options.keyPrefix, meta.id);
    this.#owned.add(meta.id);
    this.#send(
      ['hset', keys.meta, 'owner', meta.owner, 'model', meta.model, 'api', meta.api, 'status', 'running', 'createdAt', meta.createdAt, 'lastSeq', 0, 'replica', this.#replica],
      ['pexpire', keys.meta, this.#options.runningTtlMs],
    );
    const writing: Writing = { keys, pending: [], expiring: false };
    let lastSeq = 0;
    return {
      append: (entry) => {
        lastSeq = entry.seq;
        if (writing.pending.push(entry) === 1) {
          this.#writing.add(writing);
          this.#schedule();
        }
      },
      finish: (status) => {
        this.#seal(writing);
        this.#writing.delete(writing);
        this.#owned.delete(meta.id);
        this.#markFinished(keys, status, lastSeq);
      },
    };
  }

  async meta(streamId: string): Promise<StreamMeta | null> {
    const keys = streamKeys(this.#options.keyPrefix, streamId);
    const fields = await this.#redis.hgetall(keys.meta);
    this.commandsSent++;
    if (fields.owner === undefined) return null;
    let status = fields.status as StoredStatus;
    if (status === 'running' && !(await this.#writerLives(fields.replica ?? ''))) status = await this.#markInterrupted(streamId);
    // Streams stored before the API was recorded are chat completions.
    const api = (fields.api ?? 'chat') as StreamApi;
    return { id: streamId, owner: fields.owner, model: fields.model, api, status, createdAt: Number(fields.createdAt), lastSeq: Number(fields.lastSeq) };
  }

  /**
   * What is stored already comes on the shared connection, at once. A
   * reader that has caught up with a running stream waits with the other
   * followers of this replica (redis-followers.ts), and checks on the
   * writer's liveness whenever a whole block passes with nothing new.
   */
  async *read(streamId: string, after: number, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const keys = streamKeys(this.#options.keyPrefix, streamId);
    const meta = await this.meta(streamId);
    if (meta === null) throw new StreamNotFoundError();
    let cursor = after;
    // The id of the last entry read: the next read asks for the entries after it.
    let lastEntry = 0;
    if (cursor > 0) {
      // The cursor may fall inside an entry: start from the entry holding cursor + 1.
      this.commandsSent++;
      const [holding] = (await this.#redis.xrevrange(keys.log, entryId(cursor + 1), '-', 'COUNT', 1)) as StreamEntries;
      signal.throwIfAborted();
      if (holding !== undefined) {
        lastEntry = seqOf(holding[0]);
        if (lastSeqOf(holding[0], holding[1]) > cursor) {
          for (const entry of splitEntry(holding[0], holding[1], cursor)) {
            cursor = entry.seq;
            yield entry;
            if (entry.kind !== 'chunk') return;
          }
        }
      }
      // Nothing at or before cursor + 1 yet (the writer's pipeline may still be on its way): read from the start, skipping what the reader has.
    }
    // Caught up with a running stream: wait with the other followers instead of asking again.
    let caughtUp = false;
    let running = meta.status === 'running';
    for (;;) {
      let entries: StreamEntries | null;
      if (caughtUp) entries = await this.#followers.wait(keys.log, lastEntry, signal);
      else {
        this.commandsSent++;
        const reply = (await this.#redis.xread('COUNT', ENTRIES_PER_READ, 'STREAMS', keys.log, entryId(lastEntry))) as [string, StreamEntries][] | null;
        entries = reply?.[0]?.[1] ?? null;
        if (entries === null && running) {
          caughtUp = true;
          continue;
        }
      }
      signal.throwIfAborted();
      if (entries === null) {
        const now = await this.meta(streamId);
        if (now === null) throw new StreamNotFoundError();
        if (now.status === 'interrupted') throw new StreamInterruptedError();
        // Finished with nothing after the cursor: the reader had the end already, or asked for more than there was.
        // (Short of the end, the entries it missed while its read timed out are there: read on.)
        if (now.status !== 'running' && cursor >= now.lastSeq) {
          if (cursor > now.lastSeq) throw new InvalidCursorError(cursor, now.lastSeq);
          return;
        }
        running = now.status === 'running';
        caughtUp = running;
        continue;
      }
      for (const [id, fields] of entries) {
        const first = seqOf(id);
        if (first > cursor + 1) throw new StreamTruncatedError(cursor, first);
        lastEntry = first;
        for (const entry of splitEntry(id, fields, cursor)) {
          cursor = entry.seq;
          yield entry;
          if (entry.kind !== 'chunk') return;
        }
      }
    }
  }

  async written(): Promise<void> {
    if (this.#queue.length > 0 || this.#writing.size > 0) await this.#flush();
    else await this.#lastFlush;
  }

  remember(key: string, value: string): void {
    // Queued with the stream's own writes, so it is stored before the end of the stream that produced it.
    // PX must be positive; a retention of 0 keeps the value for a moment only.
    this.#send(['set', memoryKey(this.#options.keyPrefix, key), value, 'PX', Math.max(1, this.#options.retentionMs)]);
  }

  /** One round trip: a pipeline of GETs (not MGET, whose keys a Redis Cluster would need in one slot). */
  async recall(keys: readonly string[]): Promise<(string | null)[]> {
    // A write still queued goes first, so a read on this replica always sees its own writes.
    if (this.#queue.length > 0) await this.#flush();
    if (keys.length === 0) return [];
    this.commandsSent += keys.length;
    const results = await this.#redis.pipeline(keys.map((key): Command => ['get', memoryKey(this.#options.keyPrefix, key)])).exec();
    return (results ?? []).map(([error, value]) => {
      if (error) throw error;
      return typeof value === 'string' ? value : null;
    });
  }

  async forget(key: string): Promise<boolean> {
    // A write still queued goes first, so that it cannot bring the value back.
    if (this.#queue.length > 0) await this.#flush();
    this.commandsSent++;
    return (await this.#redis.del(memoryKey(this.#options.keyPrefix, key))) === 1;
  }

  async requestCancel(streamId: string): Promise<void> {
    this.commandsSent++;
    await this.#redis.publish(cancelChannel(this.#options.keyPrefix), streamId);
  }

  onCancelRequest(listener: (streamId: string) => void): void {
    this.#cancelListeners.push(listener);
    if (this.#subscriber !== undefined) return;
    this.#subscriber = this.#redis.duplicate();
    this.#subscriber.on('error', this.#options.onError);
    void this.#subscriber.subscribe(cancelChannel(this.#options.keyPrefix)).catch(this.#options.onError);
    this.#subscriber.on('message', (_channel: string, streamId: string) => {
      if (this.#owned.has(streamId)) for (const l of this.#cancelListeners) l(streamId);
    });
  }

  /** An admin read, not the stream path: not counted in commandsSent. */
  replicas(): Promise<ReplicaSeen[]> {
    return replicasSeen(this.#redis, this.#options.keyPrefix, this.#replica);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    // Streams still running here end with this replica, and it leaves the health page: say so at once rather than when its liveness lapses.
    this.#send(['del', replicaKey(this.#options.keyPrefix, this.#replica)], ['srem', replicasKey(this.#options.keyPrefix), this.#replica]);
    await this.#flush();
    this.#followers.close();
    this.#subscriber?.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Queue commands for the next pipeline; one pipeline per event-loop turn. */
  #send(...commands: Command[]): void {
    this.#queue.push(...commands);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => void this.#flush());
  }

  /** A stream's events of this turn become one entry, queued after whatever was queued for it before. */
  #seal(writing: Writing): void {
    if (writing.pending.length === 0) return;
    this.#queue.push(['xadd', writing.keys.log, ...entryArgs(writing.pending)]);
    writing.pending = [];
    if (!writing.expiring) {
      writing.expiring = true;
      this.#queue.push(['pexpire', writing.keys.log, this.#options.runningTtlMs]);
    }
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    for (const writing of this.#writing) this.#seal(writing);
    this.#writing.clear();
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.commandsSent += batch.length;
    this.#lastFlush = this.#redis
      .pipeline(batch)
      .exec()
      .then(
        (results) => {
          for (const [error] of results ?? []) if (error) this.#options.onError(error);
        },
        (error: unknown) => this.#options.onError(error),
      );
    await this.#lastFlush;
  }

  #markFinished(keys: { log: string; meta: string }, status: StoredStatus, lastSeq: number): void {
    const keep = this.#options.retentionMs;
    this.#send(['hset', keys.meta, 'status', status, 'lastSeq', lastSeq], ['pexpire', keys.meta, keep], ['pexpire', keys.log, keep]);
  }

  /**
   * Whether the replica writing a stream still lives. Its liveness key must
   * be found missing twice, two heartbeats or more apart (time for a live
   * replica to renew it once more), before the answer is no: a replica
   * alive but starved of CPU for a moment (a loaded machine, a long GC)
   * renews late, and an interrupted verdict cannot be taken back, while its
   * streams go on.
   */
  async #writerLives(replica: string): Promise<boolean> {
    this.commandsSent++;
    if ((await this.#redis.exists(replicaKey(this.#options.keyPrefix, replica))) === 1) {
      this.#lapsed.delete(replica);
      return true;
    }
    const since = this.#lapsed.get(replica);
    const now = performance.now();
    // A miss seen long ago says nothing about now: start over.
    if (since === undefined || now - since > 10 * this.#options.heartbeatMs) {
      this.#lapsed.set(replica, now);
      return true;
    }
    return now - since < 2 * this.#options.heartbeatMs;
  }

  /** The writer's liveness lapsed: say so once, for every reader, and let the keys expire. */
  async #markInterrupted(streamId: string): Promise<StoredStatus> {
    const keys = streamKeys(this.#options.keyPrefix, streamId);
    const keep = this.#options.retentionMs;
    // Only a still-running stream becomes interrupted; a finish that raced us wins.
    const changed = await this.#redis.eval("if redis.call('HGET', KEYS[1], 'status') == 'running' then redis.call('HSET', KEYS[1], 'status', 'interrupted') redis.call('PEXPIRE', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[2], ARGV[1]) return 1 end return 0", 2, keys.meta, keys.log, keep);
    this.commandsSent++;
    if (changed === 1) return 'interrupted';
    return ((await this.#redis.hget(keys.meta, 'status')) ?? 'interrupted') as StoredStatus;
  }

  /** One key vouches for every stream this replica runs (and one index entry lists it). */
  #renewLiveness(): void {
    this.#send(...presenceCommands(this.#options.keyPrefix, this.#replica, { startedAt: this.#startedAt, heartbeatMs: this.#options.heartbeatMs, running: this.#owned.size }));
  }
}
