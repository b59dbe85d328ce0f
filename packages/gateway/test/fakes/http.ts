import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The whole request body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * Writes an event stream the way a provider does, one event at a time,
 * waiting out backpressure, and notices when the client goes away.
 */
export class EventWriter {
  readonly #res: ServerResponse;
  readonly aborted: AbortSignal;

  constructor(res: ServerResponse, onAbort: () => void) {
    this.#res = res;
    const abort = new AbortController();
    this.aborted = abort.signal;
    res.on('close', () => {
      if (res.writableFinished) return;
      abort.abort();
      onAbort();
    });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
  }

  async write(text: string): Promise<void> {
    if (this.aborted.aborted) return;
    if (!this.#res.write(text)) await new Promise<void>((resolve) => {
      this.#res.once('drain', resolve);
      this.aborted.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  end(): void {
    this.#res.end();
  }

  /** Cut the connection mid-stream, as a network or a crashing server does. */
  cut(): void {
    this.#res.destroy();
  }
}

/** Wait, unless the client leaves first. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** Word-sized pieces whose concatenation is the text exactly. */
export function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** A request matcher: the last user text, exactly, or a predicate on the body. */
export type Match = string | ((body: Record<string, unknown>) => boolean);

/**
 * The answers a fake is told to give: registered by the last user text or
 * a predicate, the latest registration first, each a script or a function
 * of the request that makes one.
 */
export class ScriptBook<Script> {
  readonly #entries: { match: (body: Record<string, unknown>) => boolean; script: Script | ((body: Record<string, unknown>) => Script) }[] = [];
  readonly #lastUserText: (body: Record<string, unknown>) => string;

  constructor(lastUserText: (body: Record<string, unknown>) => string) {
    this.#lastUserText = lastUserText;
  }

  on(match: Match, script: Script | ((body: Record<string, unknown>) => Script)): void {
    this.#entries.unshift({ match: typeof match === 'string' ? (body) => this.#lastUserText(body) === match : match, script });
  }

  /** The script for a request, or `fallback` made from its last user text. */
  scriptFor(body: Record<string, unknown>, fallback: (text: string) => Script): Script {
    const source = this.#entries.find((entry) => entry.match(body))?.script;
    if (source === undefined) return fallback(this.#lastUserText(body));
    return typeof source === 'function' ? (source as (body: Record<string, unknown>) => Script)(body) : source;
  }
}

/** Listen on a free loopback port; the base URL, and a close that also ends open connections. */
export async function listenLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
