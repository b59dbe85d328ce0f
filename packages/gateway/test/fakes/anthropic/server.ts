import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventWriter, listenLoopback, readBody, ScriptBook, sendJson, type Match } from '../http.ts';
import { Signer } from '../signer.ts';
import { messageJson, prepareBlocks, streamScript, type PreparedBlock } from './render.ts';
import type { AnthropicScript, AnthropicUsage, ScriptSource } from './script.ts';
import { validateMessagesRequest, type Refusal } from './validate.ts';

export interface FakeAnthropicEvents {
  /** A request that passed validation, as received. */
  request: [{ body: Record<string, unknown>; headers: IncomingMessage['headers'] }];
  /** A request refused the way the real API would refuse it. */
  refused: [Refusal];
  /** The client went away mid-stream, after this many deltas. */
  abort: [{ tokensSent: number }];
}

export interface FakeAnthropic {
  /** The base URL, for the provider's `baseURL` or the SDK's. */
  url: string;
  apiKey: string;
  events: EventEmitter<FakeAnthropicEvents>;
  /** Every accepted request body, in order. */
  received: Record<string, unknown>[];
  /**
   * Answer requests whose last user text is `match` (or for which it
   * returns true) with `script`; later registrations win.
   */
  on(match: Match, script: ScriptSource): void;
  signer: Signer;
  close(): Promise<void>;
}

/**
 * A loopback Anthropic Messages API (`POST /v1/messages`), written from
 * Anthropic's API reference: it checks the key and `anthropic-version`,
 * refuses what the API refuses (see validate.ts), and streams scripted
 * answers in the API's event format, with faults on demand.
 */
export async function startFakeAnthropic(options: { apiKey?: string } = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-fake-key';
  const events = new EventEmitter<FakeAnthropicEvents>();
  const signer = new Signer();
  const received: Record<string, unknown>[] = [];
  const scripts = new ScriptBook<AnthropicScript>(lastUserText);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/messages') return sendJson(res, 404, errorBody('not_found_error', 'Not found'));
    const text = await readBody(req);
    // The API takes the key as x-api-key, or as a bearer token (what its current SDK sends).
    if (req.headers['x-api-key'] !== apiKey && req.headers.authorization !== `Bearer ${apiKey}`) return refuse(res, { status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    if (typeof req.headers['anthropic-version'] !== 'string') return refuse(res, { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return refuse(res, { status: 400, type: 'invalid_request_error', message: 'There was an issue with your request body: not valid JSON' });
    }
    const refusal = validateMessagesRequest(body, signer);
    if (refusal !== null) return refuse(res, refusal);
    received.push(body);
    events.emit('request', { body, headers: req.headers });
    const script = scripts.scriptFor(body, (text) => ({ blocks: [{ type: 'text', text: `You said: ${text}` }] }));
    if (script.status !== undefined) {
      return sendJson(res, script.status, errorBody(script.errorType ?? 'api_error', script.errorMessage ?? `Error ${script.status}`), script.headers ?? {});
    }
    const blocks = prepareBlocks(script.blocks ?? [], signer);
    const usage = script.usage ?? defaultUsage(text, blocks);
    if (body.stream !== true) return sendJson(res, 200, messageJson(String(body.model), blocks, script, usage), { 'request-id': 'req_fake' });
    let sent = 0;
    const writer = new EventWriter(res, () => events.emit('abort', { tokensSent: sent }));
    await streamScript(writer, String(body.model), blocks, script, usage, () => sent++);
  }

  function refuse(res: ServerResponse, refusal: Refusal): void {
    events.emit('refused', refusal);
    sendJson(res, refusal.status, errorBody(refusal.type, refusal.message));
  }

  const { url, close } = await listenLoopback(server);
  return { url, apiKey, events, received, signer, on: (match, script) => scripts.on(match, script), close };
}

function errorBody(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: 'req_fake' };
}

/** The text of the last user message's text blocks. */
export function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
  const last = messages.findLast((m) => m.role === 'user');
  if (last === undefined) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as { type: string; text?: string }[]).filter((b) => b.type === 'text').map((b) => b.text).join('');
}

/** A stand-in for Anthropic's counts: the request's size for input, one token per delta for output. */
function defaultUsage(requestText: string, blocks: PreparedBlock[]): AnthropicUsage {
  return { input_tokens: Math.ceil(requestText.length / 4), output_tokens: blocks.reduce((n, b) => n + b.deltas.length, 0) + 1 };
}

export type { AnthropicScript };
