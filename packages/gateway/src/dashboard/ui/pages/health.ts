import { usePolling } from '../polling.ts';
import { int, ms, percent, time } from '../format.ts';
import { html } from '../html.ts';
import type { DeploymentSnapshot, Health, Probe } from '../types.ts';
import { Replicas } from './replicas.ts';

function ProbeTile(props: { name: string; probe: Probe; detail?: string }) {
  const { probe } = props;
  const state = !probe.configured ? 'off' : probe.ok ? 'ok' : 'down';
  return html`<div class=${`tile probe ${state}`} data-probe=${props.name}>
    <b>${state === 'off' ? 'not used' : state === 'ok' ? 'connected' : 'unreachable'}</b>
    <span>${props.name}${props.detail ? ` (${props.detail})` : ''}${probe.latencyMs === null ? '' : ` · ${ms(probe.latencyMs)}`}</span>
    ${probe.error === null ? null : html`<small class="error">${probe.error}</small>`}
  </div>`;
}

const BREAKER_BADGE: Record<DeploymentSnapshot['breaker'], string> = { closed: 'good', 'half-open': 'warn', open: 'bad' };

/** The router's view of each deployment: breaker state, failures, running attempts, time to first token. */
function Breakers(props: { breakers: DeploymentSnapshot[] }) {
  return html`<section class="card">
    <h3>Circuit breakers <small>as the router sees them</small></h3>
    ${props.breakers.length === 0
      ? html`<p class="empty">No deployment has been tried yet.</p>`
      : html`<div class="scroll"><table class="breakers">
          <thead><tr><th>Deployment</th><th>Breaker</th><th>Open until</th><th class="num">Failures in a row</th><th class="num">Window failures</th><th class="num">Running</th><th class="num">TTFT EWMA</th><th class="num">TTFT p50</th><th class="num">TTFT p95</th><th class="num">Samples</th></tr></thead>
          <tbody>${props.breakers.map(
            (b) => html`<tr key=${b.deployment} data-deployment=${b.deployment}>
              <td>${b.deployment}</td><td><span class=${`badge ${BREAKER_BADGE[b.breaker]}`} data-testid="breaker">${b.breaker}</span></td>
              <td>${b.openUntil === null ? '–' : time(b.openUntil)}</td><td class="num">${int(b.consecutiveFailures)}</td><td class="num">${int(b.windowFailures)} / ${int(b.windowRequests)}</td>
              <td class="num">${int(b.running)}</td><td class="num">${ms(b.ttftEwmaMs)}</td><td class="num">${ms(b.ttftP50Ms)}</td><td class="num">${ms(b.ttftP95Ms)}</td><td class="num">${int(b.ttftSamples)}</td>
            </tr>`,
          )}</tbody>
        </table></div>`}
  </section>`;
}

/** Health: providers, deployments' recent error rate and latency, Redis and the ledger database, replicas seen on Redis. Refreshes every 5 s. */
export function HealthPage(props: { replica: string | null }) {
  const { data, error } = usePolling<Health>('/admin/health', 5_000);
  if (data === null) return html`<div class="page">${error === null ? html`<p class="empty">Loading…</p>` : html`<p class="error">${error}</p>`}</div>`;
  return html`<div class="page health">
    ${error === null ? null : html`<p class="error">${error}</p>`}
    <div class="tiles">
      <div class=${`tile probe ${data.accepting ? 'ok' : 'down'}`}><b>${data.accepting ? 'serving' : 'draining'}</b><span>this replica${props.replica === null ? '' : ` (${props.replica})`} · ${data.running} streams</span></div>
      <${ProbeTile} name="Redis" probe=${data.redis} />
      <${ProbeTile} name="Ledger database" probe=${data.database} detail=${data.database.kind} />
    </div>
    ${data.replicas === null ? null : html`<${Replicas} replicas=${data.replicas} at=${data.at} />`}
    <section class="card">
      <h3>Deployments <small>last 5 minutes on this replica</small></h3>
      ${data.deployments.length === 0
        ? html`<p class="empty">No request has been served in the last five minutes.</p>`
        : html`<div class="scroll"><table>
            <thead><tr><th>Deployment</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">Error rate</th><th class="num">Mean TTFT</th><th class="num">Mean duration</th><th>Last error</th><th>Last seen</th></tr></thead>
            <tbody>${data.deployments.map(
              (d) => html`<tr key=${d.deployment}>
                <td>${d.deployment}</td><td class="num">${int(d.requests)}</td><td class="num">${int(d.errors)}</td>
                <td class="num"><span class=${`badge ${d.errorRate >= 0.2 ? 'bad' : d.errorRate > 0 ? 'warn' : 'good'}`}>${percent(d.errorRate)}</span></td>
                <td class="num">${ms(d.ttftMs)}</td><td class="num">${ms(d.durationMs)}</td><td class="clip" title=${d.lastError ?? ''}>${d.lastError ?? '–'}</td><td>${time(d.lastSeenAt)}</td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    </section>
    <${Breakers} breakers=${data.breakers} />
    <section class="card">
      <h3>Providers</h3>
      <table><thead><tr><th>Id</th><th>Type</th><th>Base URL</th></tr></thead>
        <tbody>${data.providers.map((p) => html`<tr key=${p.id}><td>${p.id}</td><td>${p.type}</td><td><code>${p.baseURL ?? '(in process)'}</code></td></tr>`)}</tbody>
      </table>
    </section>
    ${data.aliases.length === 0
      ? null
      : html`<section class="card"><h3>Model aliases</h3><table>
          <thead><tr><th>Alias</th><th>Target</th><th>Fallbacks</th></tr></thead>
          <tbody>${data.aliases.map((a) => html`<tr key=${a.name}><td>${a.name}</td><td>${a.target}</td><td>${a.fallbacks.join(', ') || '–'}</td></tr>`)}</tbody>
        </table></section>`}
  </div>`;
}
