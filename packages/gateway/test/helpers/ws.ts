import type { RunningGateway } from '@sluice/gateway';
import type { WsAcceptedMessage, WsChunkMessage, WsDoneMessage, WsErrorMessage, WsServerMessage } from '@sluice/protocol';
import WebSocket, { type ClientOptions } from 'ws';

/** The WebSocket URL of a gateway's `/v1/chat/stream`, with an optional query. */
export function wsURL(gateway: RunningGateway, query = ''): string {
  return `${gateway.url.replace(/^http/, 'ws')}/v1/chat/stream${query}`;
}

/** Open a WebSocket and wait for it to be open; rejects with the HTTP status if the upgrade is refused. */
export function openSocket(url: string, protocols: string[] = [], options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (part: Buffer) => (body += part.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused with ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })));
    });
  });
}

/** Wait for a socket's close event: the code and reason. */
export function closed(ws: WebSocket, ms = 5000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === ws.CLOSED) return reject(new Error('already closed'));
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

/** One request's messages on a `sluice.v1` socket, once it has ended. */
export interface MultiplexCapture {
  accepted: WsAcceptedMessage | undefined;
  chunks: WsChunkMessage[];
  end: WsDoneMessage | WsErrorMessage;
  /** Everything for this id, in order. */
  messages: WsServerMessage[];
}

type Waiter = { test: (message: WsServerMessage) => boolean; resolve: (message: WsServerMessage) => void };

/** A test client of the `sluice.v1` protocol that records every message by request id. */
export class MultiplexClient {
  readonly ws: WebSocket;
  readonly all: WsServerMessage[] = [];
  #waiters: Waiter[] = [];
  readonly #listeners = new Map<string | null, (message: WsServerMessage) => void>();
  /** What to tell when the socket closes: one listener on the socket serves every stream on it. */
  readonly #onClose = new Set<() => void>();

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.once('close', () => {
      for (const callback of [...this.#onClose]) callback();
      this.#onClose.clear();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the server sent a binary frame');
      const message = JSON.parse(data.toString()) as WsServerMessage;
      this.all.push(message);
      this.#listeners.get('id' in message ? message.id : null)?.(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
  }

  static async connect(gateway: RunningGateway, protocols: string[] = ['sluice.v1'], options: ClientOptions = {}): Promise<MultiplexClient> {
    return new MultiplexClient(await openSocket(wsURL(gateway), protocols, options));
  }

  send(message: object | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Send a request and wait for its end. */
  request(id: string, body: object, extra: object = {}): Promise<MultiplexCapture> {
    const ended = this.ended(id);
    this.send({ type: 'request', id, body, ...extra });
    return ended;
  }

  /** Resolves when `id` has received its done or error. */
  async ended(id: string, ms = 10_000): Promise<MultiplexCapture> {
    await this.next((m) => 'id' in m && m.id === id && (m.type === 'done' || m.type === 'error'), ms);
    const messages = this.of(id);
    return {
      accepted: messages.find((m): m is WsAcceptedMessage => m.type === 'accepted'),
      chunks: messages.filter((m): m is WsChunkMessage => m.type === 'chunk'),
      end: messages.at(-1) as WsDoneMessage | WsErrorMessage,
      messages,
    };
  }

  /** Every message received so far for `id` (null: the messages about no request). */
  of(id: string | null): WsServerMessage[] {
    return this.all.filter((m) => ('id' in m ? m.id : undefined) === id);
  }

  /** The first message from now on (or already received, if `seen`) that passes `test`. */
  next(test: (message: WsServerMessage) => boolean, ms = 5000, seen = true): Promise<WsServerMessage> {
    if (seen) {
      const found = this.all.find(test);
      if (found !== undefined) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.all.slice(-3))}`)), ms);
      this.#waiters.push({
        test,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** Call `callback` when the socket closes; the function returned forgets it. */
  whenClosed(callback: () => void): () => void {
    this.#onClose.add(callback);
    return () => this.#onClose.delete(callback);
  }

  /** Call `listener` with every message for `id` from now on. */
  listen(id: string, listener: (message: WsServerMessage) => void): void {
    this.#listeners.set(id, listener);
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** The assistant text of a list of chunk messages. */
export function chunkText(chunks: readonly WsChunkMessage[]): string {
  return chunks.map((c) => c.data.choices.map((choice) => choice.delta?.content ?? '').join('')).join('');
}
