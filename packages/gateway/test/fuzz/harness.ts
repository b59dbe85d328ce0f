/**
 * What every fuzz case is held to, whatever it sent: the gateway answered
 * client input with a 4xx in the OpenAI error shape (never a 5xx), it still
 * serves a normal request within 2 s, and nothing is left behind: no open
 * connection to the gateway, no running stream (each holds an upstream
 * request), no more idle upstream connections than a pool keeps, no
 * descriptor of this process beyond what it had before.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before } from 'node:test';
import fc from 'fast-check';
import { startSimServer, type RunningGateway, type SimServer, type SluiceConfigInput } from '@sluice/gateway';
import { startTestGateway, upstreamProvider } from '../helpers/gateway.ts';
import { rawHttp, wireErrorOf, type RawAnswer } from '../helpers/raw-http.ts';

/** The seed of every fuzz run: fixed, so a failure replays; `FUZZ_SEED=<n>` explores others. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

/**
 * fast-check settings for a suite: seeded, a fixed number of cases (chosen
 * so the whole fuzz suite takes about a minute on two cores), and the first
 * failure reported as it is found.
 */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns, endOnFailure: true };
}

export const LIMIT_BYTES = 256 * 1024;
export const REQUEST_TIMEOUT_MS = 800;

/** Idle keep-alive connections the gateway may keep to the upstream; more would be connections left behind. */
const UPSTREAM_IDLE_BOUND = 8;

/** The fuzzed gateway, and the HTTP upstream behind its `up` provider. */
let upstream: SimServer | undefined;

/**
 * A small gateway for abuse: a low body limit, a short request deadline,
 * streams that do not linger; `sim/…` models run in process, `up/…` ones
 * go over HTTP to a real upstream, whose connections are watched too.
 */
export async function startFuzzGateway(config: SluiceConfigInput = {}): Promise<RunningGateway & { stop(): Promise<void> }> {
  upstream = await startSimServer();
  const gateway = await startTestGateway({
    ...config,
    providers: [upstreamProvider('up', upstream.baseURL)],
    server: { bodyLimitBytes: LIMIT_BYTES, requestTimeoutMs: REQUEST_TIMEOUT_MS, ...config.server },
    streams: { lingerMs: 0, ...config.streams },
  });
  const sim = upstream;
  return Object.assign(gateway, {
    stop: async () => {
      await gateway.close();
      await sim.close();
    },
  });
}

export function portOf(gateway: RunningGateway): number {
  return Number(new URL(gateway.url).port);
}

/** Open file descriptors of this process (the gateway runs in it). */
export function descriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Client input got no 5xx, and an error status comes in the OpenAI shape. */
export function assertClientAnswer(answer: RawAnswer, what: string): void {
  if (answer.status === null) return;
  assert.ok(answer.status < 500, `${what}: answered ${answer.status}: ${answer.raw.slice(0, 300)}`);
  if (answer.status >= 400) assert.ok(wireErrorOf(answer), `${what}: a ${answer.status} without the OpenAI error shape: ${answer.raw.slice(0, 300)}`);
}

/**
 * The gateway serves a plain chat request, on a connection of its own,
 * within 2 s. On a machine other test files keep busy, one probe can miss
 * that while the gateway is fine, so it gets three tries (the project's
 * `assertPromptly` rule): a gateway that the case broke, or slowed for
 * good, misses every one, and one that does not answer within 10 s fails
 * at once.
 */
export async function assertServes(gateway: RunningGateway): Promise<void> {
  const port = portOf(gateway);
  const body = JSON.stringify({ model: 'sim/probe', messages: [{ role: 'user', content: 'still there?' }], sim: { tokens: 2 } });
  const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
  const seen: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    const answer = await rawHttp(port, [request], { waitMs: 10_000 });
    const elapsed = performance.now() - started;
    assert.equal(answer.status, 200, `a normal request after the case: ${answer.raw.slice(0, 200) || `no answer (${answer.closed ? 'closed' : 'still open'} after ${elapsed.toFixed(0)} ms)`}`);
    if (elapsed < 2_000) return;
    seen.push(elapsed);
  }
  assert.fail(`a normal request after the case never took under 2 s: ${seen.map((ms) => ms.toFixed(0)).join(', ')} ms`);
}

/** Nothing the case opened is still open: connections, running streams, descriptors (waiting up to 2 s for closes to land). */
export async function assertNothingLeft(gateway: RunningGateway, baselineDescriptors: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  let state = { connections: -1, running: -1, upstream: -1, descriptors: -1 };
  for (;;) {
    // No running stream means no upstream request in flight: each belongs to one.
    state = { connections: await connections(gateway), running: gateway.context.registry.running, upstream: (await upstream?.connections()) ?? 0, descriptors: descriptors() };
    // An idle upstream connection is two descriptors here: the gateway's end and the upstream's.
    if (state.connections === 0 && state.running === 0 && state.upstream <= UPSTREAM_IDLE_BOUND && state.descriptors <= baselineDescriptors + 2 * state.upstream) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`left behind after the case: ${JSON.stringify(state)} (descriptors before: ${baselineDescriptors})`);
}

function connections(gateway: RunningGateway): Promise<number> {
  return new Promise((resolve, reject) => gateway.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** One case's aftermath, checked in full. */
export async function assertHealthy(gateway: RunningGateway, baselineDescriptors: number): Promise<void> {
  await assertNothingLeft(gateway, baselineDescriptors);
  await assertServes(gateway);
  await assertNothingLeft(gateway, baselineDescriptors);
}

export type FuzzGateway = Awaited<ReturnType<typeof startFuzzGateway>>;

/** A suite's gateway, filled in before its tests: the gateway, its port, and the descriptors it may hold when idle. */
export interface FuzzedGateway {
  gateway: FuzzGateway;
  port: number;
  baseline: number;
}

/** Start a fuzz gateway before the file's tests (checking it is healthy and taking its idle descriptors) and stop it after. */
export function useFuzzGateway(): FuzzedGateway {
  const target = {} as FuzzedGateway;
  before(async () => {
    target.gateway = await startFuzzGateway();
    target.port = portOf(target.gateway);
    await assertHealthy(target.gateway, Infinity);
    // A little room for what Node opens lazily; a descriptor leaked per case passes it within a few cases.
    target.baseline = descriptors() + 2;
  });
  after(() => target.gateway?.stop());
  return target;
}
