/**
 * Server-Sent Events framing. The encoder is what the gateway writes; the
 * decoder is a small WHATWG-conformant incremental parser for clients that
 * must not take dependencies (the SDK runs in browsers).
 */

export const SSE_DONE = '[DONE]';
export const SSE_PING_FRAME = ': ping\n\n';

/** One `data:` event with its id. `data` must not contain a newline (JSON never does). */
export function encodeSseData(seq: number, data: string): string {
  return `id: ${seq}\ndata: ${data}\n\n`;
}

/** A named event (sluice uses `error`) with its id. */
export function encodeSseEvent(event: string, seq: number, data: string): string {
  return `event: ${event}\nid: ${seq}\ndata: ${data}\n\n`;
}

export interface SseMessage {
  /** `message` unless the event named itself. */
  event: string;
  data: string;
  /** The last `id:` seen, carried over events as the spec says. */
  id: string;
}

export interface SseHandlers {
  onEvent(message: SseMessage): void;
  /** Comment lines (`: ping`): liveness without data. */
  onComment?(text: string): void;
  onRetry?(ms: number): void;
}

/**
 * Incremental SSE decoder. Feed it text as it arrives, in any split; it calls
 * back once per complete event.
 */
export class SseDecoder {
  #buffer = '';
  #data: string[] = [];
  #event = '';
  #lastId = '';
  #sawCarriageReturn = false;
  readonly #handlers: SseHandlers;

  constructor(handlers: SseHandlers) {
    this.#handlers = handlers;
  }

  get lastEventId(): string {
    return this.#lastId;
  }

  push(text: string): void {
    let input = text;
    // A CRLF split across two pushes: drop the LF that completes it.
    if (this.#sawCarriageReturn && input.startsWith('\n')) input = input.slice(1);
    this.#sawCarriageReturn = false;
    this.#buffer += input;
    let start = 0;
    const buffer = this.#buffer;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.#line(buffer.slice(start, i));
      if (ch === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.#sawCarriageReturn = true;
        }
      }
      start = i + 1;
    }
    this.#buffer = buffer.slice(start);
  }

  /** Forget a partial event, as a reconnect must. */
  reset(): void {
    this.#buffer = '';
    this.#data = [];
    this.#event = '';
    this.#sawCarriageReturn = false;
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 58 /* : */) {
      this.#handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#handlers.onRetry?.(Number(value));
        break;
    }
  }

  #dispatch(): void {
    if (this.#data.length === 0) {
      this.#event = '';
      return;
    }
    const message: SseMessage = { event: this.#event || 'message', data: this.#data.join('\n'), id: this.#lastId };
    this.#data = [];
    this.#event = '';
    this.#handlers.onEvent(message);
  }
}
