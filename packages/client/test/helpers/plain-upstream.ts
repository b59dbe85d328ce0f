/**
 * A plain OpenAI-compatible server on loopback — not sluice: no stream ids,
 * no `id:` lines, no resume. Each test scripts its answers with `respond`,
 * and the server records what it saw: every request with its arrival time,
 * how many were in flight at once, and which clients went away early.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionRequest } from '@sluice/protocol';

export type Answer =
  | { kind: 'error'; status: number; headers?: Record<string, string>; body?: string }
  | {
      kind: 'stream';
      tokens: string[];
      headers?: Record<string, string>;
      /** Milliseconds before the first token and between tokens. */
      ttftMs?: number;
      delayMs?: number;
      /** Send `: ping` this often while otherwise silent. */
      pingEveryMs?: number;
      /** Destroy the connection after this many tokens. */
      cutAfter?: number;
      /** Stop sending (keep the connection open) after this many tokens. */
      stallAfter?: number;
      /** Omit the final `data: [DONE]`. */
      noDone?: boolean;
      /** Send this raw line in place of token number `badAt`. */
      badAt?: number;
    };

export interface SeenRequest {
  n: number;
  at: number;
  body: ChatCompletionRequest;
  headers: IncomingMessage['headers'];
}

export interface PlainUpstream {
  baseURL: string;
  requests: SeenRequest[];
  /** Request numbers whose client left before the response ended. */
  aborted: number[];
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startPlainUpstream(respond: (body: ChatCompletionRequest, n: number) => Answer): Promise<PlainUpstream> {
  const state = { requests: [] as SeenRequest[], aborted: [] as number[], maxInFlight: 0, inFlight: 0 };
  let next = 1;
  const server = createServer((req, res) => {
    const n = next++;
    readBody(req).then((text) => {
      let body: ChatCompletionRequest;
      try {
        body = JSON.parse(text) as ChatCompletionRequest;
      } catch {
        return json(res, 400, { error: { message: 'invalid json', type: 'invalid_request_error', param: null, code: null } });
      }
      state.requests.push({ n, at: performance.now(), body, headers: req.headers });
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on('close', () => {
        state.inFlight--;
        if (!res.writableFinished) state.aborted.push(n);
      });
      void answer(res, body, n, respond(body, n));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get aborted() {
      return state.aborted;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Words of a sentence as stream tokens (each but the first with its leading space). */
export function tokensOf(text: string): string[] {
  return text.split(/(?= )/);
}

async function answer(res: ServerResponse, body: ChatCompletionRequest, n: number, plan: Answer): Promise<void> {
  if (plan.kind === 'error') {
    res.writeHead(plan.status, { 'content-type': 'application/json', ...plan.headers });
    res.end(plan.body ?? JSON.stringify({ error: { message: `scripted ${plan.status}`, type: 'api_error', param: null, code: null } }));
    return;
  }
  const id = `chatcmpl-plain-${n}`;
  const chunk = (choices: unknown[], extra: object = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: body.model, choices, ...extra })}\n\n`;
  const usage = { prompt_tokens: 10, completion_tokens: plan.tokens.length, total_tokens: 10 + plan.tokens.length };
  if (body.stream !== true) {
    return json(res, 200, {
      id, object: 'chat.completion', created: 0, model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: plan.tokens.join('') }, finish_reason: 'stop' }],
      usage,
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...plan.headers });
  const ping = plan.pingEveryMs ? setInterval(() => res.write(': ping\n\n'), plan.pingEveryMs) : null;
  res.on('close', () => ping && clearInterval(ping));
  await wait(plan.ttftMs ?? 0);
  for (let i = 0; i < plan.tokens.length; i++) {
    if (res.destroyed) return;
    if (i === plan.cutAfter) return cut(res);
    if (i === plan.stallAfter) return;
    if (i === plan.badAt) res.write('data: {"this is": not json\n\n');
    else res.write(chunk([{ index: 0, delta: i === 0 ? { role: 'assistant', content: plan.tokens[i] } : { content: plan.tokens[i] }, finish_reason: null }]));
    if (plan.delayMs) await wait(plan.delayMs);
  }
  if (plan.cutAfter === plan.tokens.length) return cut(res);
  res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  if (body.stream_options?.include_usage) res.write(chunk([], { usage }));
  if (ping) clearInterval(ping);
  res.end(plan.noDone ? '' : 'data: [DONE]\n\n');
}

/** End the TCP connection mid-body, after what was written so far has been flushed. */
function cut(res: ServerResponse): void {
  if (res.socket) res.socket.end();
  else res.destroy();
}

function wait(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
