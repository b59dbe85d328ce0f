/**
 * The run's chart: added time to first token (p50 and p99, over direct) per
 * target, and paced-stream capacity per target, as two horizontal bar panels.
 */
import type { BenchResults, TargetResult } from './results.ts';
import { el, svgDocument, type SvgNode } from './svg.ts';
import { addedOver, capacitySummary } from './derive.ts';

const WIDTH = 760;
const LABEL_WIDTH = 190;
const ROW = 26;
const PANEL_GAP = 48;
const COLORS = { p50: '#2f6fdf', p99: '#f08c2b', capacity: '#2a9d6f' };

interface Bar {
  value: number | null;
  color: string;
  caption: string;
}

export function renderChart(results: BenchResults): string {
  const measured = results.targets.filter((t) => t.available);
  const direct = results.targets.find((t) => t.name === 'direct') ?? null;
  const ttftRows = measured.filter((t) => t.name !== 'direct').map((t) => ({ target: t, bars: ttftBars(t, direct) }));
  const capacityRows = measured.map((t) => ({ target: t, bars: [capacityBar(t)] }));
  let y = 30;
  const nodes: SvgNode[] = [el('text', { x: 10, y: 18, 'font-size': 14, 'font-weight': 'bold' }, `sluice bench ${results.startedAt.slice(0, 10)}: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node} (${results.params.mode} run)`)];
  const first = panel('Added time to first token over direct (ms): p50 blue, p99 orange', ttftRows, y, 'ms');
  nodes.push(...first.nodes);
  y = first.bottom + PANEL_GAP;
  const second = panel(`Capacity: paced streams served exactly (${results.params.capacity.chunks} chunks at ${results.params.capacity.itlMs} ms, gap <= ${results.params.capacity.maxGapMs} ms)`, capacityRows, y, '');
  nodes.push(...second.nodes);
  return svgDocument(WIDTH, second.bottom + 20, el('rect', { x: 0, y: 0, width: WIDTH, height: second.bottom + 20, fill: '#ffffff' }), ...nodes);
}

function ttftBars(target: TargetResult, direct: TargetResult | null): Bar[] {
  const added = addedOver(target.ttft?.stats ?? null, direct?.ttft?.stats ?? null);
  return [
    { value: added?.p50 ?? null, color: COLORS.p50, caption: 'p50' },
    { value: added?.p99 ?? null, color: COLORS.p99, caption: 'p99' },
  ];
}

function capacityBar(target: TargetResult): Bar {
  const summary = capacitySummary(target);
  if (!summary) return { value: null, color: COLORS.capacity, caption: '' };
  // A round where nothing failed: the real capacity lies at or above the search's ceiling.
  const caption = summary.capacity === null ? `< ${summary.below}` : `${summary.open ? '≥ ' : ''}${summary.capacity}`;
  return { value: summary.capacity ?? 0, color: COLORS.capacity, caption };
}

function panel(title: string, rows: { target: TargetResult; bars: Bar[] }[], top: number, unit: string): { nodes: SvgNode[]; bottom: number } {
  const nodes: SvgNode[] = [el('text', { x: 10, y: top + 12, 'font-weight': 'bold' }, title)];
  const values = rows.flatMap((r) => r.bars.map((b) => b.value ?? 0));
  const max = Math.max(1e-9, ...values.map((v) => Math.abs(v)));
  const plotWidth = WIDTH - LABEL_WIDTH - 90;
  let y = top + 24;
  for (const row of rows) {
    nodes.push(el('text', { x: 10, y: y + ROW / 2 + 4 }, row.target.label));
    const barHeight = (ROW - 6) / row.bars.length;
    row.bars.forEach((bar, i) => {
      const by = y + 3 + i * barHeight;
      if (bar.value === null) {
        nodes.push(el('text', { x: LABEL_WIDTH, y: by + barHeight - 2, fill: '#888' }, 'n/a'));
        return;
      }
      const width = Math.max(1, (Math.max(0, bar.value) / max) * plotWidth);
      nodes.push(el('rect', { x: LABEL_WIDTH, y: by, width, height: barHeight - 1, fill: bar.color }));
      const shown = unit === 'ms' ? `${bar.value >= 0 ? '+' : ''}${bar.value.toFixed(2)} ms` : bar.caption;
      nodes.push(el('text', { x: LABEL_WIDTH + width + 4, y: by + barHeight - 2, 'font-size': 10 }, shown));
    });
    y += ROW;
  }
  nodes.push(el('line', { x1: LABEL_WIDTH, y1: top + 20, x2: LABEL_WIDTH, y2: y, stroke: '#444' }));
  return { nodes, bottom: y };
}
