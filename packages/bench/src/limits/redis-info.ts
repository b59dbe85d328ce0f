import { connect } from 'node:net';

/**
 * `INFO <section>` from a Redis server over a plain socket (the bench keeps
 * no Redis client of its own): the inline command, and the bulk string it
 * answers. Retries until the server accepts connections.
 */
export async function redisInfo(port: number, section: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await once(port, section);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function once(port: number, section: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`INFO ${section}\r\n`));
    let reply = '';
    socket.on('data', (data) => {
      reply += data.toString();
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (header !== null && Buffer.byteLength(reply) >= header[0].length + Number(header[1])) {
        socket.end();
        resolve(reply.slice(header[0].length));
      }
    });
    socket.on('error', reject);
  });
}
