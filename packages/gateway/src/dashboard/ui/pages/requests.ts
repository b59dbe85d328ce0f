import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { int, ms, shortId, time, usd } from '../format.ts';
import { html } from '../html.ts';
import type { LedgerRow } from '../types.ts';

interface Filters {
  key: string;
  model: string;
  status: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { key: '', model: '', status: '', from: '', to: '' };

function queryOf(filters: Filters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: '50' });
  if (filters.key) params.set('key', filters.key);
  if (filters.model) params.set('model', filters.model);
  if (filters.status) params.set('status', filters.status);
  // datetime-local has no zone: it is the browser's local time.
  if (filters.from) params.set('from', String(new Date(filters.from).getTime()));
  if (filters.to) params.set('to', String(new Date(filters.to).getTime()));
  if (cursor !== null) params.set('cursor', cursor);
  return params.toString();
}

function Detail(props: { row: LedgerRow; onClose(): void }) {
  const r = props.row;
  const fields: [string, string][] = [
    ['Stream', r.streamId],
    ['At', time(r.at)],
    ['Endpoint', r.endpoint],
    ['Key', r.key],
    ['Model', r.model],
    ['Deployment', r.target ?? '–'],
    ['Route decision', r.route ?? (r.target === null ? 'none' : `${r.model} → ${r.target}`)],
    ['Status', r.status],
    ['Retries / failovers', String(r.retries)],
    ['Prompt tokens', int(r.promptTokens)],
    ['Completion tokens', `${int(r.completionTokens)}${r.estimated ? ' (estimated)' : ''}`],
    ['Cost', usd(r.cost)],
    ['Time to first token', ms(r.ttftMs)],
    ['Duration', ms(r.durationMs)],
    ['Cached', r.cached ? 'yes' : 'no'],
    ['Error', r.errorCode === null ? '–' : `${r.errorCode}: ${r.errorMessage ?? ''}`],
  ];
  return html`<aside class="card detail" data-testid="detail">
    <h3>Request <code>${shortId(r.streamId)}</code> <button class="plain" onClick=${props.onClose} aria-label="Close">×</button></h3>
    <dl>${fields.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
  </aside>`;
}

/** Requests: the ledger, searchable and filtered, newest first, 50 at a time. */
export function RequestsPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [rows, setRows] = useState<LedgerRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [selected, setSelected] = useState<LedgerRow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = async (cursor: string | null) => {
    setLoading(true);
    try {
      const page = await api<{ data: LedgerRow[]; next: string | null }>(`/admin/requests?${queryOf(filters, cursor)}`);
      setRows(cursor === null ? page.data : [...rows, ...page.data]);
      setNext(page.next);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(null), [filters]);

  const field = (name: keyof Filters, label: string, type = 'text') =>
    html`<label>${label}<input name=${name} type=${type} value=${draft[name]} onInput=${(e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value })} /></label>`;
  return html`<div class="page requests">
    <form class="card filters" onSubmit=${(e: Event) => (e.preventDefault(), setFilters(draft))}>
      ${field('key', 'Key')} ${field('model', 'Model')}
      <label>Status<select name="status" value=${draft.status} onChange=${(e: Event) => setDraft({ ...draft, status: (e.target as HTMLSelectElement).value })}>
        <option value="">any</option><option value="done">done</option><option value="error">error</option><option value="cancelled">cancelled</option><option value="hedge_lost">hedge lost</option>
      </select></label>
      ${field('from', 'From', 'datetime-local')} ${field('to', 'To', 'datetime-local')}
      <button type="submit">Search</button>
      <button type="button" class="plain" onClick=${() => (setDraft(EMPTY), setFilters(EMPTY))}>Clear</button>
    </form>
    ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
    <div class="split">
      <section class="card">
        ${rows.length === 0 && !loading
          ? html`<p class="empty">No request matches.</p>`
          : html`<div class="scroll"><table class="ledger">
              <thead><tr><th>At</th><th>Key</th><th>Model</th><th>Deployment</th><th>Status</th><th class="num">Tokens in/out</th><th class="num">Cost</th><th class="num">TTFT</th><th class="num">Duration</th></tr></thead>
              <tbody>${rows.map(
                (r) => html`<tr key=${r.streamId + r.status + (r.target ?? '')} class=${selected === r ? 'selected' : ''} onClick=${() => setSelected(r)} data-stream=${r.streamId}>
                  <td>${time(r.at)}</td><td>${r.key}</td><td>${r.model}</td><td>${r.target ?? '–'}</td>
                  <td><span class=${`badge status-${r.status}`}>${r.status}</span>${r.retries > 0 ? html` <span class="badge warn">${r.retries} retr.</span>` : null}</td>
                  <td class="num">${int(r.promptTokens)} / ${int(r.completionTokens)}</td><td class="num">${usd(r.cost)}</td><td class="num">${ms(r.ttftMs)}</td><td class="num">${ms(r.durationMs)}</td>
                </tr>`,
              )}</tbody>
            </table></div>`}
        ${next === null ? null : html`<button class="more" disabled=${loading} onClick=${() => load(next)}>${loading ? 'Loading…' : 'Load more'}</button>`}
      </section>
      ${selected === null ? null : html`<${Detail} row=${selected} onClose=${() => setSelected(null)} />`}
    </div>
  </div>`;
}
