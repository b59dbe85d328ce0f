/**
 * Which browser pages may call the gateway: `server.corsOrigins`, or by
 * default, loopback pages only on a gateway without keys (any web page the
 * user visits could otherwise spend its provider keys) and any page on a
 * gateway with keys (a page needs a key to do anything).
 *
 * An entry is `*`, an origin (`https://app.example`), or an origin with any
 * port (`http://localhost:*`). A page on the gateway's own origin is always
 * allowed.
 */
export const LOOPBACK_ORIGINS: readonly string[] = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*', 'https://localhost:*', 'https://127.0.0.1:*', 'https://[::1]:*'];

export class OriginPolicy {
  readonly any: boolean;
  readonly #exact: ReadonlySet<string>;
  /** `scheme://host:` prefixes of the entries that allow any port. */
  readonly #anyPort: readonly string[];

  constructor(entries: readonly string[]) {
    this.any = entries.includes('*');
    this.#exact = new Set(entries.filter((e) => !e.endsWith(':*')));
    this.#anyPort = entries.filter((e) => e.endsWith(':*')).map((e) => e.slice(0, -1));
  }

  /** The configured list, or the default for a gateway with or without keys. */
  static for(configured: readonly string[] | undefined, keyless: boolean): OriginPolicy {
    return new OriginPolicy(configured ?? (keyless ? LOOPBACK_ORIGINS : ['*']));
  }

  /** Whether a page at `origin` may call; `ownOrigin` is the gateway's origin as the request addressed it. */
  allows(origin: string, ownOrigin?: string): boolean {
    if (this.any || this.#exact.has(origin) || origin === ownOrigin) return true;
    return this.#anyPort.some((prefix) => origin.startsWith(prefix) && /^\d{1,5}$/.test(origin.slice(prefix.length)));
  }
}
