/**
 * CPU time and resident memory of another process, read from /proc (Linux),
 * so any target can be measured the same way without code inside it.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface ProcSample {
  /** User + system CPU time since the process started, ms (all threads). */
  cpuMs: number;
  rssBytes: number;
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
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / clockTicks(), rssBytes: rssKb * 1024, at: performance.now() };
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
