import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.ts';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * One uPlot time-series chart: `xs` in epoch seconds, one line per series.
 * Redrawn when the data changes; resized with its container.
 */
export function Chart(props: { title: string; xs: number[]; series: ChartSeries[]; unit?: string; height?: number; points?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('\u0000');

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid'), width: 1 } };
    const unit = props.unit ?? '';
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: props.height ?? 200,
      series: [{}, ...props.series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true, points: { show: props.points === true, size: 6 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${+v.toFixed(3)}${unit}`) }))],
      axes: [axis, { ...axis, size: 60, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${+t.toFixed(3)}${unit}`) }],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
    };
    plot.current?.destroy();
    plot.current = new uPlot(options, [props.xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: props.height ?? 200 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.xs, props.series]);

  return html`<section class="card chart">
    <h3>${props.title}</h3>
    ${props.series.length === 0 ? html`<p class="empty">No data in this range yet.</p>` : null}
    <div ref=${box} class="plot" data-series=${props.series.length}></div>
  </section>`;
}
