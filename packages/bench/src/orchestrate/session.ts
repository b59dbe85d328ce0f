/** What every phase of the orchestrator works with. */
import type { LoadgenProcess } from '../procs/loadgen-process.ts';
import { sampleProcess, type ProcSample } from '../procs/proc-sample.ts';
import type { Progress } from '../progress.ts';
import type { RunParams, TargetResult } from '../report/results.ts';
import type { LaunchedTarget } from '../targets/launch.ts';

export interface Session {
  loadgen: LoadgenProcess;
  params: RunParams;
  progress: Progress;
  /** Available targets, in table order. */
  targets: LaunchedTarget[];
  results: Map<string, TargetResult>;
  /** Where the memory phase has the sluice processes write heap snapshots; null: none. */
  heapSnapshotDir?: string | null;
}

/** The target's process id, or null for `direct`, which has no process of its own. */
export function pidOf(target: LaunchedTarget): number | null {
  return target.server?.alive ? target.server.pid : null;
}

export interface CpuSpan {
  cpuMs: number;
  windowMs: number;
  /** Read and write system calls in the window (null where /proc/PID/io is not readable). */
  syscalls: { reads: number; writes: number } | null;
}

/** How often, and how little CPU a step may add, when waiting for a target to go quiet after a burst. */
const SETTLE_STEP_MS = 25;
const SETTLE_QUIET_MS = 0.25;
const SETTLE_LIMIT_MS = 1000;

/**
 * Runs `work` while the load generator's `cpu-start` / `cpu-end` marks
 * decide the window in which the target's CPU time is read.
 *
 * With `settle`, the window ends when the target has gone quiet after the
 * end mark (a step of 25 ms adding under 0.25 ms of CPU) rather than at the
 * mark: what a burst leaves to finish (the ledger's 50 ms batch, the store's
 * last pipeline, closing upstream bodies) is work of that burst, and cutting
 * it off at whatever instant the mark arrived put a varying part of it in
 * each round.
 */
export async function withCpuWindow<T>(session: Session, target: LaunchedTarget, work: () => Promise<T>, settle = false): Promise<{ value: T; cpu: CpuSpan | null }> {
  const pid = pidOf(target);
  let start: ProcSample | null = null;
  let end: ProcSample | null = null;
  session.loadgen.onMark = (name) => {
    if (pid === null) return;
    try {
      if (name === 'cpu-start') start = sampleProcess(pid);
      else end = sampleProcess(pid);
    } catch {
      // The process is gone; the phase reports it through its streams.
    }
  };
  try {
    const value = await work();
    const s = start as ProcSample | null;
    let e = end as ProcSample | null;
    if (settle && e !== null && pid !== null) e = await quietAfter(pid, e);
    return { value, cpu: s && e ? span(s, e) : null };
  } finally {
    session.loadgen.onMark = () => {};
  }
}

function span(start: ProcSample, end: ProcSample): CpuSpan {
  const syscalls = start.syscalls && end.syscalls ? { reads: end.syscalls.reads - start.syscalls.reads, writes: end.syscalls.writes - start.syscalls.writes } : null;
  return { cpuMs: end.cpuMs - start.cpuMs, windowMs: end.at - start.at, syscalls };
}

/** Samples the process every few ms from `from` until a step adds almost no CPU; returns the last sample. */
async function quietAfter(pid: number, from: ProcSample): Promise<ProcSample> {
  let last = from;
  while (last.at - from.at < SETTLE_LIMIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_STEP_MS));
    let next: ProcSample;
    try {
      next = sampleProcess(pid);
    } catch {
      return last;
    }
    const quiet = next.cpuMs - last.cpuMs < SETTLE_QUIET_MS;
    last = next;
    if (quiet) break;
  }
  return last;
}
