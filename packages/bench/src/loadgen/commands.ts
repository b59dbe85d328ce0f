/**
 * The messages between the orchestrator and the load-generator process
 * (Node IPC). Each command gets one reply with the same `seq`; while it runs,
 * the load generator may send progress and CPU-window marks.
 */
import type { TargetEndpoint } from '../targets/target.ts';
import type { CancelParams, CancelSamples } from './phases/cancel.ts';
import type { ConcurrentParams, ConcurrentResult } from './phases/concurrent.ts';
import type { IdleOpened } from './phases/idle.ts';
import type { ReconnectParams, ReconnectSamples } from './phases/reconnect.ts';
import type { ResumeParams, ResumeSamples } from './phases/resume.ts';
import type { TtftParams, TtftSamples } from './phases/ttft.ts';

export interface CommandResults {
  init: void;
  preflight: { ok: boolean; error: string | null };
  ttft: Record<string, TtftSamples>;
  cancel: CancelSamples;
  resume: ResumeSamples;
  reconnect: ReconnectSamples;
  concurrent: ConcurrentResult;
  'idle-streams': IdleOpened;
  'idle-sockets': IdleOpened;
  'idle-close': { leftOpen: number };
  reset: void;
  shutdown: void;
}

export type Command =
  | { type: 'init'; upstreamUrl: string; targets: TargetEndpoint[] }
  | { type: 'preflight'; target: string }
  | { type: 'ttft'; targets: string[]; params: TtftParams }
  | { type: 'cancel'; target: string; params: CancelParams }
  | { type: 'resume'; target: string; params: ResumeParams }
  | { type: 'reconnect'; target: string; params: ReconnectParams }
  /** `cpuWindow`: mark the steady window of a sustained run, or the whole run. */
  | { type: 'concurrent'; phase: string; target: string; params: ConcurrentParams; cpuWindow: 'steady' | 'whole' | 'none' }
  | { type: 'idle-streams'; target: string; total: number }
  | { type: 'idle-sockets'; target: string; total: number }
  | { type: 'idle-close' }
  /** Close every idle connection of a target, ours and the upstream's, after a phase that opened thousands. */
  | { type: 'reset'; target: string }
  | { type: 'shutdown' };

export type CommandType = Command['type'];

export type ToLoadgen = { seq: number; command: Command };

export type FromLoadgen =
  | { type: 'reply'; seq: number; result?: unknown; error?: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'mark'; name: 'cpu-start' | 'cpu-end' };
