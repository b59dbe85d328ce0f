import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque signatures a fake hands out and checks, the way a provider signs
 * the reasoning it needs back: a signature verifies only for exactly the
 * content it was made for, so a client that alters, drops or misplaces it
 * is caught.
 */
export class Signer {
  readonly #key = randomBytes(32);

  sign(kind: string, content: string): string {
    const nonce = randomBytes(12);
    return Buffer.concat([nonce, this.#mac(kind, content, nonce)]).toString('base64');
  }

  verify(kind: string, content: string, signature: unknown): boolean {
    if (typeof signature !== 'string') return false;
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.length !== 12 + 32) return false;
    return timingSafeEqual(bytes.subarray(12), this.#mac(kind, content, bytes.subarray(0, 12)));
  }

  #mac(kind: string, content: string, nonce: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(kind).update('\u0000').update(nonce).update(content).digest();
  }
}

/** An id in a provider's style: a prefix and random letters. */
export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`;
}
