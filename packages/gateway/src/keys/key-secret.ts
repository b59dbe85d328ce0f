import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'sk-sluice-';
/** `sk-sluice-<16 hex id>-<43 base64url characters: 256 random bits>`. */
const MANAGED_KEY = /^sk-sluice-([0-9a-f]{16})-([A-Za-z0-9_-]{43})$/;

/** A new key: its id (safe to log and show), its secret, and the string the client sends, shown once. */
export function newKeySecret(): { id: string; secret: string; key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `${PREFIX}${id}-${secret}` };
}

/** The id and secret of a string shaped like a managed key, or null. */
export function parseManagedKey(key: string): { id: string; secret: string } | null {
  const match = MANAGED_KEY.exec(key);
  return match === null ? null : { id: match[1], secret: match[2] };
}

/** What the store keeps of a secret. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
