/**
 * WebSocket abuse: garbage frames (random text, JSON of the wrong shape,
 * binary, invalid UTF-8, frames over the size limit) and mutated chat
 * bodies in `request` messages, on `sluice.v1` and plain sockets. Every
 * refusal is an error in the OpenAI shape with a client's code, the socket
 * is closed only for what the protocol says (1007 invalid UTF-8, 1009 too
 * big), never with 1011, and the gateway is left as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { fuzzChatBody } from './bodies.ts';
import { assertHealthy, LIMIT_BYTES, runs, SEED, useFuzzGateway } from './harness.ts';
import { wsURL } from '../helpers/ws.ts';

/**
 * Error codes a server or upstream fault carries: client input must never get them. (`upstream_error`
 * is also the code of an upstream's own 4xx passed on, which keeps the upstream's error type: a
 * refusal of the client's input, so it is judged by its type.)
 */
const SERVER_CODES = new Set(['internal_error', 'upstream_unavailable', 'upstream_timeout', 'upstream_malformed', 'upstream_disconnected']);
const SERVER_TYPES = new Set(['server_error', 'upstream_error']);
/** What a frame of the case is. */
type Frame = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Buffer } | { kind: 'bad-utf8'; bytes: Buffer } | { kind: 'huge' } | { kind: 'request'; body: Buffer };

const message = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 60 }),
  fc.record({ type: fc.constantFrom('request', 'cancel', 'resume', 'ping', 'pong', 'chunk', '__proto__', ''), id: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)), streamId: fc.string({ maxLength: 70 }), after: fc.oneof(fc.integer(), fc.double(), fc.string()), body: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m)),
);
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { arbitrary: message.map((text): Frame => ({ kind: 'text', text })), weight: 8 },
  { arbitrary: fuzzChatBody.map((b): Frame => ({ kind: 'request', body: b.bytes })), weight: 8 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ kind: 'binary', bytes: Buffer.from(bytes) })), weight: 2 },
  // The two that close the socket are rarer, so the frames after them in a case still get played.
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes): Frame => ({ kind: 'bad-utf8', bytes: Buffer.concat([Buffer.from('{"type":"ping","x":"'), Buffer.from(bytes.map((b) => (b % 2 === 0 ? 0xc0 : 0xff))), Buffer.from('"}')]) })),
  { arbitrary: fc.constant<Frame>({ kind: 'huge' }), weight: 1 },
);
const socketCase = fc.record({ mode: fc.constantFrom('sluice.v1', 'plain'), frames: fc.array(frame, { minLength: 1, maxLength: 5 }) }).map((c) =>
  Object.assign(c, { [fc.toStringMethod]: () => `${c.mode}: ${c.frames.map((f) => (f.kind === 'text' ? `text ${f.text.slice(0, 80)}` : f.kind === 'request' ? `request ${f.body.subarray(0, 80).toString()}… (${f.body.length} bytes)` : f.kind)).join(' | ')}` }),
);

const fuzz = useFuzzGateway();

/** Send the frames; gather what comes back until every frame has had its answer, or the server closed the socket. */
async function play(mode: string, frames: Frame[]): Promise<{ messages: unknown[]; closeCode: number | null }> {
  const ws = new WebSocket(wsURL(fuzz.gateway, mode === 'plain' ? '?model=sim/plain' : ''), mode === 'plain' ? [] : ['sluice.v1']);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const messages: unknown[] = [];
  let closeCode: number | null = null;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3_000);
    let answered = 0;
    // Each frame gets exactly one final answer: an error (refused), a done or error (sluice.v1 request), or the finish chunk (plain).
    ws.on('message', (data) => {
      const parsed: unknown = JSON.parse(String(data));
      messages.push(parsed);
      if (isFinal(parsed, mode) && ++answered >= frames.length) {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.once('close', (code) => {
      closeCode = code;
      clearTimeout(timer);
      resolve();
    });
  });
  frames.forEach((f, i) => {
    if (f.kind === 'text') ws.send(f.text);
    else if (f.kind === 'binary') ws.send(f.bytes, { binary: true });
    else if (f.kind === 'bad-utf8') ws.send(f.bytes, { binary: false });
    else if (f.kind === 'huge') ws.send('x'.repeat(LIMIT_BYTES + 1));
    else if (mode === 'plain') ws.send(f.body, { binary: false });
    else ws.send(Buffer.concat([Buffer.from(`{"type":"request","id":"f${i}","body":`), f.body, Buffer.from('}')]), { binary: false });
  });
  await done;
  ws.terminate();
  return { messages, closeCode };
}

/** A message that ends the answer to one frame. */
function isFinal(message: unknown, mode: string): boolean {
  const m = message as { type?: string; seq?: number; error?: unknown; choices?: { finish_reason?: string | null }[] };
  if (mode === 'plain') return m.error !== undefined || (m.choices ?? []).some((c) => c.finish_reason != null) || m.type === 'pong';
  return m.type === 'done' || m.type === 'error' || m.type === 'pong';
}

test(`garbage frames and mutated requests on WebSockets (seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(socketCase, async ({ mode, frames }) => {
      const { messages, closeCode } = await play(mode, frames);
      for (const m of messages) {
        const error = (m as { error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown } }).error;
        if (error === undefined) continue;
        assert.ok(typeof error.message === 'string' && typeof error.type === 'string' && 'param' in error && 'code' in error, `an OpenAI error: ${JSON.stringify(m).slice(0, 200)}`);
        assert.ok(!SERVER_CODES.has(String(error.code)) && !SERVER_TYPES.has(String(error.type)), `client input got a server error: ${JSON.stringify(m).slice(0, 300)}`);
      }
      if (closeCode !== null) assert.ok([1007, 1009].includes(closeCode), `closed with ${closeCode}`);
      await assertHealthy(fuzz.gateway, fuzz.baseline);
    }),
    runs(200),
  );
});
