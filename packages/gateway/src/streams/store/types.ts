import type { StreamApi } from '../event-encoder.ts';
import type { LogEntry } from '../log.ts';

export type StoredStatus = 'running' | 'done' | 'error' | 'cancelled' | 'interrupted';

/** What a store knows of a stream besides its events. */
export interface StreamMeta {
  id: string;
  /** The id of the caller (`Caller.id`) that started it: it may read and cancel without the token. */
  owner: string;
  model: string;
  /** The inbound API whose frames the log holds. */
  api: StreamApi;
  status: StoredStatus;
  createdAt: number;
  /** The seq of the terminal once finished, else the last seq known. */
  lastSeq: number;
}

/** A replica sharing the store, as `/admin/health` lists it. */
export interface ReplicaSeen {
  /** The store's replica id, the one stream metadata names. */
  id: string;
  /** `host:pid`, as the Live page names a replica. */
  name: string;
  /** The replica answering. */
  self: boolean;
  startedAt: number;
  /** How long ago its liveness was last renewed, from the key's remaining TTL (no clocks compared). */
  lastHeartbeatMsAgo: number;
  heartbeatMs: number;
  /** Streams it ran at its last heartbeat. */
  running: number;
}

/** The generation's side of a stored stream. */
export interface StreamLogWriter {
  append(entry: LogEntry): void;
  /** The stream ended; it stays readable for the retention time. */
  finish(status: Exclude<StoredStatus, 'running' | 'interrupted'>): void;
}

/**
 * Where resumable streams are kept for readers that are not attached to the
 * live generation: a late client after the end, or a client that reconnects
 * to another replica. One interface, kept in memory on one replica or in
 * Redis Streams across many, and checked by one shared test suite.
 */
export interface StreamLogStore {
  create(meta: Omit<StreamMeta, 'status' | 'lastSeq'>): StreamLogWriter;
  /** Null when the stream is unknown or has expired. */
  meta(streamId: string): Promise<StreamMeta | null>;
  /**
   * The entries after `after`, stored ones first, then live ones as they are
   * written, ending with the terminal entry. Throws StreamNotFoundError,
   * StreamTruncatedError when the entries were dropped, or
   * StreamInterruptedError when the writer died without finishing.
   */
  read(streamId: string, after: number, signal: AbortSignal): AsyncIterable<LogEntry>;
  /**
   * Keep a small value under `key` for the retention time, where every
   * replica finds it (what a provider needs back on a conversation's next
   * turn: see request/turn-memory/; the Responses API's stored responses).
   * The write is queued, not awaited, and ordered before this replica's
   * later reads.
   */
  remember(key: string, value: string): void;
  /** Resolves once every write queued so far has reached the store, for an answer another replica may be asked about next. */
  written(): Promise<void>;
  /** The values kept under `keys`, in order; null where none is (or it expired). */
  recall(keys: readonly string[]): Promise<(string | null)[]>;
  /** Drop the value under `key`; false when there was none. */
  forget(key: string): Promise<boolean>;
  /** Ask whichever replica runs the stream to cancel it. */
  requestCancel(streamId: string): Promise<void>;
  /** Hear cancel requests for streams this replica runs. */
  onCancelRequest(listener: (streamId: string) => void): void;
  /** The replicas alive on this store now, this one marked; null for a store this replica alone uses. */
  replicas(): Promise<ReplicaSeen[] | null>;
  close(): Promise<void>;
}
