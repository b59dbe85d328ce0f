import { Redis } from 'ioredis';
import { InvalidCursorError, StreamInterruptedError, StreamNotFoundError, StreamTruncatedError } from '../../errors/index.ts';
import type { StreamApi } from '../event-encoder.ts';
import type { EntryKind, LogEntry } from '../log.ts';
import { cancelChannel, entryId, memoryKey, seqOf, streamKeys } from './redis-keys.ts';
import type { StoredStatus, StreamLogStore, StreamLogWriter, StreamMeta } from './types.ts';

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  /** How long a finished stream stays readable. */
  retentionMs: number;
  /** How often a replica renews the liveness of the streams it runs; three missed renewals mean it died. */
  heartbeatMs: number;
  /** Upper bound on a running stream's keys, in case its replica dies and nobody reads it. */
  runningTtlMs: number;
  onError(error: unknown): void;
}

/** Entries per XREAD: a resume replays a long stream in a few round trips. */
const ENTRIES_PER_READ = 512;

/** XREAD's answer for one stream: `[[key, [[id, [field, value, …]], …]]]`, or null when nothing came. */
type XreadReply = [string, [string, string[]][]][] | null;

/** A queued command: its lower-case ioredis name, then its arguments. */
type Command = [string, ...(string | number)[]];

/**
 * Stream logs in Redis Streams, shared by every replica. Each event is one
 * XADD whose id is the event's seq; writes are batched into one pipeline per
 * event-loop turn. Readers follow with XREAD BLOCK on a connection of their
 * own, and check the writer's liveness key whenever a block times out.
 */
export class RedisStreamLogStore implements StreamLogStore {
  readonly #redis: Redis;
  readonly #options: RedisStoreOptions;
  readonly #owned = new Set<string>();
  readonly #cancelListeners: ((streamId: string) => void)[] = [];
  #subscriber: Redis | undefined;
  #queue: Command[] = [];
  #flushScheduled = false;
  readonly #heartbeat: NodeJS.Timeout;
  /** Redis commands sent, for the benchmark's commands-per-token figure. */
  commandsSent = 0;

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
    this.#redis.on('error', options.onError);
    this.#heartbeat = setInterval(() => this.#renewLiveness(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  create(meta: Omit<StreamMeta, 'status' | 'lastSeq'>): StreamLogWriter {
    const keys = streamKeys(this.#options.keyPrefix, meta.id);
    const ttl = this.#options.runningTtlMs;
    this.#owned.add(meta.id);
    // Liveness first: whoever can see the metadata can also see that its writer lives.
    this.#send(
      ['set', keys.alive, '1', 'PX', this.#options.heartbeatMs * 3],
      ['hset', keys.meta, 'owner', meta.owner, 'model', meta.model, 'api', meta.api, 'status', 'running', 'createdAt', meta.createdAt, 'lastSeq', 0],
      ['pexpire', keys.meta, ttl],
    );
    let lastSeq = 0;
    return {
      append: (entry) => {
        lastSeq = entry.seq;
        this.#send(['xadd', keys.log, entryId(entry.seq), 'k', entry.kind, 'j', entry.json]);
        if (entry.seq === 1) this.#send(['pexpire', keys.log, ttl]);
      },
      finish: (status) => {
        this.#owned.delete(meta.id);
        this.#markFinished(meta.id, status, lastSeq);
      },
    };
  }

