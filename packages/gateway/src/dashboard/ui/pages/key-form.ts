import { html } from '../html.ts';
import type { KeyView } from '../types.ts';

/** The key form's fields as typed: text, turned into the admin API's body by `keyBody`. */
export interface KeyDraft {
  name: string;
  team: string;
  rpm: string;
  tpm: string;
  concurrency: string;
  budgetUsd: string;
  budgetPeriod: string;
  /** Comma-separated aliases or `<provider>/<model>` patterns; empty allows every model. */
  models: string;
  /** A `datetime-local` value, in the browser's time zone; empty: the key never expires. */
  expiresAt: string;
}

export const EMPTY_DRAFT: KeyDraft = { name: '', team: '', rpm: '', tpm: '', concurrency: '', budgetUsd: '', budgetPeriod: 'month', models: '', expiresAt: '' };

const text = (n: number | undefined) => (n === undefined ? '' : String(n));
const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as a `datetime-local` input shows it: local time, to the minute. */
export function localInput(iso: string | null): string {
  if (iso === null) return '';
  const at = new Date(iso);
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A `datetime-local` value as the API's ISO time; text that is no time goes as typed, for the server to name. */
function isoOf(local: string): string {
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? local : at.toISOString();
}

export function draftOf(key: KeyView): KeyDraft {
  const limits = key.limits ?? {};
  return {
    name: key.name,
    team: key.team ?? '',
    rpm: text(limits.rpm),
    tpm: text(limits.tpm),
    concurrency: text(limits.concurrency),
    budgetUsd: text(limits.budget?.usd),
    budgetPeriod: limits.budget?.period ?? 'month',
    models: (key.models ?? []).join(', '),
    expiresAt: localInput(key.expiresAt),
  };
}

/**
 * The body for `POST /admin/keys` (`creating`) or `PATCH /admin/keys/{id}`:
 * an empty field is left out when creating and cleared when changing. The
 * server checks the values and answers a 400 naming the field.
 */
export function keyBody(draft: KeyDraft, creating: boolean): Record<string, unknown> {
  const number = (value: string) => (value.trim() === '' ? undefined : Number(value));
  const limits = {
    rpm: number(draft.rpm),
    tpm: number(draft.tpm),
    concurrency: number(draft.concurrency),
    budget: draft.budgetUsd.trim() === '' ? undefined : { usd: Number(draft.budgetUsd), period: draft.budgetPeriod },
  };
  const hasLimits = Object.values(limits).some((value) => value !== undefined);
  const models = draft.models.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const team = draft.team.trim();
  const expiresAt = draft.expiresAt.trim();
  const empty = creating ? undefined : null;
  return {
    name: draft.name,
    team: team === '' ? empty : team,
    models: models.length === 0 ? empty : models,
    limits: hasLimits ? limits : empty,
    expiresAt: expiresAt === '' ? empty : isoOf(expiresAt),
  };
}

/** The form's inputs, each named after its field (`input[name=rpm]`). */
export function KeyFields(props: { draft: KeyDraft; onChange(draft: KeyDraft): void }) {
  const { draft, onChange } = props;
  const field = (name: keyof KeyDraft, label: string, type = 'text') =>
    html`<label>${label}<input name=${name} type=${type} value=${draft[name]} onInput=${(e: Event) => onChange({ ...draft, [name]: (e.target as HTMLInputElement).value })} /></label>`;
  return html`${field('name', 'Name')} ${field('team', 'Team')} ${field('rpm', 'RPM', 'number')} ${field('tpm', 'TPM', 'number')}
    ${field('concurrency', 'Concurrency', 'number')} ${field('budgetUsd', 'Budget (USD)', 'number')}
    <label>Per<select name="budgetPeriod" value=${draft.budgetPeriod} onChange=${(e: Event) => onChange({ ...draft, budgetPeriod: (e.target as HTMLSelectElement).value })}>
      <option value="day">day</option><option value="month">month</option><option value="total">total</option>
    </select></label>
    ${field('models', 'Models (comma-separated)')}
    ${field('expiresAt', 'Expires (empty: never)', 'datetime-local')}
    ${draft.expiresAt === '' ? null : html`<button type="button" class="plain" data-testid="clear-expiry" onClick=${() => onChange({ ...draft, expiresAt: '' })}>Never expire</button>`}`;
}
