import { usePolling } from '../polling.ts';
import { int, percent, usd } from '../format.ts';
import { html } from '../html.ts';
import type { Spend } from '../types.ts';
import { KeysCard } from './keys.ts';

/** Spend: per key and team, spent against budget and limits; per model, cost; the keys themselves when managed keys are on. Refreshes every 10 s. */
export function SpendPage() {
  const { data, error } = usePolling<Spend>('/admin/spend', 10_000);
  if (data === null) return html`<div class="page">${error === null ? html`<p class="empty">Loading…</p>` : html`<p class="error">${error}</p>`}</div>`;
  const top = Math.max(1e-9, ...data.keys.map((k) => k.budget?.usd ?? k.cost.month));
  return html`<div class="page spend">
    ${error === null ? null : html`<p class="error">${error}</p>`}
    <section class="card">
      <h3>Keys</h3>
      ${data.keys.length === 0
        ? html`<p class="empty">No keys are configured and nothing has been spent yet.</p>`
        : html`<div class="scroll"><table>
            <thead><tr><th>Key</th><th>Team</th><th class="num">Requests</th><th class="num">Today</th><th class="num">This month</th><th class="num">Total</th><th>Budget</th><th class="num">RPM limit</th><th class="num">TPM limit</th></tr></thead>
            <tbody>
              ${data.keys.map((k) => {
                const share = k.budget === null ? null : k.budget.spent / k.budget.usd;
                const width = ((k.budget?.spent ?? k.cost.month) / (k.budget?.usd ?? top)) * 100;
                return html`<tr key=${k.name}>
                  <td>${k.name}</td>
                  <td>${k.team ?? '–'}</td>
                  <td class="num">${int(k.requests)}</td>
                  <td class="num">${usd(k.cost.day)}</td>
                  <td class="num">${usd(k.cost.month)}</td>
                  <td class="num">${usd(k.cost.total)}</td>
                  <td class="budget">
                    <div class="bar" title=${k.budget === null ? 'no budget' : `${usd(k.budget.spent)} of ${usd(k.budget.usd)} per ${k.budget.period}`}>
                      <span class=${share !== null && share >= 0.9 ? 'over' : ''} style=${`width:${Math.min(100, width).toFixed(1)}%`}></span>
                    </div>
                    <small>${k.budget === null ? 'no budget' : `${percent(share ?? 0)} of ${usd(k.budget.usd)}/${k.budget.period} · ${usd(k.budget.remaining)} left`}</small>
                  </td>
                  <td class="num">${k.rpm === null ? '–' : int(k.rpm)}</td>
                  <td class="num">${k.tpm === null ? '–' : int(k.tpm)}</td>
                </tr>`;
              })}
            </tbody>
          </table></div>`}
    </section>
    ${data.managedKeys ? html`<${KeysCard} />` : null}
    ${data.teams.length === 0
      ? null
      : html`<section class="card"><h3>Teams</h3><table>
          <thead><tr><th>Team</th><th class="num">Keys</th><th class="num">Today</th><th class="num">This month</th><th class="num">Total</th></tr></thead>
          <tbody>${data.teams.map((t) => html`<tr key=${t.name}><td>${t.name}</td><td class="num">${t.keys}</td><td class="num">${usd(t.cost.day)}</td><td class="num">${usd(t.cost.month)}</td><td class="num">${usd(t.cost.total)}</td></tr>`)}</tbody>
        </table></section>`}
    <section class="card">
      <h3>Models</h3>
      ${data.models.length === 0
        ? html`<p class="empty">Nothing has been spent yet.</p>`
        : html`<table>
            <thead><tr><th>Model</th><th class="num">Requests</th><th class="num">This month</th><th class="num">Total</th></tr></thead>
            <tbody>${data.models.map((m) => html`<tr key=${m.model}><td>${m.model}</td><td class="num">${int(m.requests)}</td><td class="num">${usd(m.costMonth)}</td><td class="num">${usd(m.costTotal)}</td></tr>`)}</tbody>
          </table>`}
    </section>
  </div>`;
}
