import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a server, that a test can take down (cutting
 * every connection and refusing new ones, like a network outage) and bring
 * back, on the same port.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #targetPort: number;
  readonly #host: string;
  #up = true;

  private constructor(targetPort: number, host: string) {
    this.#targetPort = targetPort;
    this.#host = host;
    this.#server = createServer((client) => this.#relay(client));
  }

  static async start(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, host);
    await new Promise<void>((resolve) => proxy.#server.listen(0, host, resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  down(): void {
    this.#up = false;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  up(): void {
    this.#up = true;
  }

  close(): Promise<void> {
    this.down();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket): void {
    if (!this.#up) return void client.destroy();
    const target = connect(this.#targetPort, this.#host);
    for (const socket of [client, target]) {
      this.#sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        target.destroy();
      });
    }
    client.pipe(target);
    target.pipe(client);
  }
}
