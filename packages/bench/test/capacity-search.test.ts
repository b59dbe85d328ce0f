/**
 * The capacity search over a probe that is a plain function of the count:
 * where it ends, how many probes it spends getting there, and what it does
 * at its bounds, with a target that gives up, and with a noisy target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapacitySearchPlanError, searchCapacity, type CapacitySearchPlan } from '../src/orchestrate/capacity-search.ts';
import { fullPlan } from '../src/plan.ts';

const full = fullPlan(65_536).capacity;
const FIRST: CapacitySearchPlan = { start: full.start, factor: full.factor, resolution: full.resolution, min: full.min, max: full.max };

/** A target that sustains up to `capacity` streams and no more. */
function threshold(capacity: number): (streams: number) => Promise<boolean> {
  return async (streams) => streams <= capacity;
}

test('the first round brackets any capacity between the bounds to within 10 %, in at most nine probes', async () => {
  for (let capacity = full.min; capacity < full.max; capacity = Math.ceil(capacity * 1.037)) {
    const outcome = await searchCapacity(FIRST, threshold(capacity));
    assert.ok(outcome.complete);
    assert.ok(outcome.capacity !== null && outcome.failedAt !== null, `capacity ${capacity}: a bracket`);
    assert.ok(outcome.capacity <= capacity && outcome.failedAt > capacity, `capacity ${capacity}: [${outcome.capacity}, ${outcome.failedAt}) holds it`);
    assert.ok(outcome.failedAt <= outcome.capacity * 1.1 + 1, `capacity ${capacity}: [${outcome.capacity}, ${outcome.failedAt}) within 10 %`);
    assert.ok(outcome.probes.length <= 9, `capacity ${capacity}: ${outcome.probes.length} probes`);
  }
});

test('near its start the first round spends four to six probes, none at twice the capacity', async () => {
  // This machine's floor sat at 1,000 paced streams: the ladder spent four steps there, the last at 2,000.
  const outcome = await searchCapacity(FIRST, threshold(1050));
  assert.deepEqual(
    outcome.probes.map((p) => p.streams),
    [1000, 1414, 1189, 1090],
  );
  assert.deepEqual({ capacity: outcome.capacity, failedAt: outcome.failedAt }, { capacity: 1000, failedAt: 1090 });
  for (const capacity of [500, 600, 700, 1300, 2000]) {
    const probes = (await searchCapacity(FIRST, threshold(capacity))).probes;
    assert.ok(probes.length <= 6, `capacity ${capacity}: ${probes.length} probes`);
    // Under 500 the start itself is twice the capacity, as the ladder's 1,000 step was.
    if (capacity > 500) assert.ok(Math.max(...probes.map((p) => p.streams)) < 2 * capacity, `capacity ${capacity}: the largest probe stays under twice the capacity`);
  }
});

test('a later round that starts at a capacity that held spends two probes: it passes, 10 % more fails', async () => {
  const later = (start: number): CapacitySearchPlan => ({ ...FIRST, start, factor: full.resolution });
  for (const capacity of [100, 595, 1000, 1189, 3333]) {
    const outcome = await searchCapacity(later(capacity), threshold(capacity));
    assert.equal(outcome.probes.length, 2, `capacity ${capacity}: ${outcome.probes.map((p) => p.streams).join(', ')}`);
    assert.equal(outcome.capacity, capacity);
  }
  // A capacity that moved by half still ends within 10 %, the factor growing at each step down.
  const moved = await searchCapacity(later(1000), threshold(480));
  assert.deepEqual(
    moved.probes.map((p) => [p.streams, p.passed]),
    [
      [1000, false],
      [909, false],
      [751, false],
      [513, false],
      [239, true],
      [350, true],
      [424, true],
      [466, true],
    ],
  );
  assert.ok(moved.failedAt! <= moved.capacity! * 1.1 + 1);
});

test('at its bounds the search says the capacity lies outside them', async () => {
  const above = await searchCapacity(FIRST, threshold(100_000));
  assert.deepEqual({ capacity: above.capacity, failedAt: above.failedAt, last: above.probes.at(-1)!.streams }, { capacity: full.max, failedAt: null, last: full.max });
  const below = await searchCapacity(FIRST, threshold(10));
  assert.deepEqual({ capacity: below.capacity, failedAt: below.failedAt, last: below.probes.at(-1)!.streams }, { capacity: null, failedAt: full.min, last: full.min });
  // min = max (the quick run): one probe, whichever way it goes.
  const one = { ...FIRST, start: 100, min: 100, max: 100 };
  assert.equal((await searchCapacity(one, threshold(100))).probes.length, 1);
  assert.equal((await searchCapacity(one, threshold(99))).probes.length, 1);
});

test('a target that goes away ends the search with what it had, marked incomplete', async () => {
  let left = 2;
  const outcome = await searchCapacity(FIRST, async (streams) => (left-- > 0 ? streams <= 1200 : null));
  assert.deepEqual(outcome, { capacity: 1000, failedAt: 1414, probes: [{ streams: 1000, passed: true }, { streams: 1414, passed: false }], complete: false });
});

test('a noisy target never leaves the bracket inverted: passes and failures only narrow it', async () => {
  // Outcomes in the order asked, whatever the count: a pass above a failure cannot happen, each probe lies inside the bracket.
  const script = [true, false, false, true, false, true];
  const outcome = await searchCapacity(FIRST, async () => script.shift() ?? false);
  const passes = outcome.probes.filter((p) => p.passed).map((p) => p.streams);
  const failures = outcome.probes.filter((p) => !p.passed).map((p) => p.streams);
  assert.equal(outcome.capacity, Math.max(...passes));
  assert.equal(outcome.failedAt, Math.min(...failures));
  assert.ok(outcome.capacity! < outcome.failedAt! && outcome.failedAt! <= outcome.capacity! * 1.1 + 1);
});

test('a plan that could not converge is refused', async () => {
  await assert.rejects(searchCapacity({ ...FIRST, factor: 1 }, threshold(1000)), CapacitySearchPlanError);
  await assert.rejects(searchCapacity({ ...FIRST, resolution: 1 }, threshold(1000)), CapacitySearchPlanError);
  await assert.rejects(searchCapacity({ ...FIRST, min: 200, max: 100 }, threshold(1000)), CapacitySearchPlanError);
});
