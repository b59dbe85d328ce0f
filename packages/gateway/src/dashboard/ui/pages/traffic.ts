import { useState } from 'preact/hooks';
import { usePolling } from '../polling.ts';
import { Chart, type ChartSeries } from '../chart.ts';
import { html } from '../html.ts';
import type { Traffic } from '../types.ts';
import { histogramQuantile } from './quantiles.ts';

const RANGES = [
  ['1h', 'Last hour'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
] as const;

/** One series per `group`, one value per bucket of the range: counts and sums, so a bucket without rows is 0. */
function grouped<T extends { t: number }>(rows: readonly T[], xs: readonly number[], group: (row: T) => string, value: (row: T) => number): ChartSeries[] {
  const index = new Map(xs.map((x, i) => [x * 1000, i]));
  const series = new Map<string, (number | null)[]>();
  for (const row of rows) {
    const name = group(row);
    let values = series.get(name);
    if (values === undefined) series.set(name, (values = xs.map(() => 0)));
    const i = index.get(row.t);
    if (i !== undefined) values[i] = (values[i] ?? 0) + value(row);
  }
  return [...series].map(([label, values]) => ({ label, values }));
}

/** Traffic: the ledger over the last hour, 24 hours or 7 days; the hour view refreshes every 10 s. */
export function TrafficPage() {
  const [range, setRange] = useState<string>('1h');
  const { data, error } = usePolling<Traffic>(`/admin/traffic?range=${range}`, range === '1h' ? 10_000 : 60_000);

  const picker = html`<div class="picker" role="tablist">
    ${RANGES.map(([id, label]) => html`<button role="tab" aria-selected=${range === id} class=${range === id ? 'on' : ''} onClick=${() => setRange(id)}>${label}</button>`)}
  </div>`;
  if (data === null) return html`<div class="page">${picker}${error === null ? html`<p class="empty">Loading…</p>` : html`<p class="error">${error}</p>`}</div>`;

  const xs: number[] = [];
  for (let t = data.from; t < data.to; t += data.bucketMs) xs.push(t / 1000);
  const seconds = data.bucketMs / 1000;
  const ttftByDeployment = new Map<string, (number[] | null)[]>();
  for (const row of data.ttft) {
    let list = ttftByDeployment.get(row.deployment);
    if (list === undefined) ttftByDeployment.set(row.deployment, (list = xs.map(() => null)));
    const i = Math.round((row.t - data.from) / data.bucketMs);
    if (i >= 0 && i < xs.length) list[i] = row.counts;
  }
  const ttft: ChartSeries[] = [];
  for (const [deployment, buckets] of ttftByDeployment) {
    for (const q of [0.5, 0.95, 0.99]) ttft.push({ label: `${deployment} p${q * 100}`, values: buckets.map((counts) => (counts === null ? null : histogramQuantile(q, data.ttftBoundsMs, counts))) });
  }
  const hourly = 3600 / seconds;
  return html`<div class="page traffic">
    ${picker}
    ${error === null ? null : html`<p class="error">${error}</p>`}
    <div class="grid">
      <${Chart} title="Requests per second, by model" xs=${xs} unit="/s" series=${grouped(data.byModel, xs, (r) => r.model, (r) => r.requests / seconds)} />
      <${Chart} title="Output tokens per second, by model" xs=${xs} unit="/s" series=${grouped(data.byModel, xs, (r) => r.model, (r) => r.completionTokens / seconds)} />
      <${Chart} title="Time to first token, by deployment" xs=${xs} unit=" ms" series=${ttft} points=${true} />
      <${Chart} title="Errors, by code" xs=${xs} series=${grouped(data.errors, xs, (r) => r.code, (r) => r.count)} />
      <${Chart} title="Cost per hour, by key (US$)" xs=${xs} series=${grouped(data.costByKey, xs, (r) => r.key, (r) => r.cost * hourly)} />
    </div>
  </div>`;
}
