import { age, int, ms, shortId, time } from '../format.ts';
import { html } from '../html.ts';
import type { ReplicaSeen } from '../types.ts';

/**
 * The replicas alive on the shared Redis, from their liveness keys: one
 * that stops (or is killed) leaves the list once its key lapses, three
 * heartbeats after its last. Shown only with Redis.
 */
export function Replicas(props: { replicas: ReplicaSeen[]; at: number }) {
  return html`<section class="card" data-testid="replicas">
    <h3>Replicas <small>${int(props.replicas.length)} alive on the shared Redis</small></h3>
    <div class="scroll"><table>
      <thead><tr><th>Replica</th><th>Id</th><th>Last heartbeat</th><th>Up for</th><th>Started</th><th class="num">Streams</th></tr></thead>
      <tbody>${props.replicas.map(
        (r) => html`<tr key=${r.id} data-replica=${r.id} class=${r.self ? 'self' : ''}>
          <td>${r.name}${r.self ? html` <span class="badge good">this one</span>` : null}</td><td><code title=${r.id}>${shortId(r.id)}</code></td>
          <td><span class=${`badge ${r.lastHeartbeatMsAgo > 2 * r.heartbeatMs ? 'warn' : 'good'}`}>${ms(r.lastHeartbeatMsAgo)} ago</span></td>
          <td>${age(Math.max(0, props.at - r.startedAt))}</td><td>${time(r.startedAt)}</td><td class="num">${int(r.running)}</td>
        </tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}
