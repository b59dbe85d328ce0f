import { createHash, timingSafeEqual } from 'node:crypto';
import type { SluiceConfig } from '../config/schema.ts';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The admin key, read once from the environment variable `admin.keyEnv`
 * names. It opens `/admin/*` and nothing else: the key ring never knows it,
 * so it has no chat access. Compared as SHA-256 digests in constant time.
 */
export class AdminKey {
  readonly #digest: Buffer;

  private constructor(key: string) {
    this.#digest = digest(key);
  }

  /** The admin key of this config, or null when the admin API is off (no `admin` block, or its variable unset). */
  static from(config: SluiceConfig, env: NodeJS.ProcessEnv): AdminKey | null {
    const key = config.admin === undefined ? undefined : env[config.admin.keyEnv];
    return key ? new AdminKey(key) : null;
  }

  /** Whether `key` is the admin key. */
  verify(key: string): boolean {
    return timingSafeEqual(this.#digest, digest(key));
  }

  /** Whether an `Authorization` header value is `Bearer <admin key>`. */
  verifyAuthorization(authorization: string | undefined): boolean {
    const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
    return match !== null && this.verify(match[1]);
  }
}
