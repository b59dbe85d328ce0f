/**
 * One `sluice.v1` WebSocket shared by all of a client's streams. It opens on
 * first use, routes server messages to the stream they name, pings on a
 * heartbeat and closes a socket that stops answering, and tells every stream
 * on a socket that broke so each can resume on the next one.
 */
import { WS_BEARER_PREFIX, WS_SUBPROTOCOL, WsCloseCodes, type WsClientMessage, type WsServerMessage } from '@sluice/protocol';
import { AbortError, ConnectionError, TimeoutError } from '../errors.ts';

/** What the SDK needs of a WebSocket: the browser's, Node's global one (≥22), or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WsListener {
  message(message: WsServerMessage): void;
  /** A pong: the socket is alive. */
  alive(): void;
  /** The socket is gone; the listener is already removed. */
  lost(error: Error): void;
}

export interface WsConnectionOptions {
  url: string;
  apiKey: string | undefined;
  WebSocket: WebSocketConstructor;
  connectTimeoutMs: number;
  /** A ping goes out this often; a socket silent for two periods is closed as dead. */
  heartbeatMs: number;
}

const OPEN = 1;

export class WsConnection {
  readonly #options: WsConnectionOptions;
  readonly #listeners = new Map<string, WsListener>();
  #socket: WebSocketLike | null = null;
  #opening: Promise<WebSocketLike> | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #lastHeard = 0;
  #closed = false;
  #generation = 0;

  constructor(options: WsConnectionOptions) {
    this.#options = options;
  }

  /** Resolves once a socket that speaks `sluice.v1` is open; opens one if needed. */
  async ready(): Promise<void> {
    if (this.#closed) throw new AbortError('the client was closed');
    if (this.#socket?.readyState === OPEN) return;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    await this.#opening;
  }

  /** Counts sockets opened: an id sent on one socket means nothing on the next. */
  get generation(): number {
    return this.#generation;
  }

  subscribe(id: string, listener: WsListener): void {
    this.#listeners.set(id, listener);
  }

  unsubscribe(id: string): void {
    this.#listeners.delete(id);
  }

  /** Send on the open socket; false when there is none (the caller's stream will see `lost`). */
  send(message: WsClientMessage): boolean {
    if (this.#socket?.readyState !== OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#drop(new AbortError('the client was closed'), WsCloseCodes.normal);
  }

  #open(): Promise<WebSocketLike> {
    const { url, apiKey, WebSocket, connectTimeoutMs } = this.#options;
    const protocols = apiKey ? [WS_SUBPROTOCOL, WS_BEARER_PREFIX + apiKey] : [WS_SUBPROTOCOL];
    return new Promise((resolve, reject) => {
      let settled = false;
      let socket: WebSocketLike;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          socket?.close();
        } catch {
          // Closing a socket that never opened may throw; it is gone either way.
        }
        reject(error);
      };
      const timer = setTimeout(() => fail(new TimeoutError('connect', connectTimeoutMs)), connectTimeoutMs);
      try {
        socket = new WebSocket(url, protocols);
      } catch (error) {
        return fail(new ConnectionError(`could not open a WebSocket to ${url}`, error));
      }
      socket.addEventListener('open', () => {
        if (socket.protocol !== WS_SUBPROTOCOL) {
          return fail(new ConnectionError(`${url} did not accept the ${WS_SUBPROTOCOL} subprotocol`));
        }
        settled = true;
        clearTimeout(timer);
        this.#adopt(socket);
        resolve(socket);
      });
      socket.addEventListener('error', () => fail(new ConnectionError(`the WebSocket upgrade to ${url} failed`)));
      socket.addEventListener('close', (event) => {
        if (!settled) return fail(new ConnectionError(`the WebSocket to ${url} closed before opening (${event.code})`));
        if (this.#socket === socket) this.#drop(new ConnectionError(`the WebSocket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`));
      });
      socket.addEventListener('message', (event) => {
        if (this.#socket === socket) this.#receive(event.data);
      });
    });
  }

  #adopt(socket: WebSocketLike): void {
    if (this.#closed) {
      socket.close(WsCloseCodes.normal);
      return;
    }
    this.#socket = socket;
    this.#generation++;
    this.#lastHeard = Date.now();
    const { heartbeatMs } = this.#options;
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastHeard > 2 * heartbeatMs) {
        this.#drop(new ConnectionError(`the WebSocket went silent for ${2 * heartbeatMs} ms`), WsCloseCodes.goingAway);
      } else {
        this.send({ type: 'ping' });
      }
    }, heartbeatMs);
  }

  #receive(data: unknown): void {
    this.#lastHeard = Date.now();
    let message: WsServerMessage;
    try {
      message = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array)) as WsServerMessage;
    } catch {
      // Not JSON: ignore it; a stream that lost a message sees the gap in seq and resumes.
      return;
    }
    if (message.type === 'pong') {
      for (const listener of this.#listeners.values()) listener.alive();
      return;
    }
    if (typeof message.id !== 'string') return;
    this.#listeners.get(message.id)?.message(message);
  }

  /** Forget the socket and tell every stream on it. */
  #drop(error: Error, code?: number): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket && code !== undefined) {
      try {
        socket.close(code);
      } catch {
        // Already closing.
      }
    }
    const listeners = [...this.#listeners.values()];
    this.#listeners.clear();
    for (const listener of listeners) listener.lost(error);
  }
}
