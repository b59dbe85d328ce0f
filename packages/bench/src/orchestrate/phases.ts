/**
 * The phases of a run, in the order they run. `--phases` picks some of them
 * (the reproducibility check runs `load,capacity` twice back to back); a
 * phase left out is "n/a" in the report, as for a target that lacks it.
 */
export const PHASES = ['memory', 'ttft', 'cancel', 'resume', 'reconnect', 'load', 'capacity'] as const;

export type Phase = (typeof PHASES)[number];
