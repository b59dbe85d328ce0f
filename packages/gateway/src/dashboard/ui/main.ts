import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { adoptKeyFromUrl, followEvents, storedKey, storeKey, type FeedState } from './api.ts';
import { html } from './html.ts';
import { Login } from './login.ts';
import { HealthPage } from './pages/health.ts';
import { LivePage } from './pages/live.ts';
import { RequestsPage } from './pages/requests.ts';
import { SpendPage } from './pages/spend.ts';
import { TrafficPage } from './pages/traffic.ts';
import type { Snapshot } from './types.ts';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

/** How the gateway wants the dashboard opened, from the page's own markup. */
type Access = 'admin-key' | 'open';
const ACCESS = (document.body.dataset.access ?? 'admin-key') as Access;

const PAGES = [
  ['live', 'Live'],
  ['traffic', 'Traffic'],
  ['spend', 'Spend'],
  ['requests', 'Requests'],
  ['health', 'Health'],
] as const;
type PageId = (typeof PAGES)[number][0];

function pageFromHash(): PageId {
  const id = location.hash.slice(1);
  return (PAGES.find(([p]) => p === id)?.[0] ?? 'live') as PageId;
}

function Dashboard(props: { onLogout(message: string | null): void }) {
  const [page, setPage] = useState<PageId>(pageFromHash());
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [feed, setFeed] = useState<FeedState>('connecting');
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    const stop = followEvents<Snapshot>({ onSnapshot: setSnapshot, onState: setFeed, onUnauthorized: () => props.onLogout('The admin key was refused; enter it again.') });
    return () => {
      removeEventListener('hashchange', onHash);
      stop();
    };
  }, []);
  const body =
    page === 'live' ? html`<${LivePage} snapshot=${snapshot} />`
    : page === 'traffic' ? html`<${TrafficPage} />`
    : page === 'spend' ? html`<${SpendPage} />`
    : page === 'requests' ? html`<${RequestsPage} />`
    : html`<${HealthPage} replica=${snapshot?.replica ?? null} />`;
  return html`<div class="app">
    <header>
      <strong class="brand">sluice</strong>
      <nav>${PAGES.map(([id, label]) => html`<a href=${`#${id}`} class=${page === id ? 'on' : ''} aria-current=${page === id ? 'page' : undefined}>${label}</a>`)}</nav>
      <span class=${`feed ${feed}`} role="status" data-testid="feed">${feed === 'live' ? 'live' : feed === 'connecting' ? 'connecting…' : 'reconnecting…'}</span>
      ${ACCESS === 'admin-key' ? html`<button class="plain" onClick=${() => props.onLogout(null)}>Log out</button>` : null}
    </header>
    <main>${body}</main>
  </div>`;
}

function App() {
  adoptKeyFromUrl();
  const [authed, setAuthed] = useState(ACCESS === 'open' || storedKey() !== null);
  const [message, setMessage] = useState<string | null>(null);
  if (!authed) return html`<${Login} message=${message} onLogin=${() => (setMessage(null), setAuthed(true))} />`;
  return html`<${Dashboard}
    onLogout=${(why: string | null) => {
      storeKey(null);
      setMessage(why);
      setAuthed(false);
    }}
  />`;
}

render(html`<${App} />`, document.getElementById('app')!);
