/** The latency phases: first token and inter-token gaps (all targets interleaved), then cancels. */
import { mergeTallies } from '../loadgen/tally.ts';
import { distribution } from '../report/stats.ts';
import type { LaunchedTarget } from '../targets/launch.ts';
import type { Session } from './session.ts';

export async function measureTtft(session: Session): Promise<void> {
  session.progress.step(`first token, ${session.targets.length} targets interleaved`);
  session.loadgen.onProgress = (done, total) => session.progress.detail(done, total);
  const samples = await session.loadgen.call({ type: 'ttft', targets: session.targets.map((t) => t.name), params: session.params.ttft });
  session.loadgen.onProgress = () => {};
  for (const [name, own] of Object.entries(samples)) {
    const result = session.results.get(name)!;
    result.ttft = { samplesMs: own.ttftMs, stats: distribution(own.ttftMs) };
    result.itl = { samplesMs: own.gapsMs, stats: distribution(own.gapsMs) };
    mergeTallies(result.exactness, own.tally);
  }
}

export async function measureCancel(session: Session): Promise<void> {
  for (const target of session.targets) {
    session.progress.step(`cancel  ${target.name}`);
    const samples = await session.loadgen.call({ type: 'cancel', target: target.name, params: session.params.cancel });
    session.results.get(target.name)!.cancel = { ...samples, stats: distribution(samples.latencyMs) };
  }
}

/**
 * The SDK's reconnection: over SSE (its fetch speaks HTTP/1.1, so against
 * the HTTP/1.1 gateway) and over sluice.v1.
 */
export function reconnectable(target: LaunchedTarget): boolean {
  return target.name === 'sluice-sse-h1' || target.name === 'sluice-ws';
}

export async function measureReconnect(session: Session): Promise<void> {
  for (const target of session.targets.filter(reconnectable)) {
    session.progress.step(`reconnect (client SDK)  ${target.name}`);
    const samples = await session.loadgen.call({ type: 'reconnect', target: target.name, params: session.params.reconnect });
    const result = session.results.get(target.name)!;
    mergeTallies(result.exactness, samples.tally);
    result.reconnect = { ...samples, stats: distribution(samples.lostMs) };
  }
}

/** Resume is a sluice feature: measured on the sluice targets whose transport has it (plain WebSocket has not). */
export function resumable(target: LaunchedTarget): boolean {
  return target.name.startsWith('sluice-') && target.endpoint!.transport !== 'ws-plain';
}

export async function measureResume(session: Session): Promise<void> {
  for (const target of session.targets.filter(resumable)) {
    session.progress.step(`resume  ${target.name}`);
    const samples = await session.loadgen.call({ type: 'resume', target: target.name, params: session.params.resume });
    const result = session.results.get(target.name)!;
    mergeTallies(result.exactness, samples.tally);
    result.resume = { ...samples, stats: distribution(samples.latencyMs) };
  }
}
