import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CuttingProxy {
  port: number;
  url: string;
  /** Connections cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that forwards bytes both ways and cuts a connection once it
 * has carried `cutAfter(connectionIndex)` bytes towards the client (null:
 * never). It stands for the proxies and networks that drop long streams.
 */
export async function startCuttingProxy(targetPort: number, cutAfter: (connectionIndex: number) => number | null): Promise<CuttingProxy> {
  let connections = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const limit = cutAfter(connections++);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let carried = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (bytes: Buffer) => {
      if (limit !== null && carried + bytes.length > limit) {
        client.write(bytes.subarray(0, Math.max(0, limit - carried)));
        cuts++;
        return cut();
      }
      carried += bytes.length;
      if (!client.write(bytes)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('data', (bytes: Buffer) => upstream.write(bytes));
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        sockets.delete(socket);
        cut();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
