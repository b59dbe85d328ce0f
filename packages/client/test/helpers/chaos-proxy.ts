/**
 * A TCP proxy on loopback that breaks connections on purpose: each
 * connection may carry a random number of bytes from the server (drawn from
 * a seeded generator, so a failing run can be replayed), then both sides are
 * destroyed mid-stream. It can also refuse every WebSocket upgrade, as a
 * corporate proxy that strips `Upgrade` does.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '@sluice/gateway';

export interface ChaosOptions {
  /** Where to forward, e.g. the gateway's `http://127.0.0.1:PORT`. */
  target: string;
  /** Server-to-client bytes a connection may carry before it is cut: uniform in [min, max]. No cutting when absent. */
  cutAfterBytes?: { min: number; max: number };
  /** Answer every WebSocket upgrade with 403 instead of forwarding it. */
  refuseUpgrades?: boolean;
  seed?: number;
}

export interface ChaosProxy {
  /** `http://127.0.0.1:PORT`: the target's URL through the proxy. */
  url: string;
  stats: { connections: number; cuts: number; refusedUpgrades: number };
  close(): Promise<void>;
}

export async function startChaosProxy(options: ChaosOptions): Promise<ChaosProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const stats = { connections: 0, cuts: 0, refusedUpgrades: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    stats.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const range = options.cutAfterBytes;
    let budget = range ? range.min + Math.floor(random() * (range.max - range.min + 1)) : Infinity;
    let upstream: Socket | null = null;
    let cutting = false;
    const cut = () => {
      stats.cuts++;
      client.destroy();
      upstream?.destroy();
    };
    client.once('data', (first: Buffer) => {
      if (options.refuseUpgrades && /^upgrade:\s*websocket/im.test(first.toString('latin1'))) {
        stats.refusedUpgrades++;
        client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      upstream = connect(Number(target.port), target.hostname);
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream!);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      upstream.write(first);
      client.pipe(upstream);
      upstream.on('data', (data: Buffer) => {
        if (cutting) return;
        if (data.length <= budget) {
          budget -= data.length;
          if (!client.write(data)) upstream!.pause();
          return;
        }
        // Deliver exactly the budget, then break the connection in the middle of whatever it was.
        cutting = true;
        client.write(data.subarray(0, budget), cut);
        upstream!.pause();
      });
      client.on('drain', () => upstream?.resume());
    });
    client.on('error', () => upstream?.destroy());
    client.on('close', () => upstream?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
