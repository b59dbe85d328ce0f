/**
 * The Markdown report: the seed article's WebSocket-vs-SSE table measured
 * for real, then every target side by side, the capacity steps, and why any
 * target or row is "n/a".
 */
import { cpuFit } from './cpu-fit.ts';
import { addedOver, byName, capacityBound, capacitySummary, memoryAt, ratioOver, roundFigures, type RoundFigure } from './derive.ts';
import { bytes, count, ms, NA, percent, ratio, signedMs, table } from './format.ts';
import type { BenchResults, CapacityRound, CapacityStep, MemoryPoint, TargetResult, ThroughputRound } from './results.ts';
import { median, spread, type Spread } from './stats.ts';

export function renderMarkdown(results: BenchResults): string {
  return [machineLine(results), '', seedTable(results), '', roundsLine(results), '', fullTable(results), '', capacityTable(results), '', notes(results)].join('\n').trimEnd() + '\n';
}

function roundsLine(results: BenchResults): string {
  const r = results.params.rounds;
  const paced = results.params.paced;
  const pacedPart = paced ? `${r.paced ?? 0} of ${count(paced.streams)} streams paced at a chunk every ${paced.itlMs} ms each (CPU per 1,000 chunks at a fixed rate), ` : '';
  const warmup = r.warmup ? ` after ${r.warmup} warm-up round${r.warmup > 1 ? 's' : ''} thrown away` : '';
  return `Load figures (CPU, throughput, capacity) are measured in rounds, every target once per round, the first target rotating${warmup}: ${r.throughput} rounds of the throughput run (CPU per 1,000 chunks at saturation included), ${pacedPart}${r.cpu50} of the 50-stream CPU window, ${r.capacity} of the capacity search. Each is given as the median of its per-round ratios to the floor (the bare proxy measured in the same round), the spread over the rounds in brackets, and the median absolute figure after the dot.`;
}

function machineLine(results: BenchResults): string {
  const m = results.machine;
  return `${results.params.mode === 'quick' ? 'Quick run (smoke test; timings not meaningful)' : 'Full run'} on ${m.cpuModel}, ${m.cores} cores, ${m.memoryMB} MB, Node ${m.node}, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(results.durationMs / 1000)} s; load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end.`;
}

/** The seed's rows, WebSocket (sluice.v1) against SSE (h2c when it runs, else HTTP/1.1). */
function seedTable(results: BenchResults): string {
  const ws = byName(results.targets, 'sluice-ws');
  const h1 = byName(results.targets, 'sluice-sse-h1');
  const h2 = byName(results.targets, 'sluice-sse-h2c');
  const sse = h2 ?? h1;
  const sseLabel = h2 ? 'SSE (HTTP/2, h2c)' : 'SSE (HTTP/1.1)';
  const floor = byName(results.targets, 'bare-proxy');
  const portkey = byName(results.targets, 'portkey');
  // CPU as a ratio to another target's, round by round: what two shared cores can still compare (capacity they cap).
  const ratioRow = (metric: string, base: TargetResult | null): string[] => {
    const of = (t: TargetResult | null): Spread | null => (t && base ? ratioOver(roundFigures(t, 'cpuMsPer1000Chunks'), roundFigures(base, 'cpuMsPer1000Chunks')) : null);
    const a = of(ws);
    const b = of(sse);
    return [metric, spreadRatio(a), spreadRatio(b), delta(a?.median, b?.median, true)];
  };
  const row = (metric: string, pick: (t: TargetResult) => number | null | undefined, show: (v: number | null | undefined) => string, lowerIsBetter: boolean, sseTarget = sse): string[] => {
    const a = ws ? pick(ws) : null;
    const b = sseTarget ? pick(sseTarget) : null;
    return [metric, show(a), show(b), delta(a, b, lowerIsBetter)];
  };
  return table(
    ['Metric', 'WebSocket (sluice.v1)', sseLabel, 'Delta'],
    [
      row('Average latency (time to first token, mean)', (t) => t.ttft?.stats.mean, (v) => ms(v), true),
      row('P99 latency (time to first token)', (t) => t.ttft?.stats.p99, (v) => ms(v), true),
      row('Max throughput (chunks/sec)', (t) => t.throughput?.chunksPerSec, count, false),
      row('Memory per open idle stream', (t) => memoryAt(t.memory?.streams, 0)?.bytesPerItem, bytes, true),
      row(`CPU utilization (${results.params.cpu50.streams} streams)`, (t) => t.cpu50?.cpuPercent, percent, true),
      row('CPU ms per 1,000 chunks (at saturation)', (t) => t.throughput?.cpuMsPer1000Chunks, (v) => (v == null ? NA : v.toFixed(1)), true),
      ratioRow("CPU per 1,000 chunks, × the bare proxy's (floor)", floor),
      ratioRow("CPU per 1,000 chunks, × Portkey's", portkey),
      // The SDK's fetch speaks HTTP/1.1, so its SSE reconnection is measured against the HTTP/1.1 gateway.
      row('Reconnection (client SDK, automatic): time lost to one cut, p50', (t) => t.reconnect?.stats.p50, (v) => ms(v, 1), true, h1),
    ],
  );
}

