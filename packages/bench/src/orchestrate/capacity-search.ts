/**
 * The capacity search, apart from any server: given a probe that says
 * whether a target sustains so many concurrent streams, find the largest
 * count that passes to within a set resolution.
 *
 * It steps from `start` by `factor`, up while probes pass and down while
 * they fail, squaring the factor at every step in the same direction (so a
 * start far from the capacity is left quickly, while a start near it costs
 * small steps), until one probe passes and another fails. Then it bisects
 * that bracket at its geometric midpoint until the smallest count that failed
 * is at most `resolution` times the largest that passed. Capacity steps of
 * a fixed ladder (250, 500, 1,000…) knew a capacity only to within their
 * factor of two, so one more or one less step in a run moved every ratio to
 * the floor by 50 % or 100 %.
 */

export interface CapacitySearchPlan {
  /** The first count probed. */
  start: number;
  /** The first step's factor (> 1); each further step in the same direction squares it. */
  factor: number;
  /** Stop once the smallest failing count is at most this many times the largest passing one (> 1). */
  resolution: number;
  /** Never probe fewer streams than this, nor more than `max`. */
  min: number;
  max: number;
}

export interface CapacityProbe {
  streams: number;
  passed: boolean;
}

export interface CapacitySearchOutcome {
  /** The largest count that passed; null when even `min` failed. */
  capacity: number | null;
  /** The smallest count that failed; null when nothing failed (up to `max`: the capacity lies at or above it). */
  failedAt: number | null;
  /** Every probe, in the order run. */
  probes: CapacityProbe[];
  /** False when the probe gave up (the target went away) before the search was done. */
  complete: boolean;
}

export class CapacitySearchPlanError extends Error {}

/**
 * `probe(streams)` runs one probe and resolves whether it passed, or null
 * when no further probe can run (the target's process has exited).
 */
export async function searchCapacity(plan: CapacitySearchPlan, probe: (streams: number) => Promise<boolean | null>): Promise<CapacitySearchOutcome> {
  checkPlan(plan);
  const probes: CapacityProbe[] = [];
  // Largest count that passed, smallest that failed (kept in an object: the closure below updates them).
  const bracket: { passed: number | null; failed: number | null } = { passed: null, failed: null };
  const run = async (streams: number): Promise<boolean> => {
    const ok = await probe(streams);
    if (ok === null) return false;
    probes.push({ streams, passed: ok });
    if (ok) bracket.passed = Math.max(bracket.passed ?? streams, streams);
    else bracket.failed = Math.min(bracket.failed ?? streams, streams);
    return true;
  };
  const outcome = (complete: boolean): CapacitySearchOutcome => ({ capacity: bracket.passed, failedAt: bracket.failed, probes, complete });

  // The bracket: step away from the start until the outcome flips, or a bound is reached.
  let streams = Math.min(plan.max, Math.max(plan.min, Math.round(plan.start)));
  let factor = plan.factor;
  for (;;) {
    if (!(await run(streams))) return outcome(false);
    if (bracket.passed !== null && bracket.failed !== null) break;
    const up = bracket.failed === null;
    // Always at least one stream further, however small the factor at a low count.
    const next = up ? Math.min(plan.max, Math.max(streams + 1, Math.round(streams * factor))) : Math.max(plan.min, Math.min(streams - 1, Math.round(streams / factor)));
    if (next === streams) return outcome(true); // at a bound: nothing left to probe that way
    streams = next;
    factor *= factor;
  }

  // Bisect the bracket geometrically: every probe halves its width in log space.
  for (;;) {
    const { passed, failed } = bracket as { passed: number; failed: number };
    // Within one stream of the resolution: counts are whole, and a step of `resolution` from a count is rounded.
    if (failed <= passed * plan.resolution + 1) break;
    const middle = Math.round(Math.sqrt(passed * failed));
    // Integer counts: a bracket of neighbours cannot be split any further.
    if (middle <= passed || middle >= failed) break;
    if (!(await run(middle))) return outcome(false);
  }
  return outcome(true);
}

function checkPlan(plan: CapacitySearchPlan): void {
  if (!(plan.factor > 1)) throw new CapacitySearchPlanError(`the search factor must be above 1, got ${plan.factor}`);
  if (!(plan.resolution > 1)) throw new CapacitySearchPlanError(`the search resolution must be above 1, got ${plan.resolution}`);
  if (!(plan.min >= 1 && plan.max >= plan.min)) throw new CapacitySearchPlanError(`the search bounds must satisfy 1 <= min <= max, got ${plan.min} and ${plan.max}`);
}
