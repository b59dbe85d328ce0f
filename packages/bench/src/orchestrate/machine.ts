/** The machine a run measured, recorded with its figures. */
import { cpus, release, totalmem, type } from 'node:os';
import { openFileLimit } from '../procs/proc-sample.ts';
import type { Machine } from '../report/results.ts';

export function describeMachine(): Machine {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryMB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    os: `${type()} ${release()}`,
    openFileLimit: openFileLimit(),
  };
}
