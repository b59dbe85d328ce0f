import { useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { age, int, ms, shortId, usd } from '../format.ts';
import { html } from '../html.ts';
import type { Snapshot, Totals } from '../types.ts';

/** Rates from two snapshots' totals, per second. */
function rates(now: Snapshot, before: Snapshot | undefined): { requests: number; tokens: number } {
  if (before === undefined || now.at <= before.at) return { requests: 0, tokens: 0 };
  const seconds = (now.at - before.at) / 1000;
  const d = (pick: (t: Totals) => number) => (pick(now.totals) - pick(before.totals)) / seconds;
  return { requests: d((t) => t.requests), tokens: d((t) => t.completionTokens) };
}

/** Live: every running and lingering stream of this replica, as the feed reports it several times a second. */
export function LivePage(props: { snapshot: Snapshot | null }) {
  const [cancelling, setCancelling] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const history = useRef<Snapshot[]>([]);
  const snapshot = props.snapshot;
  if (snapshot === null) return html`<p class="empty">Waiting for the live feed…</p>`;
  // Rates over the last five seconds of snapshots.
  history.current = [...history.current.filter((s) => s.at > snapshot.at - 5000 && s.at < snapshot.at), snapshot];
  const rate = rates(snapshot, history.current[0]);

  const cancel = async (id: string) => {
    setCancelling(new Set([...cancelling, id]));
    try {
      await api(`/admin/streams/${encodeURIComponent(id)}`, { method: 'DELETE' });
    } catch (e) {
      setError(`Cancel failed: ${(e as Error).message}`);
    }
  };

  return html`<div class="page live">
    <div class="tiles">
      <div class="tile"><b data-testid="running">${snapshot.streams.length}</b><span>streams now</span></div>
      <div class="tile"><b>${rate.requests.toFixed(1)}</b><span>finished / s</span></div>
      <div class="tile"><b>${int(rate.tokens)}</b><span>output tokens / s</span></div>
      <div class="tile"><b>${int(snapshot.totals.requests)}</b><span>requests since start</span></div>
      <div class="tile"><b>${int(snapshot.totals.errors)}</b><span>errors since start</span></div>
      <div class="tile"><b>${usd(snapshot.totals.cost)}</b><span>spent since start</span></div>
    </div>
    ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
    <section class="card">
      <h3>Running and lingering streams <small>replica ${snapshot.replica}${snapshot.accepting ? '' : ' · draining'}</small></h3>
      ${snapshot.streams.length === 0
        ? html`<p class="empty">No stream is running.</p>`
        : html`<div class="scroll"><table class="streams">
            <thead><tr><th>Stream</th><th>Key</th><th>Model</th><th>Deployment</th><th>Transport</th><th>State</th><th class="num">Tokens</th><th class="num">TTFT</th><th class="num">Age</th><th class="num">Readers</th><th class="num">Resumes</th><th></th></tr></thead>
            <tbody>
              ${snapshot.streams.map(
                (s) => html`<tr key=${s.id} data-stream=${s.id}>
                  <td title=${s.id}><code>${shortId(s.id)}</code></td>
                  <td>${s.key}</td>
                  <td>${s.model}</td>
                  <td>${s.deployment ?? '–'}${s.attempts > 1 ? html` <span class="badge warn" title="upstream attempts">${s.attempts}×</span>` : null}</td>
                  <td>${s.transport}/${s.api}</td>
                  <td><span class=${`badge state-${s.state}`}>${s.state}</span></td>
                  <td class="num" data-testid="tokens" title=${`${int(s.chunks)} events`}>${int(s.tokens)}</td>
                  <td class="num">${ms(s.ttftMs)}</td>
                  <td class="num">${age(s.ageMs)}</td>
                  <td class="num">${s.readers}</td>
                  <td class="num">${s.resumes}</td>
                  <td><button class="danger" disabled=${cancelling.has(s.id)} onClick=${() => cancel(s.id)}>${cancelling.has(s.id) ? 'Cancelling…' : 'Cancel'}</button></td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
    </section>
    <p class="note">Tokens are the output so far, counted with the gateway's tokenizer (the upstream's own count once it gives one); the ledger has each stream's settled usage.</p>
  </div>`;
}
