/**
 * The shape of `packages/bench/results/<date>.json`: raw samples and the
 * figures derived from them, per target, plus the machine and the run's
 * parameters. The Markdown tables and the chart are drawn from this alone.
 */
import type { CancelSamples } from '../loadgen/phases/cancel.ts';
import type { ReconnectParams, ReconnectSamples } from '../loadgen/phases/reconnect.ts';
import type { ResumeParams, ResumeSamples } from '../loadgen/phases/resume.ts';
import type { ConcurrentParams, ConcurrentResult } from '../loadgen/phases/concurrent.ts';
import type { TtftParams } from '../loadgen/phases/ttft.ts';
import type { StreamTally } from '../loadgen/tally.ts';
import type { TargetName, Transport } from '../targets/target.ts';
import type { Distribution } from './stats.ts';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMB: number;
  node: string;
  os: string;
  openFileLimit: number;
  /** 1-minute load average when the run started and when it ended: other work on the machine skews every figure. */
  loadAverage: { start: number; end: number };
}

export interface RunParams {
  mode: 'full' | 'quick';
  ttft: TtftParams;
  cancel: { samples: number; afterChunks: number; timeoutMs: number };
  resume: ResumeParams;
  reconnect: ReconnectParams;
  cpu50: ConcurrentParams;
  /** CPU per chunk at a fixed offered rate below saturation (every stream a chunk every `itlMs`). */
  paced: ConcurrentParams;
  throughput: ConcurrentParams;
  /**
   * The capacity search (`orchestrate/capacity-search.ts`): the first round
   * starts at `start` streams and steps by `factor`, later rounds start at the
   * target's capacity of the round before and step by `resolution`; every
   * round bisects until the smallest failing count is within `resolution` of
   * the largest passing one, between `min` and `max` streams. Each probe runs
   * `chunks` chunks `itlMs` apart per stream, starts spread over `rampMs`, and
   * passes with every stream exact and no gap over `maxGapMs`.
   */
  capacity: { start: number; factor: number; resolution: number; min: number; max: number; chunks: number; itlMs: number; rampMs: number; maxGapMs: number };
  /** How many streams the load generator multiplexes on one `sluice.v1` socket (64 unless `--ws-streams-per-socket`). */
  wsStreamsPerSocket?: number;
  /**
   * The load phases run in rounds, every target once per round in an order
   * rotating round by round (as the first-token phase does per request), so
   * a burst of machine noise lands on a round of every target alike and the
   * ratio to the floor of one round compares neighbours in time.
   * `throughput`: rounds of the throughput burst (CPU per 1,000 chunks is
   * read from it); `cpu50`: rounds of the 50-stream CPU window (a few
   * seconds each, so fewer); `capacity`: rounds of the capacity search;
   * `warmup`: throughput bursts of every target run before the load rounds
   * and thrown away.
   */
  rounds: { warmup: number; throughput: number; paced: number; cpu50: number; capacity: number };
  idleStreams: number[];
  idleSockets: number[];
  /** How long memory is left to settle before each reading, ms. */
  memorySettleMs: number;
}

export interface CapacityStep extends ConcurrentResult {
  streams: number;
  passed: boolean;
  /** Target CPU during the step, percent of one core. */
  cpuPercent: number | null;
}

/** One round of the throughput burst, or of the fixed-rate run. */
export interface ThroughputRound extends ConcurrentResult {
  chunksPerSec: number;
  cpuMs: number | null;
  cpuMsPer1000Chunks: number | null;
  /** The target's read and write system calls per 1,000 chunks delivered: how far saturation batched its I/O this round. */
  syscallsPer1000Chunks?: { reads: number; writes: number } | null;
}

/** One round of the 50-stream CPU window. */
export interface Cpu50Round extends ConcurrentResult {
  cpuPercent: number | null;
  windowMs: number;
}

/** One round's capacity search: the probes in the order run (ascending in results written before the search bisected), and the largest count that passed (null: none). */
export interface CapacityRound {
  steps: CapacityStep[];
  capacity: number | null;
}

export interface MemoryPoint {
  /** Streams (or sockets) asked for, and how many were really open when memory was read. */
  requested: number;
  open: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerItem: number | null;
  note: string | null;
}

export interface TargetResult {
  name: TargetName;
  label: string;
  transport: Transport | null;
  available: boolean;
  note: string | null;
  ttft: { samplesMs: number[]; stats: Distribution } | null;
  itl: { samplesMs: number[]; stats: Distribution } | null;
  cancel: (CancelSamples & { stats: Distribution }) | null;
  /**
   * The load phases, round by round; the top-level figures are the medians
   * over the rounds (the ratios to the floor are derived in the report, round
   * by round). `capacity.steps` are the first round's probes, in the order
   * run.
   */
  capacity: { rounds: CapacityRound[]; steps: CapacityStep[]; capacity: number | null } | null;
  throughput: { rounds: ThroughputRound[]; chunksPerSec: number; cpuMsPer1000Chunks: number | null } | null;
  /** The fixed-rate rounds (absent in results written before they existed). */
  paced?: { rounds: ThroughputRound[]; chunksPerSec: number; cpuMsPer1000Chunks: number | null } | null;
  cpu50: { rounds: Cpu50Round[]; cpuPercent: number | null } | null;
  memory: { streams: MemoryPoint[]; sockets: MemoryPoint[] } | null;
  /** Resumable streams (sluice only): null where the target has none. */
  resume: (ResumeSamples & { stats: Distribution }) | null;
  /** The client SDK's reconnection after a forced cut (sluice SSE over HTTP/1.1 and sluice.v1 only). */
  reconnect: (ReconnectSamples & { stats: Distribution }) | null;
  /**
   * Redis commands per streamed token (targets with a Redis stream store):
   * at 50 paced streams and at saturation, where more events share each
   * per-tick pipeline. Null elsewhere.
   */
  redisCommandsPerToken: { paced: number | null; saturated: number | null } | null;
  /** Every stream this target served in the run, all phases together. */
  exactness: StreamTally;
}

export interface BenchResults {
  schema: 2;
  startedAt: string;
  durationMs: number;
  machine: Machine;
  params: RunParams;
  targets: TargetResult[];
}
