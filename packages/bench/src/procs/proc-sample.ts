/**
 * CPU time and resident memory of another process, read from /proc (Linux),
 * so any target can be measured the same way without code inside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface ProcSample {
  /** User + system CPU time since the process started, ms (all threads). */
  cpuMs: number;
  rssBytes: number;
  /**
   * Read and write system calls since the process started (`/proc/PID/io`
   * syscr / syscw; null where the kernel does not expose them): per chunk,
   * how many chunks a gateway reads or writes per call, the batching that
   * saturation changes from round to round.
   */
  syscalls: { reads: number; writes: number } | null;
  /** When the sample was taken (this process's clock), ms. */
  at: number;
}

let ticksPerSecond = 0;

function clockTicks(): number {
  if (ticksPerSecond === 0) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function sampleProcess(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: runTimeMs(pid) ?? tickTimeMs(pid), rssBytes: rssKb * 1024, syscalls: syscallCounts(pid), at: performance.now() };
}

function syscallCounts(pid: number): ProcSample['syscalls'] {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const reads = /syscr:\s+(\d+)/.exec(io)?.[1];
    const writes = /syscw:\s+(\d+)/.exec(io)?.[1];
    return reads === undefined || writes === undefined ? null : { reads: Number(reads), writes: Number(writes) };
  } catch {
    return null;
  }
}

/**
 * On-CPU time in nanoseconds, summed over the process's threads
 * (`/proc/PID/task/TID/schedstat`, first field), so a window of a second
 * reads to the microsecond instead of to the 10 ms clock tick. Node's
 * threads (libuv pool, GC helpers) live as long as the process, so none of
 * a window's time leaves with an exited thread. Null where the kernel has
 * no schedstat.
 */
function runTimeMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

/** User + system time from `/proc/PID/stat`, in clock ticks (10 ms): the fallback. */
function tickTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks();
}

/** The soft limit on open files this process (and its children) runs with. */
export function openFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /Max open files\s+(\d+|unlimited)/.exec(limits);
    return match && match[1] !== 'unlimited' ? Number(match[1]) : 1_000_000;
  } catch {
    return 1024;
  }
}