/** Which side is better and by how much, relative to the worse side, in the seed's manner. */
function delta(ws: number | null | undefined, sse: number | null | undefined, lowerIsBetter: boolean): string {
  if (ws === null || ws === undefined || sse === null || sse === undefined) return NA;
  const worse = lowerIsBetter ? Math.max(ws, sse) : Math.min(ws, sse);
  if (worse === 0 || Math.abs(ws - sse) / Math.abs(worse) < 0.005) return 'equal';
  const wsBetter = lowerIsBetter ? ws < sse : ws > sse;
  return `${wsBetter ? 'WebSocket' : 'SSE'} ${Math.round((Math.abs(ws - sse) / Math.abs(worse)) * 100)} % ${lowerIsBetter ? 'lower' : 'higher'}`;
}

function fullTable(results: BenchResults): string {
  const targets = results.targets;
  const direct = byName(targets, 'direct');
  const floor = byName(targets, 'bare-proxy');
  const large = results.params.idleStreams[results.params.idleStreams.length - 1];
  const cell = (t: TargetResult, show: (t: TargetResult) => string): string => (t.available ? show(t) : NA);
  const quad = (a: ReturnType<typeof addedOver>): string => (a ? [a.p50, a.p90, a.p99, a.max].map((v) => signedMs(v)).join(' / ') : NA);
  const rows: [string, (t: TargetResult) => string][] = [
    ['Streams exact / served (all phases)', (t) => `${count(t.exactness.exact)} / ${count(t.exactness.streams)}`],
    ['Lost / duplicated chunks', (t) => `${count(t.exactness.lost)} / ${count(t.exactness.duplicated)}`],
    ['TTFT p50 / p90 / p99 / max, ms', (t) => (t.ttft ? [t.ttft.stats.p50, t.ttft.stats.p90, t.ttft.stats.p99, t.ttft.stats.max].map((v) => v.toFixed(2)).join(' / ') : NA)],
    ['Added TTFT over direct, ms', (t) => quad(addedOver(t.ttft?.stats ?? null, direct?.ttft?.stats ?? null))],
    ['Added TTFT over the bare proxy, ms', (t) => quad(addedOver(t.ttft?.stats ?? null, floor?.ttft?.stats ?? null))],
    ['Inter-token gap p50 / p99, ms', (t) => (t.itl ? `${t.itl.stats.p50.toFixed(2)} / ${t.itl.stats.p99.toFixed(2)}` : NA)],
    ['Added inter-token p50 / p99 over direct, ms', (t) => { const a = addedOver(t.itl?.stats ?? null, direct?.itl?.stats ?? null); return a ? `${signedMs(a.p50)} / ${signedMs(a.p99)}` : NA; }],
    ['Capacity (paced streams, zero loss), × floor (min–max) · streams', (t) => roundsCell(t, floor, 'capacity', () => capacityCell(t))],
    ['Throughput (chunks/s at saturation), × floor (min–max) · chunks/s', (t) => roundsCell(t, floor, 'chunksPerSec', count)],
    ['CPU ms per 1,000 chunks at saturation, × floor (min–max) · ms', (t) => roundsCell(t, floor, 'cpuMsPer1000Chunks', (v) => v.toFixed(1))],
    [`CPU ms per 1,000 chunks at ${count(pacedRate(results))} chunks/s, × floor (min–max) · ms`, (t) => roundsCell(t, floor, 'pacedCpuMsPer1000Chunks', (v) => v.toFixed(1))],
    ['Read / write system calls per 1,000 chunks, at saturation / at the fixed rate', (t) => syscallCell(t)],
    ['CPU ms per 1,000 chunks with the batching set apart (fit over the load rounds: per chunk, × floor · + per read/write call, r²)', (t) => fitCell(t, floor)],
    [`CPU % at ${results.params.cpu50.streams} streams, × floor (min–max) · %`, (t) => roundsCell(t, floor, 'cpuPercent', percent)],
    [`Memory per idle stream at ${count(results.params.idleStreams[0])}`, (t) => memoryCell(t, 0)],
    ...(results.params.idleStreams.length > 1 ? [[`Memory per idle stream at ${count(large)}`, (t: TargetResult) => memoryCell(t, 1)] as [string, (t: TargetResult) => string]] : []),
    [`Memory per idle WebSocket at ${count(results.params.idleSockets[0])} / ${count(results.params.idleSockets[results.params.idleSockets.length - 1])}`, (t) => socketCell(t)],
    ['Cancel → upstream closed p50 / p99, ms', (t) => cancelCell(t)],
    ['Resume → first replayed chunk p50 / p99, ms', (t) => resumeCell(t)],
    ['Reconnection (client SDK): time lost to one cut p50 / p99, ms', (t) => reconnectCell(t)],
    [`Redis commands per streamed token at ${results.params.cpu50.streams} paced streams / at saturation`, (t) => redisCell(t)],
  ];
  return table(['Metric', ...targets.map((t) => t.label)], rows.map(([label, show]) => [label, ...targets.map((t) => cell(t, show))]));
}

