import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

const ID_BYTES = 18;
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

/**
 * 144 random bits, URL-safe: unguessable, so an id alone never grants
 * anything. The bits come from a pool refilled 256 ids at a time, so a new
 * stream costs no system call of its own.
 */
export function newStreamId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

/**
 * Per-stream read/cancel tokens: an HMAC of the stream id under a server
 * secret, so any replica holding the same secret can check them without
 * storing anything.
 */
export class StreamTokens {
  readonly #secret: Buffer;

  constructor(secret: string | undefined) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  issue(streamId: string): string {
    return createHmac('sha256', this.#secret).update(streamId).digest('base64url');
  }

  verify(streamId: string, token: string): boolean {
    const expected = Buffer.from(this.issue(streamId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
