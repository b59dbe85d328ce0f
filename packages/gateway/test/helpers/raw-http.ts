import { connect, type Socket } from 'node:net';

/** What came back on a raw connection: the first response, parsed, and whether the server closed. */
export interface RawAnswer {
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** Everything received, as text. */
  raw: string;
  /** The server closed the connection (within the wait). */
  closed: boolean;
  /** Milliseconds from the first write to the first byte of the answer (null if none came). */
  firstByteMs: number | null;
}

/**
 * Speak HTTP/1.1 by hand: open a connection, write `parts` (text or bytes,
 * `delayMs` apart), then read until the server closes or `waitMs` passes.
 * For what a client library would never send: malformed requests, bodies
 * that never finish, headers too large. `until` ends the wait early, once
 * what arrived satisfies it.
 */
export function rawHttp(port: number, parts: (string | Buffer)[], options: { delayMs?: number; waitMs?: number; until?: (raw: string) => boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let firstByteAt: number | null = null;
    let startedAt = 0;
    let closed = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      socket.destroy();
      resolve({ ...parse(raw), raw, closed, firstByteMs: firstByteAt === null ? null : firstByteAt - startedAt });
    };
    const timer = setTimeout(finish, options.waitMs ?? 3000);
    socket.on('data', (data: Buffer) => {
      firstByteAt ??= performance.now();
      chunks.push(data);
      if (options.until?.(Buffer.concat(chunks).toString('latin1'))) finish();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      startedAt = performance.now();
      for (const [i, part] of parts.entries()) {
        if (i > 0 && options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (finished || socket.destroyed) return;
        socket.write(part);
      }
    });
    socket.on('timeout', () => reject(new Error('connect timeout')));
  });
}

function parse(raw: string): { status: number | null; headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return { status: null, headers: {}, body: '' };
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(end + 4);
  const length = Number(headers['content-length']);
  if (Number.isFinite(length)) body = Buffer.from(body, 'latin1').subarray(0, length).toString('utf8');
  return { status: Number.isNaN(status) ? null : status, headers, body };
}

/** The OpenAI error of a raw answer's body, or null when the body is not one. */
export function wireErrorOf(answer: RawAnswer): { message: string; type: string; param: string | null; code: string | null } | null {
  try {
    const parsed = JSON.parse(answer.body) as { error?: { message: string; type: string; param: string | null; code: string | null } };
    return parsed.error !== undefined && typeof parsed.error.message === 'string' ? parsed.error : null;
  } catch {
    return null;
  }
}

/** An `until` for rawHttp: one whole response with a Content-Length has arrived. */
export function responseComplete(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end + 2))?.[1];
  return length !== undefined && Buffer.byteLength(raw.slice(end + 4), 'latin1') >= Number(length);
}