/** The fixed-rate run's offered rate: every stream a chunk every `itlMs`. */
function pacedRate(results: BenchResults): number {
  const p = results.params.paced;
  return p ? Math.round((p.streams * 1000) / p.itlMs) : 0;
}

/** Median reads / writes per 1,000 chunks: how far a target batched its I/O (min–max of the writes in brackets). */
function syscallCell(t: TargetResult): string {
  const side = (rounds: ThroughputRound[] | undefined): string => {
    const known = (rounds ?? []).flatMap((r) => (r.syscallsPer1000Chunks ? [r.syscallsPer1000Chunks] : []));
    if (known.length === 0) return NA;
    const writes = spread(known.map((k) => k.writes))!;
    return `${Math.round(median(known.map((k) => k.reads)))} / ${Math.round(writes.median)} (${writes.min}–${writes.max})`;
  };
  if (t.name === 'direct') return NA;
  return `${side(t.throughput?.rounds)} · ${side(t.paced?.rounds)}`;
}

function fitCell(t: TargetResult, floor: TargetResult | null): string {
  const own = cpuFit(t);
  if (!own) return NA;
  const base = floor && t !== floor ? cpuFit(floor) : null;
  const line = `${own.perChunkMs.toFixed(1)} + ${own.perCallUs.toFixed(0)} µs/call (r² ${own.r2.toFixed(2)})`;
  return base && base.perChunkMs > 0 ? `${ratio(own.perChunkMs / base.perChunkMs)} · ${line}` : line;
}

