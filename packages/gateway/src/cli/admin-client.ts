/** What every admin command takes: where the gateway is, its admin key, and how to print. */
export interface AdminOptions {
  url?: string;
  adminKey?: string;
  json?: boolean;
}

/** A refusal or failure the command prints as `sluice: <message>` before exiting with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * The admin API over HTTP, as the CLI uses it: `--url` or SLUICE_URL
 * (default the local gateway), `--admin-key` or SLUICE_ADMIN_KEY. An error answer becomes a
 * CliError carrying the gateway's own message.
 */
export class AdminClient {
  readonly #base: string;
  readonly #key: string;

  /** Throws CliError (exit 2) for a missing admin key or a URL that is not one. */
  constructor(options: AdminOptions, env: NodeJS.ProcessEnv = process.env) {
    const key = options.adminKey ?? env.SLUICE_ADMIN_KEY;
    if (key === undefined || key === '') throw new CliError('the admin key is missing: pass --admin-key or set SLUICE_ADMIN_KEY', 2);
    let base: URL;
    try {
      base = new URL(options.url ?? env.SLUICE_URL ?? 'http://127.0.0.1:8787');
    } catch {
      throw new CliError(`--url: "${options.url}" is not a URL`, 2);
    }
    // Accept the gateway's URL or its OpenAI base URL (…/v1) alike.
    this.#base = base.origin + base.pathname.replace(/\/(v1\/?)?$/, '');
    this.#key = key;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach ${this.#base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    let answer: unknown = null;
    try {
      answer = text === '' ? null : JSON.parse(text);
    } catch {
      throw new CliError(`${this.#base} answered ${response.status} with something other than JSON`);
    }
    if (!response.ok) {
      const error = (answer as { error?: { message?: string } } | null)?.error;
      const hint = response.status === 404 && path.startsWith('/admin/') && error?.message?.startsWith('Unknown path') ? ' (is the admin API on? it needs admin.keyEnv in the config)' : '';
      throw new CliError(`${response.status}: ${error?.message ?? text}${hint}`);
    }
    return answer as T;
  }
}
