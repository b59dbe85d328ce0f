/**
 * Streams over the shared `sluice.v1` socket: each attempt is a `request` or
 * `resume` message with an id of its own, and the server's messages for that
 * id become the attempt's events. Many attempts share one socket.
 */
import type { WsClientMessage, WsServerMessage } from '@sluice/protocol';
import { abortReason } from '../backoff.ts';
import { ConnectionError, errorFromWire, statusForCode } from '../errors.ts';
import { Channel } from '../channel.ts';
import { deleteStream, type HttpContext } from '../http.ts';
import type { ResumeParams, StartParams, StreamAttempt, Transport, TransportEvent } from './types.ts';
import type { WsConnection } from './ws-connection.ts';

export class WsTransport implements Transport {
  readonly name = 'ws';
  readonly #connection: WsConnection;
  readonly #http: HttpContext;
  #nextId = 0;

  constructor(connection: WsConnection, http: HttpContext) {
    this.#connection = connection;
    this.#http = http;
  }

  start({ body, signal, trace }: StartParams): StreamAttempt {
    // The socket's upgrade carried no request's trace: each request message carries its own.
    return this.#attempt(signal, null, (id) => ({ type: 'request', id, body, ...trace }));
  }

  resume({ streamId, token, after, signal }: ResumeParams): StreamAttempt {
    const known = { streamId, token };
    return this.#attempt(signal, known, (id) => ({ type: 'resume', id, streamId, after, ...(token ? { token } : {}) }));
  }

  cancelStream(streamId: string, token: string | null): Promise<void> {
    return deleteStream(this.#http, streamId, token);
  }

  close(): void {
    this.#connection.close();
  }

  #attempt(signal: AbortSignal, known: { streamId: string; token: string | null } | null, message: (id: string) => WsClientMessage): StreamAttempt {
    const connection = this.#connection;
    const http = this.#http;
    // Ids are per attempt: a resume on the same socket must not reuse the id of the attempt it replaces.
    const id = `s${++this.#nextId}`;
    let named = known;
    // The socket generation the request went out on: `cancel {id}` only means something there.
    let sentOn = -1;
    return {
      async *[Symbol.asyncIterator]() {
        await raceAbort(connection.ready(), signal);
        const events = new Channel<TransportEvent>();
        let accepted = known !== null;
        connection.subscribe(id, {
          message: (incoming) => {
            const event = toEvent(incoming, accepted);
            if (incoming.type === 'accepted') {
              accepted = true;
              named = { streamId: incoming.streamId, token: incoming.token ?? null };
            }
            if (event instanceof Error) events.fail(event);
            else events.push(event);
            if (incoming.type === 'done' || incoming.type === 'error') events.end();
          },
          alive: () => events.push({ type: 'alive' }),
          lost: (error) => events.fail(error),
        });
        const onAbort = (): void => events.fail(abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          if (signal.aborted) throw abortReason(signal);
          if (!connection.send(message(id))) throw new ConnectionError('the WebSocket closed before the request was sent');
          sentOn = connection.generation;
          // A resume names its stream already; say so at once so timers move past "connecting".
          if (known) yield { type: 'open', streamId: known.streamId, token: known.token, headers: null };
          yield* events;
        } finally {
          signal.removeEventListener('abort', onAbort);
          connection.unsubscribe(id);
        }
      },
      cancel: async () => {
        if (sentOn === connection.generation && connection.send({ type: 'cancel', id })) return;
        if (named) await deleteStream(http, named.streamId, named.token);
      },
    };
  }
}

/**
 * A server message as an attempt event. An error before the server accepted
 * the request is thrown (like an HTTP error status), so the caller may retry.
 */
function toEvent(message: WsServerMessage, accepted: boolean): TransportEvent | Error {
  switch (message.type) {
    case 'accepted':
      return { type: 'open', streamId: message.streamId, token: message.token ?? null, headers: null };
    case 'chunk':
      return { type: 'chunk', seq: message.seq, chunk: message.data };
    case 'done':
      return { type: 'done', seq: message.seq, usage: message.usage, cost: message.cost };
    case 'error': {
      const error = errorFromWire(statusForCode(message.error.code), message.error);
      return accepted ? { type: 'error', seq: message.seq ?? null, error } : error;
    }
    default:
      return { type: 'alive' };
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
