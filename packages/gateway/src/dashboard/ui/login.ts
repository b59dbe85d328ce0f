import { useState } from 'preact/hooks';
import { api, storeKey } from './api.ts';
import { html } from './html.ts';

/** The admin key, checked against the gateway before it is kept (in sessionStorage, for this tab only). */
export function Login(props: { onLogin(): void; message: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(props.message);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { valid } = await api<{ valid: boolean }>('/dashboard/session', { method: 'POST', body: { key: key.trim() } });
      if (!valid) return setError('That is not the admin key.');
      storeKey(key.trim());
      props.onLogin();
    } catch (e) {
      setError(`The gateway did not answer: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="card" onSubmit=${submit}>
      <h1>sluice</h1>
      <p>Enter the admin key (the value of the variable <code>admin.keyEnv</code> names). It is kept in this tab only.</p>
      <label>Admin key<input type="password" name="key" autocomplete="current-password" autofocus value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} /></label>
      ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy || key.trim() === ''}>${busy ? 'Checking…' : 'Open dashboard'}</button>
    </form>
  </main>`;
}