  async meta(streamId: string): Promise<StreamMeta | null> {
    const keys = streamKeys(this.#options.keyPrefix, streamId);
    const [fields, alive] = await Promise.all([this.#redis.hgetall(keys.meta), this.#redis.exists(keys.alive)]);
    this.commandsSent += 2;
    if (fields.owner === undefined) return null;
    let status = fields.status as StoredStatus;
    if (status === 'running' && alive === 0) status = await this.#markInterrupted(streamId);
    // Streams stored before the API was recorded are chat completions.
    const api = (fields.api ?? 'chat') as StreamApi;
    return { id: streamId, owner: fields.owner, model: fields.model, api, status, createdAt: Number(fields.createdAt), lastSeq: Number(fields.lastSeq) };
  }

  /**
   * What is stored already comes on the shared connection, at once. Only a
   * reader that has caught up with a running stream waits, with XREAD BLOCK
   * on a connection of its own: Redis wakes a blocked reader when its stream
   * grows, at no cost to the others, where one multi-stream read shared by
   * every follower would cost work in proportion to all of them on each call.
   */
  async *read(streamId: string, after: number, signal: AbortSignal): AsyncGenerator<LogEntry> {
    const keys = streamKeys(this.#options.keyPrefix, streamId);
    const meta = await this.meta(streamId);
    if (meta === null) throw new StreamNotFoundError();
    let waiting: Redis | undefined;
    const abort = () => waiting?.disconnect();
    signal.addEventListener('abort', abort, { once: true });
    let cursor = after;
    try {
      for (;;) {
        const reply = await this.#readAfter(waiting, keys.log, cursor, signal);
        signal.throwIfAborted();
        if (reply === null) {
          if (waiting === undefined) {
            waiting = this.#redis.duplicate({ connectionName: `${this.#options.keyPrefix}follower` });
            waiting.on('error', () => {});
            continue;
          }
          const now = await this.meta(streamId);
          if (now === null) throw new StreamNotFoundError();
          if (now.status === 'interrupted') throw new StreamInterruptedError();
          // Finished with nothing after the cursor: the reader had the end already, or asked for more than there was.
          // (Short of the end, the entries it missed while its read timed out are there: read on.)
          if (now.status !== 'running' && cursor >= now.lastSeq) {
            if (cursor > now.lastSeq) throw new InvalidCursorError(cursor, now.lastSeq);
            return;
          }
          continue;
        }
        for (const [id, fields] of reply[0][1]) {
          const seq = seqOf(id);
          if (seq !== cursor + 1) throw new StreamTruncatedError(cursor, seq);
          const entry: LogEntry = { seq, kind: fields[1] as EntryKind, json: fields[3] };
          cursor = seq;
          yield entry;
          if (entry.kind !== 'chunk') return;
        }
      }
    } finally {
      signal.removeEventListener('abort', abort);
      waiting?.disconnect();
    }
  }

  /** The entries after `cursor`: what is there now (shared connection), or, on a waiting reader's own connection, the next ones to come. */
  async #readAfter(waiting: Redis | undefined, log: string, cursor: number, signal: AbortSignal): Promise<XreadReply> {
    this.commandsSent++;
    if (waiting === undefined) return (await this.#redis.xread('COUNT', ENTRIES_PER_READ, 'STREAMS', log, entryId(cursor))) as XreadReply;
    return (await waiting.xread('COUNT', ENTRIES_PER_READ, 'BLOCK', this.#options.heartbeatMs, 'STREAMS', log, entryId(cursor)).catch((error: unknown) => {
      throw signal.aborted ? signal.reason : error;
    })) as XreadReply;
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

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#flush();
    this.#subscriber?.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Queue commands for the next pipeline; one pipeline per event-loop turn. */
  #send(...commands: Command[]): void {
    this.#queue.push(...commands);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.commandsSent += batch.length;
    try {
      const results = await this.#redis.pipeline(batch).exec();
      for (const [error] of results ?? []) if (error) this.#options.onError(error);
    } catch (error) {
      this.#options.onError(error);
    }
  }

  #markFinished(streamId: string, status: StoredStatus, lastSeq: number): void {
    const keys = streamKeys(this.#options.keyPrefix, streamId);
    const keep = this.#options.retentionMs;
    this.#send(['hset', keys.meta, 'status', status, 'lastSeq', lastSeq], ['pexpire', keys.meta, keep], ['pexpire', keys.log, keep], ['del', keys.alive]);
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

  #renewLiveness(): void {
    if (this.#owned.size === 0) return;
    const px = this.#options.heartbeatMs * 3;
    this.#send(...[...this.#owned].map((id): Command => ['set', streamKeys(this.#options.keyPrefix, id).alive, '1', 'PX', px]));
  }
}
