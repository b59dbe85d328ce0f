import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { int, time, usd } from '../format.ts';
import { html } from '../html.ts';
import { usePolling } from '../polling.ts';
import type { KeyDetail, KeyView } from '../types.ts';
import { EMPTY_DRAFT, KeyFields, draftOf, keyBody, type KeyDraft } from './key-form.ts';

function limitsText(key: KeyView): string {
  const l = key.limits;
  if (l === null) return '–';
  const parts = [l.rpm && `${int(l.rpm)} rpm`, l.tpm && `${int(l.tpm)} tpm`, l.concurrency && `${l.concurrency} at once`, l.budget && `${usd(l.budget.usd)}/${l.budget.period}`];
  return parts.filter(Boolean).join(' · ') || '–';
}

/** What the key's request and token buckets hold now (`GET /admin/keys/{id}`, shared by every replica). */
function Remaining(props: { id: string }) {
  const { data } = usePolling<KeyDetail>(`/admin/keys/${encodeURIComponent(props.id)}`, 10_000);
  if (data === null) return html`…`;
  const { requestsRemaining: requests, tokensRemaining: tokens } = data.usage;
  return html`<span data-testid="remaining">${requests === null ? '' : `${int(requests)} req`}${requests !== null && tokens !== null ? ' · ' : ''}${tokens === null ? '' : `${int(tokens)} tok`}</span>`;
}

/**
 * Keys: every key with its limits, expiry and what its rate limits leave
 * now; managed keys can be created (the secret is shown once), changed
 * (an expired one too: a new expiry, or none, brings it back) and revoked here.
 * Config keys are read-only (they change in the config file).
 */
export function KeysCard() {
  const [version, setVersion] = useState(0);
  const { data } = usePolling<{ data: KeyView[] }>(`/admin/keys?v=${version}`, 10_000);
  const [creating, setCreating] = useState<KeyDraft | null>(null);
  const [editing, setEditing] = useState<{ id: string; draft: KeyDraft } | null>(null);
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: () => Promise<void>) => {
    try {
      await action();
      setError(null);
      setVersion(version + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const made = await api<KeyView & { key: string }>('/admin/keys', { method: 'POST', body: keyBody(creating!, true) });
      setSecret({ name: made.name, key: made.key });
      setCreating(null);
    });
  };
  const save = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api(`/admin/keys/${encodeURIComponent(editing!.id)}`, { method: 'PATCH', body: keyBody(editing!.draft, false) });
      setEditing(null);
    });
  };
  const revoke = (key: KeyView) => {
    if (!confirm(`Revoke the key "${key.name}"? Requests with it are refused from now on.`)) return;
    void run(() => api(`/admin/keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' }));
  };

  return html`<section class="card keys">
    <h3>Manage keys <button type="button" class="plain" onClick=${() => setCreating(EMPTY_DRAFT)}>New key</button></h3>
    ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
    ${secret === null
      ? null
      : html`<div class="secret" data-testid="secret">
          <span>The secret of <b>${secret.name}</b>, shown this once: copy it now.</span> <code>${secret.key}</code>
          <button type="button" class="plain" onClick=${() => setSecret(null)}>Done</button>
        </div>`}
    ${creating === null
      ? null
      : html`<form class="filters" data-testid="create-key" onSubmit=${create}>
          <${KeyFields} draft=${creating} onChange=${setCreating} />
          <button type="submit">Create</button><button type="button" class="plain" onClick=${() => setCreating(null)}>Cancel</button>
        </form>`}
    ${data === null
      ? html`<p class="empty">Loading…</p>`
      : html`<div class="scroll"><table>
          <thead><tr><th>Key</th><th>Source</th><th>Status</th><th>Team</th><th>Models</th><th>Limits</th><th>Expires</th><th>Left now</th><th></th></tr></thead>
          <tbody>${data.data.map((k) => {
            const row = html`<tr key=${k.id} data-key=${k.name}>
              <td>${k.name}</td><td>${k.source}</td>
              <td><span class=${`badge ${k.status === 'active' ? 'good' : 'bad'}`} data-testid="status">${k.status}</span></td>
              <td>${k.team ?? '–'}</td><td>${k.models?.join(', ') ?? 'all'}</td><td>${limitsText(k)}</td>
              <td data-testid="expires">${k.expiresAt === null ? 'never' : time(Date.parse(k.expiresAt))}</td>
              <td>${k.status === 'active' && (k.limits?.rpm || k.limits?.tpm) ? html`<${Remaining} id=${k.id} />` : '–'}</td>
              <td>${k.source === 'managed' && k.status !== 'revoked'
                ? html`<button type="button" class="plain" onClick=${() => setEditing({ id: k.id, draft: draftOf(k) })}>Edit</button> <button type="button" class="danger" onClick=${() => revoke(k)}>Revoke</button>`
                : null}</td>
            </tr>`;
            if (editing?.id !== k.id) return row;
            return [row, html`<tr key=${`${k.id}-edit`}><td colspan="9"><form class="filters" data-testid="edit-key" onSubmit=${save}>
              <${KeyFields} draft=${editing.draft} onChange=${(draft: KeyDraft) => setEditing({ id: k.id, draft })} />
              <button type="submit">Save</button><button type="button" class="plain" onClick=${() => setEditing(null)}>Cancel</button>
            </form></td></tr>`];
          })}</tbody>
        </table></div>`}
  </section>`;
}
