import { readdirSync, readFileSync } from 'node:fs';

/**
 * Nanoseconds a process has run on a CPU, all its threads (Linux
 * `/proc/<pid>/task/<tid>/schedstat`, first field). Unlike wall time, it
 * hardly moves with the load of other work on a shared machine, so it
 * compares two builds fairly where latency cannot. Null off Linux.
 */
export function cpuNs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return total;
  } catch {
    return null;
  }
}

/** CPU microseconds a request costs `pids` while `run` sends `requests` of them, by pid, or null where unreadable. */
export async function cpuPerRequest(pids: readonly (number | undefined)[], requests: number, run: () => Promise<void>): Promise<(number | null)[]> {
  const before = pids.map(cpuNs);
  await run();
  return pids.map((pid, i) => {
    const now = cpuNs(pid);
    const was = before[i];
    return now === null || was === null ? null : (now - was) / 1000 / requests;
  });
}