function spreadRatio(r: Spread | null): string {
  return r ? `${ratio(r.median)} (${ratio(r.min)}–${ratio(r.max)})` : NA;
}

/**
 * A load figure measured in rounds: its ratio to the floor (median, min–max
 * over the rounds) and its median absolute figure; for the floor itself (or
 * without one), the absolute figure and its own spread.
 */
function roundsCell(t: TargetResult, floor: TargetResult | null, figure: RoundFigure, show: (v: number) => string): string {
  const own = spread((roundFigures(t, figure) ?? []).filter((v): v is number => v !== null));
  if (!own) return NA;
  const rel = floor && t !== floor ? ratioOver(roundFigures(t, figure), roundFigures(floor, figure)) : null;
  if (rel) return `${spreadRatio(rel)} · ${show(own.median)}`;
  // Capacity's rounds are listed under the capacity table.
  return figure === 'capacity' ? show(own.median) : `${show(own.median)} (${show(own.min)}–${show(own.max)})`;
}

function capacityCell(t: TargetResult): string {
  const summary = capacitySummary(t);
  if (!summary) return NA;
  if (summary.capacity === null) return `< ${count(summary.below)}`;
  return summary.open ? `≥ ${count(summary.capacity)}` : count(summary.capacity);
}

function memoryCell(t: TargetResult, index: number): string {
  if (t.name === 'sluice-sse-redis') return '— (resumable streams outlive their client)';
  const point = memoryAt(t.memory?.streams, index);
  if (!point) return NA;
  const partial = point.open < point.requested ? ` (${count(point.open)} open)` : '';
  return `${bytes(point.bytesPerItem)}${partial}`;
}

function socketCell(t: TargetResult): string {
  const points = t.memory?.sockets;
  if (!points || points.length === 0) return '—';
  return points.map((p) => bytes(p.bytesPerItem)).join(' / ');
}

function cancelCell(t: TargetResult): string {
  const c = t.cancel;
  if (!c) return NA;
  if (c.latencyMs.length === 0) return `${NA}${c.note ? ` (${c.note})` : ''}`;
  const timeouts = c.timeouts > 0 ? ` (${c.timeouts} never seen)` : '';
  return `${ms(c.stats.p50)} / ${ms(c.stats.p99)}${timeouts}`;
}

function resumeCell(t: TargetResult): string {
  const r = t.resume;
  if (!r) return t.transport === 'ws-plain' ? '— (plain mode has no resume)' : '— (no resumable streams)';
  if (r.latencyMs.length === 0) return `${NA}${r.note ? ` (${r.note})` : ''}`;
  const inexact = r.tally.streams - r.tally.exact;
  return `${ms(r.stats.p50)} / ${ms(r.stats.p99)}${inexact > 0 ? ` (${inexact} of ${r.tally.streams} not exact across the cut)` : ''}`;
}

function redisCell(t: TargetResult): string {
  const r = t.redisCommandsPerToken;
  if (!r) return '—';
  const show = (v: number | null): string => (v === null ? NA : v.toFixed(2));
  return `${show(r.paced)} / ${show(r.saturated)}`;
}

function reconnectCell(t: TargetResult): string {
  const r = t.reconnect;
  if (!r) return t.name === 'sluice-sse-h2c' ? '— (the SDK speaks HTTP/1.1)' : t.name === 'sluice-sse-redis' ? '— (measured on sluice SSE HTTP/1.1)' : t.name.startsWith('sluice-') ? '— (plain mode has no resume)' : '— (no resumable streams)';
  if (r.lostMs.length === 0) return `${NA}${r.note ? ` (${r.note})` : ''}`;
  const inexact = r.tally.streams - r.tally.exact;
  return `${ms(r.stats.p50, 1)} / ${ms(r.stats.p99, 1)} (SDK over ${r.transport})${inexact > 0 ? `, ${inexact} of ${r.tally.streams} not exact` : ''}`;
}

