/** A snapshot of `/admin/events`, as much of it as the tests read. */
export interface Snapshot {
  at: number;
  streams: { id: string; key: string; model: string; deployment: string | null; state: string; chunks: number; tokens: number; readers: number; transport: string }[];
  totals: { requests: number; errors: number };
}

/**
 * Read `/admin/events` until `until` holds for a snapshot (resolves with it),
 * counting the keepalive comments seen; the connection is closed after.
 */
export async function watchEvents(url: string, headers: Record<string, string>, until: (snapshot: Snapshot, all: Snapshot[]) => boolean, timeoutMs = 10_000): Promise<{ snapshot: Snapshot; all: Snapshot[]; contentType: string | null }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('no matching snapshot in time')), timeoutMs);
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`);
    const all: Snapshot[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (!frame.includes('event: snapshot') || data === undefined) continue;
        const snapshot = JSON.parse(data.slice(6)) as Snapshot;
        all.push(snapshot);
        // Returning from the loop cancels the body, which closes the feed.
        if (until(snapshot, all)) return { snapshot, all, contentType: response.headers.get('content-type') };
      }
    }
    throw new Error('the event stream ended');
  } finally {
    clearTimeout(timer);
  }
}
