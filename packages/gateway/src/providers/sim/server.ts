import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionRequest } from '@sluice/protocol';
import { FaultCounter, readSimControls, type SimControls } from './controls.ts';
import { REASONING_BLOCKS } from '../../events/reasoning.ts';
import { simErrorBody, simFinishReason, simUsage } from './generator.ts';
import { simScript } from './script.ts';

export interface SimServerEvents {
  request: [{ requestId: number; body: ChatCompletionRequest; headers: IncomingHttpHeaders }];
  /** The client went away before the response ended. */
  abort: [{ requestId: number; tokensSent: number }];
  complete: [{ requestId: number }];
}

export interface SimServer {
  url: string;
  baseURL: string;
  /**
   * Controls this server applies to every request from now on, over what
   * each body's `sim` field says (undefined: the bodies' own again). Makes
   * one of several upstreams slow or failing, as a deployment can be.
   */
  setControls(controls: Record<string, unknown> | undefined): void;
  events: EventEmitter<SimServerEvents>;
  /** Connections open to the simulator right now. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The simulator as a standalone OpenAI-compatible HTTP upstream (`sluice sim`),
 * built on bare `node:http` so that it is a faithful, independent peer for
 * the gateway's HTTP adapter, and records every request and abort.
 */
export async function startSimServer(options: { port?: number; host?: string } = {}): Promise<SimServer> {
  const events = new EventEmitter<SimServerEvents>();
  const faults = new FaultCounter();
  let nextId = 1;
  let overrides: Record<string, unknown> | undefined;
  const server: Server = createServer((req, res) => {
    handle(req, res, nextId++, events, faults, overrides).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'server_error', param: null, code: null } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    events,
    setControls: (controls) => (overrides = controls),
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, requestId: number, events: EventEmitter<SimServerEvents>, faults: FaultCounter, overrides: Record<string, unknown> | undefined): Promise<void> {
  if (req.method === 'GET' && req.url === '/v1/models') {
    return sendJson(res, 200, { object: 'list', data: [{ id: 'sim', object: 'model', created: 0, owned_by: 'sluice' }] });
  }
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    return sendJson(res, 404, { error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } });
  }
  let body: ChatCompletionRequest;
  let controls: SimControls;
  try {
    body = JSON.parse(await readBody(req)) as ChatCompletionRequest;
    const own = (body as { sim?: unknown }).sim;
    controls = readSimControls(overrides === undefined ? body : { sim: { ...(typeof own === 'object' ? own : {}), ...overrides } });
  } catch (error) {
    return sendJson(res, 400, { error: { message: `bad request: ${(error as Error).message}`, type: 'invalid_request_error', param: null, code: null } });
  }
  const unexpected = unexpectedMessageField(body);
  if (unexpected !== null) return sendJson(res, 400, { error: { message: unexpected, type: 'invalid_request_error', param: null, code: null } });
  events.emit('request', { requestId, body, headers: req.headers });
  const faulted = faults.applies(controls.fault);
  const fault = faulted ? controls.fault : undefined;
  if (fault?.status !== undefined) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    res.writeHead(fault.status, headers);
    res.end(fault.body ?? simErrorBody(fault.status));
    return;
  }
  const abort = new AbortController();
  let tokensSent = 0;
  res.on('close', () => {
    if (!res.writableFinished) {
      abort.abort();
      events.emit('abort', { requestId, tokensSent });
    }
  });
  const id = `chatcmpl-sim${requestId}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choice: object, extra = '') => `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(body.model)},"choices":[${JSON.stringify(choice)}]${extra}}\n\n`;
  const stream = body.stream === true;
  let text = '';
  let reasoning = '';
  const calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  let sentRole = false;
  const write = async (delta: Record<string, unknown>) => {
    if (!sentRole) delta = { role: 'assistant', ...delta };
    sentRole = true;
    if (!res.write(chunk({ index: 0, delta, finish_reason: null }))) await drained(res, abort.signal);
  };
  if (stream) {
    // Real upstreams answer their headers at once and the first token later.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
  }
  try {
    for await (const step of simScript(body, controls, faulted, abort.signal)) {
      if (step.kind === 'token') {
        if (stream) await write({ content: step.text });
        else text += step.text;
        tokensSent++;
      } else if (step.kind === 'reasoning') {
        if (stream) await write({ reasoning_content: step.text });
        else reasoning += step.text;
      } else if (step.kind === 'tool_call') {
        // OpenAI's shape: the first delta of a call has its id, type and name; the next ones add arguments.
        const call = step.first ? { index: step.index, id: step.id, type: 'function', function: { name: step.name, arguments: step.arguments } } : { index: step.index, function: { arguments: step.arguments } };
        if (stream) await write({ tool_calls: [call] });
        if (step.first) calls.push({ id: step.id, type: 'function', function: { name: step.name, arguments: step.arguments } });
        else calls[step.index].function.arguments += step.arguments;
      } else if (step.kind === 'drop') {
        res.destroy();
        return;
      } else if (step.kind === 'malformed') {
        res.write('data: {"id": this is not json\n\n');
        res.end();
        return;
      } else if (step.kind === 'end') {
        const usage = simUsage(body, controls, step.completionTokens, step.reasoningTokens);
        const finishReason = simFinishReason(controls);
        if (stream) {
          res.write(chunk({ index: 0, delta: {}, finish_reason: finishReason }));
          if (controls.usage && body.stream_options?.include_usage === true) {
            res.write(`data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(body.model)},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`);
          }
          res.end('data: [DONE]\n\n');
        } else {
          const completion = {
            id,
            object: 'chat.completion',
            created,
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: calls.length > 0 && text === '' ? null : text, ...(reasoning === '' ? {} : { reasoning_content: reasoning }), ...(calls.length === 0 ? {} : { tool_calls: calls }) }, finish_reason: finishReason }],
            ...(controls.usage ? { usage } : {}),
          };
          sendJson(res, 200, completion);
        }
        events.emit('complete', { requestId });
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
}

/**
 * What an OpenAI-compatible API refuses in a message: fields it does not
 * define, such as sluice's internal reasoning blocks and tool-call
 * signatures, which a gateway must not forward (OpenAI answers 400
 * "Additional properties are not allowed").
 */
function unexpectedMessageField(body: ChatCompletionRequest): string | null {
  for (const [i, message] of (Array.isArray(body.messages) ? body.messages : []).entries()) {
    if (REASONING_BLOCKS in message) return `Additional properties are not allowed ('${REASONING_BLOCKS}' was unexpected) - 'messages.${i}'`;
    for (const [j, call] of (message.tool_calls ?? []).entries()) {
      if ('signature' in call) return `Additional properties are not allowed ('signature' was unexpected) - 'messages.${i}.tool_calls.${j}'`;
    }
  }
  return null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