/**
 * Every round's search, probe by probe in the order run, and the bracket it
 * ended with: the largest count that passed and the smallest that failed.
 */
function capacityTable(results: BenchResults): string {
  const plan = results.params.capacity;
  const measured = results.targets.filter((t) => t.available && t.capacity && t.capacity.rounds.length > 0);
  const rounds = Math.max(0, ...measured.map((t) => t.capacity!.rounds.length));
  const probe = (step: CapacityStep): string => {
    const tally = step.tally;
    const problems = [tally.failed ? `${tally.failed} failed` : '', tally.lost ? `${tally.lost} lost` : '', tally.duplicated ? `${tally.duplicated} dup` : ''].filter(Boolean).join(', ');
    const cpu = step.cpuPercent !== null ? `, CPU ${Math.round(step.cpuPercent)} %` : '';
    const stopped = step.cut !== undefined ? `, stopped there, ${count(step.cut)} cut` : '';
    return `${count(step.streams)} ${step.passed ? 'ok' : 'FAIL'} (gap ${step.maxGapMs.toFixed(1)} ms${stopped}${problems ? `, ${problems}` : ''}${cpu})`;
  };
  const bracket = (round: CapacityRound): string => {
    const bound = capacityBound(round);
    if (bound.capacity === null) return bound.below === null ? NA : `< ${count(bound.below)}`;
    return bound.open ? `≥ ${count(bound.capacity)}` : `${count(bound.capacity)} · ${count(bound.failedAt)}`;
  };
  const rows = measured.map((t) => {
    const own = t.capacity!.rounds;
    return [t.label, own.map(bracket).join(', '), ...Array.from({ length: rounds }, (_, i) => (own[i] ? own[i].steps.map(probe).join(' → ') : ''))];
  });
  const intro =
    `Capacity search per round (${plan.chunks} chunks at ${plan.itlMs} ms per stream, starts spread over ${plan.rampMs} ms; a probe passes with every stream exact and no gap over ${plan.maxGapMs} ms). ` +
    `Round 1 starts at ${count(plan.start)} streams and steps by ${plan.factor.toFixed(2)}×, later rounds start at the target's capacity of the round before and step by ${plan.resolution.toFixed(2)}×, each step in the same direction squaring the factor; ` +
    `then the bracket is bisected at its geometric middle until the smallest count that failed is within ${plan.resolution.toFixed(2)}× of the largest that passed (between ${count(plan.min)} and ${count(plan.max)} streams). ` +
    `Each probe: streams, verdict, the largest gap of any stream (a probe stops at its first gap over the limit, cutting the streams still open, which are left out of the exactness counts), the target's CPU.`;
  return `${intro}\n\n${table(['Target', 'capacity per round (passed · failed)', ...Array.from({ length: rounds }, (_, i) => `probes, round ${i + 1}`)], rows)}`;
}

function notes(results: BenchResults): string {
  const lines = results.targets.flatMap((t) => {
    const own: string[] = [];
    if (t.note) own.push(`- ${t.label}: ${t.note}`);
    for (const error of t.exactness.errors) own.push(`- ${t.label}, stream error seen: ${error}`);
    for (const point of [...(t.memory?.streams ?? []), ...(t.memory?.sockets ?? [])]) if (point.note) own.push(`- ${t.label}, memory at ${point.requested}: ${point.note}`);
    if (t.cancel?.note) own.push(`- ${t.label}, cancel: ${t.cancel.note}`);
    if (t.resume?.note) own.push(`- ${t.label}, resume: ${t.resume.note}`);
    if (t.reconnect?.note) own.push(`- ${t.label}, reconnection: ${t.reconnect.note}`);
    return own;
  });
  return lines.length === 0 ? '' : `Notes:\n\n${lines.join('\n')}`;
}
