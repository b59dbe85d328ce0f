import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 144 random bits, URL-safe: unguessable, so an id alone never grants anything. */
export function newStreamId(): string {
  return randomBytes(18).toString('base64url');
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
