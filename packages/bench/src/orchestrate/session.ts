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
}

/** The target's process id, or null for `direct`, which has no process of its own. */
export function pidOf(target: LaunchedTarget): number | null {
  return target.server?.alive ? target.server.pid : null;
}

export interface CpuSpan {
  cpuMs: number;
  windowMs: number;
}

/**
 * Runs `work` while the load generator's `cpu-start` / `cpu-end` marks
 * decide the window in which the target's CPU time is read.
 */
export async function withCpuWindow<T>(session: Session, target: LaunchedTarget, work: () => Promise<T>): Promise<{ value: T; cpu: CpuSpan | null }> {
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
    const e = end as ProcSample | null;
    return { value, cpu: s && e ? { cpuMs: e.cpuMs - s.cpuMs, windowMs: e.at - s.at } : null };
  } finally {
    session.loadgen.onMark = () => {};
  }
}
