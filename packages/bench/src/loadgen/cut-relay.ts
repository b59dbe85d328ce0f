/**
 * A TCP relay in front of a target that can cut every connection through it
 * at once: the "forced cut" of the reconnection figure, seen by the client
 * as a network failure, whatever the protocol on top.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class CutRelay {
  readonly #targetPort: number;
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();

  private constructor(targetPort: number) {
    this.#targetPort = targetPort;
    this.#server = createServer((inbound) => this.#relay(inbound));
  }

  static async start(targetPort: number): Promise<CutRelay> {
    const relay = new CutRelay(targetPort);
    await new Promise<void>((resolve, reject) => {
      relay.#server.once('error', reject);
      relay.#server.listen(0, '127.0.0.1', resolve);
    });
    return relay;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Cuts every connection now (a reset, as a dropped network would); returns how many. */
  cut(): number {
    const pairs = [...this.#pairs];
    for (const [inbound, outbound] of pairs) {
      inbound.resetAndDestroy();
      outbound.destroy();
    }
    return pairs.length;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(inbound: Socket): void {
    const outbound = connect(this.#targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [inbound, outbound];
    this.#pairs.add(pair);
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = (): void => {
      this.#pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  }
}
