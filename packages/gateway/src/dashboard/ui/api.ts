/**
 * The dashboard's side of the admin API: every call carries the admin key
 * (from sessionStorage, never a cookie), and the live feed is read with
 * fetch so that the key travels in a header, never in a URL.
 */
const KEY_SLOT = 'sluice.adminKey';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  constructor(status: number, message: string, code: string | null) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_SLOT);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_SLOT);
  else sessionStorage.setItem(KEY_SLOT, key);
}

/** A `?key=` in the address is taken once into sessionStorage and removed from the address bar and history. */
export function adoptKeyFromUrl(): void {
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  if (key === null) return;
  storeKey(key);
  url.searchParams.delete('key');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

function headers(): Record<string, string> {
  const key = storedKey();
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: { ...headers(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body = text === '' ? null : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const error = (body as { error?: { message?: string; code?: string } } | null)?.error;
    throw new ApiError(response.status, error?.message ?? `HTTP ${response.status}`, error?.code ?? null);
  }
  return body as T;
}

export type FeedState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follow `/admin/events`: each `snapshot` event goes to `onSnapshot`; a
 * dropped connection is retried (0.5 s, doubling to 5 s) and reported
 * through `onState`; a 401 stops and calls `onUnauthorized`.
 */
export function followEvents<T>(handlers: { onSnapshot(snapshot: T): void; onState(state: FeedState): void; onUnauthorized(): void }): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  let delay = 500;
  const run = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch('/admin/events', { headers: headers(), signal: controller.signal });
        if (response.status === 401) {
          stopped = true;
          handlers.onUnauthorized();
          return;
        }
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
            if (!frame.includes('event: snapshot') || data === '') continue;
            delay = 500;
            handlers.onState('live');
            handlers.onSnapshot(JSON.parse(data) as T);
          }
        }
      } catch {
        if (stopped) return;
      }
      if (stopped) return;
      handlers.onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(5000, delay * 2);
    }
  };
  handlers.onState('connecting');
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
