/**
 * Serves a test page and its scripts, and forwards every other request —
 * WebSocket upgrades included — to the gateway, so the page and the API
 * share one origin (the gateway sends no CORS headers).
 */
import { createServer, request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface PageFile {
  type: string;
  body: string;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function startPageServer(target: string, files: Record<string, PageFile>): Promise<PageServer> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
      res.end(file.body);
      return;
    }
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const gateway = connect(Number(upstream.port), upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      gateway.write(`${lines.join('\r\n')}\r\n\r\n`);
      gateway.write(head);
      client.pipe(gateway).pipe(client);
    });
    sockets.add(gateway);
    gateway.on('close', () => {
      sockets.delete(gateway);
      client.destroy();
    });
    gateway.on('error', () => client.destroy());
    client.on('error', () => gateway.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
