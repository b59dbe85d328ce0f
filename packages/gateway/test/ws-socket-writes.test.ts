import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { SocketChannel } from '../src/transports/ws/socket-channel.ts';

/** A real WebSocket pair on loopback; the server side's channel, and how many writes its socket made. */
async function channelPair() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await once(client, 'open');
  const [ws] = await accepted;
  const socket = (ws as unknown as { _socket: Socket })._socket;
  const writes = { count: 0 };
  // Count what reaches the socket's write path: one call per write syscall Node makes.
  const handle = socket as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
  const original = handle._writeGeneric.bind(socket);
  handle._writeGeneric = (...args: unknown[]) => {
    writes.count++;
    return original(...args);
  };
  const received: string[] = [];
  client.on('message', (data) => received.push(data.toString()));
  const close = async () => {
    client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { channel: new SocketChannel(ws, socket, 256 * 1024), writes, received, close };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('frames sent from separate callbacks of one turn leave in one write, in order', async () => {
  const { channel, writes, received, close } = await channelPair();
  try {
    // Twenty callbacks of one turn, as twenty upstream reads of twenty streams would be.
    for (let i = 0; i < 20; i++) setImmediate(() => channel.send(`frame ${i}`));
    await until(() => received.length === 20);
    assert.deepEqual(received, Array.from({ length: 20 }, (_, i) => `frame ${i}`));
    assert.equal(writes.count, 1);
  } finally {
    await close();
  }
});

test('corked frames past 16 KB leave at once, without waiting for the end of the turn', async () => {
  const { channel, writes, received, close } = await channelPair();
  try {
    const kilobyte = 'x'.repeat(1024);
    for (let i = 0; i < 40; i++) channel.send(`${i} ${kilobyte}`);
    // Written before this turn ends: two full 16 KB batches went out while the frames were sent.
    assert.ok(writes.count >= 2, `${writes.count} writes`);
    await until(() => received.length === 40);
    assert.deepEqual(received.map((frame) => frame.split(' ')[0]), Array.from({ length: 40 }, (_, i) => String(i)));
    assert.ok(writes.count <= 4, `${writes.count} writes for 40 KB`);
  } finally {
    await close();
  }
});
