/**
 * `transport: 'auto'`: WebSocket when the path allows it, SSE when it does
 * not. The first stream tries to open the socket once; if the upgrade is
 * refused or fails (a proxy that strips `Upgrade`, a server without
 * `sluice.v1`), every stream of this client uses SSE from then on.
 */
import type { ResumeParams, StartParams, StreamAttempt, Transport, TransportName } from './types.ts';
import type { SseTransport } from './sse.ts';
import type { WsTransport } from './ws.ts';

export class AutoTransport implements Transport {
  readonly #ws: WsTransport;
  readonly #sse: SseTransport;
  readonly #probe: () => Promise<void>;
  #choice: Promise<Transport> | null = null;
  #chosen: Transport | null = null;

  /** `probe` opens the WebSocket; it rejects when the upgrade fails. */
  constructor(ws: WsTransport, sse: SseTransport, probe: () => Promise<void>) {
    this.#ws = ws;
    this.#sse = sse;
    this.#probe = probe;
  }

  /** The transport in use: 'ws' until a probe has failed. */
  get name(): TransportName {
    return this.#chosen?.name ?? 'ws';
  }

  start(params: StartParams): StreamAttempt {
    return this.#deferred((transport) => transport.start(params));
  }

  resume(params: ResumeParams): StreamAttempt {
    return this.#deferred((transport) => transport.resume(params));
  }

  cancelStream(streamId: string, token: string | null): Promise<void> {
    return (this.#chosen ?? this.#sse).cancelStream(streamId, token);
  }

  close(): void {
    this.#ws.close();
    this.#sse.close();
  }

  #choose(): Promise<Transport> {
    this.#choice ??= this.#probe().then(
      () => this.#ws,
      () => this.#sse,
    ).then((transport) => (this.#chosen = transport));
    return this.#choice;
  }

  #deferred(open: (transport: Transport) => StreamAttempt): StreamAttempt {
    const choose = () => this.#choose();
    let inner: StreamAttempt | null = null;
    return {
      async *[Symbol.asyncIterator]() {
        inner = open(await choose());
        yield* inner;
      },
      cancel: async () => {
        await inner?.cancel();
      },
    };
  }
}
