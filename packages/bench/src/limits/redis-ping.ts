import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The floor under any Redis-backed admission: one round trip to the same
 * Redis over a plain socket (PING, answered `+PONG`), taken the way the
 * gateway's admissions come in the latency bench, one at a time with the
 * processes idle in between (a stream's length, `gapMs`). On a machine
 * whose cores sleep when idle, each side's wake-up is in this figure, and
 * a limit on Redis cannot add less than it to the first token.
 */
export async function redisPingMs(port: number, count: number, gapMs: number): Promise<number[]> {
  const socket = await open(port);
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      await sleep(gapMs);
      const started = performance.now();
      await pong(socket);
      samples.push(performance.now() - started);
    }
  } finally {
    socket.destroy();
  }
  return samples;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

function pong(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('data', (data) => (data.toString() === '+PONG\r\n' ? resolve() : reject(new Error(`Redis answered PING with ${JSON.stringify(data.toString())}`))));
    socket.write('PING\r\n');
  });
}
