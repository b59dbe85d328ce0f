/**
 * Idle open streams (waiting for a first token that comes only after ten
 * minutes) and idle open WebSockets, held while the orchestrator reads the
 * target's memory. Opened in waves so a target's accept queue is not
 * flooded, and counted at the upstream, so a stream only counts once the
 * target really forwarded it.
 */
import type WebSocket from 'ws';
import { WS_SUBPROTOCOL } from '@sluice/protocol';
import type { TargetEndpoint } from '../../targets/target.ts';
import type { StreamClient } from '../clients/index.ts';
import { openSocket } from '../clients/open-socket.ts';
import { describe } from '../clients/stream-client.ts';
import { nextId } from '../ids.ts';
import { StreamRecorder } from '../recorder.ts';
import type { UpstreamWatch } from '../upstream-watch.ts';

const WAVE = 500;
const WAVE_TIMEOUT_MS = 15_000;
const IDLE_TTFT_MS = 600_000;
const CLOSE_WAIT_MS = 60_000;
/** No stream closed for this long: the rest are not going to. */
const STALL_MS = 3_000;

export interface IdleState {
  baseline: number;
  aborters: AbortController[];
  runs: Promise<void>[];
  recorders: StreamRecorder[];
  sockets: WebSocket[];
}

export function idleState(): IdleState {
  return { baseline: 0, aborters: [], runs: [], recorders: [], sockets: [] };
}

export interface IdleOpened {
  /** Streams (or sockets) this process holds open. */
  open: number;
  /** Streams the upstream holds open on their behalf (streams only). */
  upstreamOpen: number;
  note: string | null;
}

/** Opens streams until `total` are open (counting those already open). */
export async function openIdleStreams(state: IdleState, target: string, client: StreamClient, upstream: UpstreamWatch, total: number): Promise<IdleOpened> {
  if (state.aborters.length === 0) state.baseline = (await upstream.stats()).open;
  let stats = await upstream.stats();
  while (state.aborters.length < total) {
    const wave = Math.min(WAVE, total - state.aborters.length);
    for (let i = 0; i < wave; i++) {
      const aborter = new AbortController();
      const recorder = new StreamRecorder({ id: nextId('idle', target), chunks: 1, ttftMs: IDLE_TTFT_MS, itlMs: 0 });
      state.aborters.push(aborter);
      state.recorders.push(recorder);
      state.runs.push(client.run(recorder, aborter.signal));
    }
    const want = state.baseline + state.aborters.length;
    stats = await upstream.waitFor((s) => s.open >= want, WAVE_TIMEOUT_MS);
    const failed = state.recorders.find((r) => r.error !== null);
    if (stats.open < want || failed) {
      return { open: stats.open - state.baseline, upstreamOpen: stats.open - state.baseline, note: failed?.error ?? `only ${stats.open - state.baseline} of ${state.aborters.length} streams reached the upstream within ${WAVE_TIMEOUT_MS} ms` };
    }
  }
  return { open: state.aborters.length, upstreamOpen: stats.open - state.baseline, note: null };
}

export async function openIdleSockets(state: IdleState, target: TargetEndpoint, total: number): Promise<IdleOpened> {
  const protocols = target.transport === 'ws-sluice' ? [WS_SUBPROTOCOL] : [];
  while (state.sockets.length < total) {
    const wave = Math.min(WAVE, total - state.sockets.length);
    const opened = await Promise.allSettled(Array.from({ length: wave }, () => openSocket(target.url, protocols, target.headers)));
    let failure: unknown = null;
    for (const result of opened) {
      if (result.status === 'fulfilled') state.sockets.push(result.value);
      else failure ??= result.reason;
    }
    if (failure !== null) return { open: state.sockets.length, upstreamOpen: 0, note: describe(failure) };
  }
  return { open: state.sockets.length, upstreamOpen: 0, note: null };
}

/**
 * Closes everything idle and waits until the upstream is back where it
 * started. Streams the target keeps open upstream after its clients left are
 * counted (a target that never passes a departure on), then ended from the
 * upstream's side so they do not weigh on later phases.
 */
export async function closeIdle(state: IdleState, upstream: UpstreamWatch): Promise<{ leftOpen: number }> {
  for (const aborter of state.aborters) aborter.abort();
  for (const socket of state.sockets) socket.terminate();
  await Promise.allSettled(state.runs);
  // Closing thousands of streams takes a target a while: wait as long as the
  // count keeps falling, and call what is left once it stops leftovers.
  let lowest = Number.POSITIVE_INFINITY;
  let fellAt = performance.now();
  const stats = await upstream.waitFor((s) => {
    if (s.open < lowest) {
      lowest = s.open;
      fellAt = performance.now();
    }
    return s.open <= state.baseline || performance.now() - fellAt > STALL_MS;
  }, CLOSE_WAIT_MS);
  const leftOpen = Math.max(0, stats.open - state.baseline);
  await upstream.drop();
  if (leftOpen > 0) await upstream.waitFor((s) => s.open === 0, CLOSE_WAIT_MS);
  upstream.forgetAborts();
  Object.assign(state, idleState());
  return { leftOpen };
}
