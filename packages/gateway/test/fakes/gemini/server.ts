import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventWriter, listenLoopback, pause, readBody, ScriptBook, sendJson, type Match } from '../http.ts';
import { Signer } from '../signer.ts';
import { scriptChunks, wholeAnswer } from './render.ts';
import type { GeminiScript, GeminiUsage, ScriptSource } from './script.ts';
import { validateGenerateContent, type Refusal } from './validate.ts';

export interface FakeGeminiEvents {
  request: [{ body: Record<string, unknown>; model: string; method: string; headers: IncomingMessage['headers'] }];
  refused: [Refusal];
  /** The client went away mid-stream, after this many chunks. */
  abort: [{ tokensSent: number }];
}

export interface FakeGemini {
  url: string;
  apiKey: string;
  events: EventEmitter<FakeGeminiEvents>;
  received: Record<string, unknown>[];
  /** Answer requests whose last user text is `match` (or for which it returns true) with `script`; later registrations win. */
  on(match: Match, script: ScriptSource): void;
  signer: Signer;
  close(): Promise<void>;
}

const ROUTE = /^\/(?:v1|v1beta)\/models\/([^/:?]+):(streamGenerateContent|generateContent)(\?.*)?$/;

/**
 * A loopback Gemini API, written from Google's API reference:
 * `POST /v1beta/models/{model}:generateContent` (or `/v1/…`) and
 * `:streamGenerateContent` (SSE with `alt=sse`, else a streamed JSON list),
 * keyed by `x-goog-api-key` (or `?key=`). It refuses what the API refuses
 * (see validate.ts) and answers scripted chunks, with faults on demand.
 */
export async function startFakeGemini(options: { apiKey?: string } = {}): Promise<FakeGemini> {
  const apiKey = options.apiKey ?? 'fake-gemini-key';
  const events = new EventEmitter<FakeGeminiEvents>();
  const signer = new Signer();
  const received: Record<string, unknown>[] = [];
  const scripts = new ScriptBook<GeminiScript>(lastUserText);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = req.method === 'POST' ? ROUTE.exec(req.url ?? '') : null;
    if (route === null) return refuse(res, { status: 404, googleStatus: 'NOT_FOUND', message: `The requested URL ${req.url} was not found on this server.` });
    const [, model, method, query = ''] = route;
    const params = new URLSearchParams(query.slice(1));
    const text = await readBody(req);
    const key = req.headers['x-goog-api-key'] ?? params.get('key');
    if (key === undefined || key === null) return refuse(res, { status: 403, googleStatus: 'PERMISSION_DENIED', message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API." });
    if (key !== apiKey) return refuse(res, { status: 400, googleStatus: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return refuse(res, { status: 400, googleStatus: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received.' });
    }
    const refusal = validateGenerateContent(body, signer);
    if (refusal !== null) return refuse(res, refusal);
    received.push(body);
    events.emit('request', { body, model, method, headers: req.headers });
    const script = scripts.scriptFor(body, (said) => ({ parts: [{ text: `You said: ${said}` }] }));
    if (script.status !== undefined) return sendError(res, script);
    if (script.blockReason !== undefined) {
      const blocked = { promptFeedback: { blockReason: script.blockReason }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } };
      return method === 'generateContent' ? sendJson(res, 200, blocked) : streamChunks(res, [blocked], script, params.get('alt') === 'sse');
    }
    const candidates = ((body.generationConfig as { candidateCount?: number } | undefined)?.candidateCount ?? 1);
    const chunks = scriptChunks(script, model, script.usage ?? defaultUsage(text, script), signer, candidates);
    if (method === 'generateContent' || script.asJson === true) return sendJson(res, 200, wholeAnswer(chunks));
    await streamChunks(res, chunks, script, params.get('alt') === 'sse');
  }

  async function streamChunks(res: ServerResponse, chunks: Record<string, unknown>[], script: GeminiScript, sse: boolean): Promise<void> {
    let sent = 0;
    const writer = new EventWriter(res, () => events.emit('abort', { tokensSent: sent }));
    if (!sse) await writer.write('[');
    for (const [i, chunk] of chunks.entries()) {
      // A fault takes its place on the timeline as the next chunk would.
      await pause(script.delayMs ?? 0, writer.aborted);
      if (writer.aborted.aborted) return;
      if (script.dropAfterChunks === sent) return writer.cut();
      if (script.streamError?.afterChunks === sent) {
        const { code, status, message = 'The model is overloaded.' } = script.streamError;
        await writer.write(sse ? `data: ${JSON.stringify({ error: { code, message, status } })}\r\n\r\n` : `${i === 0 ? '' : ',\r\n'}${JSON.stringify({ error: { code, message, status } })}]`);
        return writer.end();
      }
      if (script.stallAfterChunks === sent) return void (await new Promise<void>((resolve) => writer.aborted.addEventListener('abort', () => resolve(), { once: true })));
      await writer.write(sse ? `data: ${JSON.stringify(chunk)}\r\n\r\n` : `${i === 0 ? '' : ',\r\n'}${JSON.stringify(chunk)}`);
      sent++;
    }
    if (!sse) await writer.write(']');
    writer.end();
  }

  function sendError(res: ServerResponse, script: GeminiScript): void {
    const status = script.status!;
    const details = script.retryDelay === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: script.retryDelay }];
    sendJson(res, status, { error: { code: status, message: script.errorMessage ?? `Error ${status}`, status: script.googleStatus ?? 'INTERNAL', ...(details.length > 0 ? { details } : {}) } });
  }

  function refuse(res: ServerResponse, refusal: Refusal): void {
    events.emit('refused', refusal);
    sendJson(res, refusal.status, { error: { code: refusal.status, message: refusal.message, status: refusal.googleStatus } });
  }

  const { url, close } = await listenLoopback(server);
  return { url, apiKey, events, received, signer, on: (match, script) => scripts.on(match, script), close };
}

/** The text parts of the last user content that has any. */
export function lastUserText(body: Record<string, unknown>): string {
  const contents = (body.contents as { role?: string; parts: { text?: string }[] }[] | undefined) ?? [];
  const last = contents.findLast((c) => c.role !== 'model' && c.parts.some((p) => typeof p.text === 'string'));
  return last?.parts.map((p) => p.text ?? '').join('') ?? '';
}

/** A stand-in for Gemini's counts: the request's size for the prompt, one token per answer piece. */
function defaultUsage(requestText: string, script: GeminiScript): GeminiUsage {
  return { promptTokenCount: Math.ceil(requestText.length / 4), candidatesTokenCount: Math.max(1, (script.parts ?? []).length) };
}
