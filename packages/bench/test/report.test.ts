/** The report renderers, fed a small results object: what they print, and that n/a stays n/a. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChart } from '../src/report/chart.ts';
import { cpuFit } from '../src/report/cpu-fit.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import type { BenchResults, TargetResult } from '../src/report/results.ts';
import { distribution, percentile } from '../src/report/stats.ts';
import { el, render } from '../src/report/svg.ts';
import { quickPlan } from '../src/plan.ts';
import { emptyTally } from '../src/loadgen/tally.ts';
import { TARGET_LABELS, type TargetName } from '../src/targets/target.ts';

function target(name: TargetName, ttft: number[] | null, note: string | null = null): TargetResult {
  const tally = { ...emptyTally(), streams: 10, exact: 10 };
  return {
    name,
    label: TARGET_LABELS[name],
    transport: 'sse-h1',
    available: ttft !== null,
    note,
    ttft: ttft ? { samplesMs: ttft, stats: distribution(ttft) } : null,
    itl: null,
    cancel: null,
    capacity: ttft ? { rounds: [], steps: [], capacity: null } : null,
    throughput: null,
    cpu50: null,
    memory: null,
    resume: null,
    reconnect: null,
    redisCommandsPerToken: null,
    exactness: ttft ? tally : emptyTally(),
  };
}

const results: BenchResults = {
  schema: 2,
  startedAt: '2026-01-02T03:04:05.000Z',
  durationMs: 1000,
  machine: { cpuModel: 'Test CPU <x>', cores: 2, memoryMB: 1024, node: 'v24.0.0', os: 'Linux', openFileLimit: 1024, loadAverage: { start: 0.5, end: 0.7 } },
  params: quickPlan(),
  targets: [target('direct', [1, 2, 3, 4]), target('bare-proxy', [1.5, 2.5, 3.5, 4.5]), target('sluice-ws', null, 'n/a (not available: WebSocket upgrade answered HTTP 404)')],
};

test('nearest-rank percentiles report measured values', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 99), 4);
  assert.deepEqual(distribution([4, 1, 3, 2]), { n: 4, mean: 2.5, p50: 2, p90: 4, p99: 4, max: 4 });
  assert.ok(Number.isNaN(distribution([]).p50));
});

test('the Markdown report prints added TTFT against direct, and n/a with its reason', () => {
  const markdown = renderMarkdown(results);
  assert.match(markdown, /\| Metric \| WebSocket \(sluice\.v1\) \| SSE \(HTTP\/1\.1\) \| Delta \|/);
  assert.match(markdown, /\| Added TTFT over direct, ms \| \+0\.00 \/ \+0\.00 \/ \+0\.00 \/ \+0\.00 \| \+0\.50 \/ \+0\.50 \/ \+0\.50 \/ \+0\.50 \| n\/a \|/);
  assert.match(markdown, /sluice WS sluice\.v1: n\/a \(not available: WebSocket upgrade answered HTTP 404\)/);
});

test('the SVG writer escapes text and attributes', () => {
  assert.equal(render(el('text', { 'data-x': 'a"b' }, 'x<y & z')), '<text data-x="a&quot;b">x&lt;y &amp; z</text>');
  const chart = renderChart(results);
  assert.match(chart, /^<\?xml/);
  assert.match(chart, /Test CPU &lt;x&gt;, 2 cores/, 'text from the results is escaped');
  assert.match(chart, /\+0\.50 ms/);
});

test('the Redis target reports commands per token and says why it has no idle-memory figure', () => {
  const redis: TargetResult = { ...target('sluice-sse-redis', [2, 3, 4, 5]), redisCommandsPerToken: { paced: 1.234, saturated: null } };
  const markdown = renderMarkdown({ ...results, targets: [...results.targets, redis] });
  assert.match(markdown, /\| Redis commands per streamed token at 50 paced streams \/ at saturation \| — \| — \| n\/a \| 1\.23 \/ n\/a \|/);
  assert.match(markdown, /\| Memory per idle stream at 100 \|[^\n]*— \(resumable streams outlive their client\) \|\n/);
});

function throughputRounds(cpuMsPer1000Chunks: number[]): TargetResult['throughput'] {
  const rounds = cpuMsPer1000Chunks.map((cpu) => ({ tally: emptyTally(), chunks: 1000, wallMs: 10, maxGapMs: 1, p99MaxGapMs: 1, steadyChunksPerSec: 0, chunksPerSec: 100_000, cpuMs: cpu, cpuMsPer1000Chunks: cpu }));
  return { rounds, chunksPerSec: 100_000, cpuMsPer1000Chunks: cpuMsPer1000Chunks[1] };
}

test('load figures are the median of per-round ratios to the floor, with their spread, beside the absolute median', () => {
  // Round by round the sluice figure is 1.2×, 1.1×, 1.5× the floor's: the median ratio is 1.2×, whatever the absolute figures did between rounds.
  const floor: TargetResult = { ...target('bare-proxy', [1, 2]), throughput: throughputRounds([10, 20, 4]) };
  const ws: TargetResult = { ...target('sluice-ws', [1, 2]), transport: 'ws-sluice', throughput: throughputRounds([12, 22, 6]) };
  const portkey: TargetResult = { ...target('portkey', [20, 30]), throughput: throughputRounds([24, 44, 6]) };
  const markdown = renderMarkdown({ ...results, targets: [results.targets[0], floor, ws, portkey] });
  assert.match(markdown, /\| CPU ms per 1,000 chunks at saturation, × floor \(min–max\) · ms \| n\/a \| 10\.0 \(4\.0–20\.0\) \| 1\.20× \(1\.10×–1\.50×\) · 12\.0 \| 2\.20× \(1\.50×–2\.40×\) · 24\.0 \|/);
  assert.match(markdown, /\| CPU per 1,000 chunks, × the bare proxy's \(floor\) \| 1\.20× \(1\.10×–1\.50×\) \| n\/a \| n\/a \|/);
  assert.match(markdown, /\| CPU per 1,000 chunks, × Portkey's \| 0\.50× \(0\.50×–1\.00×\) \| n\/a \| n\/a \|/);
});

test('CPU per chunk at the fixed rate is its own row of per-round ratios, beside the system calls per chunk that show the batching', () => {
  const withSyscalls = (cpu: number[], writes: number[]): TargetResult['throughput'] => {
    const base = throughputRounds(cpu)!;
    return { ...base, rounds: base.rounds.map((r, i) => ({ ...r, syscallsPer1000Chunks: { reads: writes[i] + 1, writes: writes[i] } })) };
  };
  const floor: TargetResult = { ...target('bare-proxy', [1, 2]), throughput: withSyscalls([10, 20, 4], [200, 300, 250]), paced: withSyscalls([8, 9, 10], [1000, 990, 1000]) };
  const h1: TargetResult = { ...target('sluice-sse-h1', [1, 2]), throughput: withSyscalls([12, 22, 6], [100, 150, 120]), paced: withSyscalls([8.8, 9.9, 12], [1000, 1000, 1000]) };
  const markdown = renderMarkdown({ ...results, targets: [results.targets[0], floor, h1] });
  // Quick plan: 16 streams, a chunk every 4 ms each.
  assert.match(markdown, /\| CPU ms per 1,000 chunks at 4,000 chunks\/s, × floor \(min–max\) · ms \| n\/a \| 9\.0 \(8\.0–10\.0\) \| 1\.10× \(1\.10×–1\.20×\) · 9\.9 \|/);
  assert.match(markdown, /\| Read \/ write system calls per 1,000 chunks, at saturation \/ at the fixed rate \| n\/a \| 251 \/ 250 \(200–300\) · 1001 \/ 1000 \(990–1000\) \| 121 \/ 120 \(100–150\) · 1001 \/ 1000 \(1000–1000\) \|/);
});

test('the batching is set apart by a line through the rounds: CPU per 1,000 chunks against calls per 1,000 chunks', () => {
  // 4 ms per 1,000 chunks plus 20 µs a call, at four batchings: the fit finds both back.
  const rounds = (perChunk: number, perCallUs: number, calls: number[]): TargetResult['throughput'] => {
    const base = throughputRounds(calls.map((c) => perChunk + (perCallUs * c) / 1000))!;
    return { ...base, rounds: base.rounds.map((r, i) => ({ ...r, syscallsPer1000Chunks: { reads: calls[i] / 2, writes: calls[i] / 2 } })) };
  };
  const floor: TargetResult = { ...target('bare-proxy', [1, 2]), throughput: rounds(4, 20, [200, 400, 600, 800]) };
  const h1: TargetResult = { ...target('sluice-sse-h1', [1, 2]), throughput: rounds(6, 40, [100, 300, 500, 700]) };
  const fit = cpuFit(h1)!;
  assert.ok(Math.abs(fit.perChunkMs - 6) < 1e-9 && Math.abs(fit.perCallUs - 40) < 1e-9 && fit.r2 > 0.999);
  const markdown = renderMarkdown({ ...results, targets: [results.targets[0], floor, h1] });
  assert.match(markdown, /\| CPU ms per 1,000 chunks with the batching set apart [^|]*\| n\/a \| 4\.0 \+ 20 µs\/call \(r² 1\.00\) \| 1\.50× · 6\.0 \+ 40 µs\/call \(r² 1\.00\) \|/);
});

function capacityRounds(rounds: [number, boolean][][]): TargetResult['capacity'] {
  const step = (streams: number, passed: boolean) => ({ tally: emptyTally(), chunks: 0, wallMs: 1, maxGapMs: passed ? 80 : 400, p99MaxGapMs: 1, steadyChunksPerSec: 0, streams, passed, cpuPercent: 50 });
  const all = rounds.map((probes) => {
    const passes = probes.filter(([, passed]) => passed).map(([n]) => n);
    return { steps: probes.map(([n, passed]) => step(n, passed)), capacity: passes.length > 0 ? Math.max(...passes) : null };
  });
  const sorted = all.map((r) => r.capacity ?? 0).sort((a, b) => a - b);
  return { rounds: all, steps: all[0].steps, capacity: sorted[sorted.length >> 1] || null };
}

test('capacity is the median of per-round ratios to the floor, and every round lists its probes and the bracket it ended with', () => {
  const floor: TargetResult = { ...target('bare-proxy', [1, 2]), capacity: capacityRounds([[[1000, true], [1414, false], [1189, false], [1090, false]], [[1000, true], [1100, false]], [[1000, true], [1100, true], [1210, false]]]) };
  const h1: TargetResult = { ...target('sluice-sse-h1', [1, 2]), capacity: capacityRounds([[[1000, false], [707, true], [841, false], [771, true], [807, false]], [[771, true], [848, false]], [[771, false], [701, true], [736, true]]]) };
  const open: TargetResult = { ...target('direct', [1, 2]), capacity: capacityRounds([[[100, true]]]) };
  const below: TargetResult = { ...target('portkey', [1, 2]), capacity: capacityRounds([[[100, false]]]) };
  const markdown = renderMarkdown({ ...results, targets: [open, floor, h1, below] });
  // Ratios 771/1000, 771/1000, 736/1100: median 0.77×, spread 0.67×–0.77×; the floor's own cell is its median count.
  assert.match(markdown, /\| Capacity \(paced streams, zero loss\), × floor \(min–max\) · streams \| [^|]+ \| 1,000 \| 0\.77× \(0\.67×–0\.77×\) · 771 \|/);
  assert.match(markdown, /\| direct \(no gateway\) \| ≥ 100 \| 100 ok \(gap 80.0 ms, CPU 50 %\) \|/);
  assert.match(markdown, /\| Portkey gateway \| < 100 \| 100 FAIL \(gap 400.0 ms, CPU 50 %\) \|/);
  assert.match(markdown, /\| bare Node proxy \(floor\) \| 1,000 · 1,090, 1,000 · 1,100, 1,100 · 1,210 \| 1,000 ok \(gap 80.0 ms, CPU 50 %\) → 1,414 FAIL \(gap 400.0 ms, CPU 50 %\) → 1,189 FAIL[^|]* \| 1,000 ok[^|]*→ 1,100 FAIL[^|]* \| 1,000 ok[^|]*→ 1,210 FAIL[^|]* \|/);
  assert.match(markdown, /Round 1 starts at 100 streams and steps by 1\.41×/);
});
