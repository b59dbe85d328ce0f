/** The machine a run measured, recorded with its figures. */
import { cpus, loadavg, release, totalmem, type } from 'node:os';
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
    loadAverage: { start: round2(loadavg()[0]), end: Number.NaN },
  };
}

export function loadNow(): number {
  return round2(loadavg()[0]);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
