/**
 * Request bodies for fuzzing, as the bytes a client sends: a valid body of
 * one of the inbound APIs (chat completions, Anthropic Messages, OpenAI
 * Responses) mutated at random or in a chosen way (wrong types, deep
 * nesting, huge strings, prototype keys, invalid UTF-8, not JSON at all).
 * `invalid` says whether the gateway must refuse it; a random mutation may
 * leave a body that is fine.
 */
import fc from 'fast-check';
import { LIMIT_BYTES } from './harness.ts';

export interface FuzzBody {
  what: string;
  /** The endpoint it is for. */
  path: string;
  bytes: Buffer;
  /** The gateway must answer this with a 4xx. */
  invalid: boolean;
}

/** Where each API's bodies go (chat's to either of its endpoints); the message list a mutation may reach into. */
const APIS = {
  chat: { paths: ['/v1/chat/completions', '/v1/streams'], messages: 'messages', extra: {} },
  messages: { paths: ['/v1/messages'], messages: 'messages', extra: { max_tokens: 16 } },
  responses: { paths: ['/v1/responses'], messages: 'input', extra: {} },
} as const;
type Api = keyof typeof APIS;

const FIELDS = ['model', 'messages', 'input', 'system', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'stop', 'tools', 'user', 'metadata', 'response_format', 'sim'];
const MESSAGE_FIELDS = ['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'extra'];
const PLACEHOLDER = '"__FUZZ_VALUE__"';

/** A valid body of an API; streaming ones go to the HTTP upstream, the others to the in-process simulator. */
function base(api: Api, stream: boolean): Record<string, unknown> {
  return { model: stream ? 'up/fuzz' : 'sim/fuzz', [APIS[api].messages]: [{ role: 'user', content: 'Tell me about rivers.' }], ...APIS[api].extra, stream, sim: { tokens: 3 } };
}

/** Where a mutation goes: which API's body, which field (top level or on the first message). */
interface Place {
  api: Api;
  path: string;
  stream: boolean;
  onMessage: boolean;
  top: string;
  inMessage: string;
}

/** A body whose field (at `place`) holds the JSON text `valueJson`. */
function withValue(p: Place, valueJson: string): string {
  const body = base(p.api, p.stream);
  if (p.onMessage) (body[APIS[p.api].messages] as Record<string, unknown>[])[0][p.inMessage] = '__FUZZ_VALUE__';
  else body[p.top] = '__FUZZ_VALUE__';
  return JSON.stringify(body).replace(PLACEHOLDER, valueJson);
}

function fieldOf(p: Place): string {
  return p.onMessage ? `${APIS[p.api].messages}[0].${p.inMessage}` : p.top;
}

const place: fc.Arbitrary<Place> = fc
  .record({ api: fc.constantFrom<Api>('chat', 'chat', 'messages', 'responses'), pick: fc.nat(), stream: fc.boolean(), onMessage: fc.boolean(), top: fc.constantFrom(...FIELDS), inMessage: fc.constantFrom(...MESSAGE_FIELDS) })
  .map(({ pick, ...p }) => ({ ...p, path: APIS[p.api].paths[pick % APIS[p.api].paths.length] }));

/** Any JSON value at a field: wrong types, mostly. */
const wrongType = fc.tuple(place, fc.jsonValue({ maxDepth: 3 })).map(([p, value]): FuzzBody => ({
  what: `${p.api}: ${fieldOf(p)} = ${JSON.stringify(value)?.slice(0, 80)}`,
  path: p.path,
  bytes: Buffer.from(withValue(p, JSON.stringify(value) ?? 'null')),
  invalid: false,
}));

/** Arrays or objects nested past the limit (built as text: too deep for JSON.stringify to write). */
const deepNesting = fc.tuple(place, fc.integer({ min: 65, max: 20_000 }), fc.boolean()).map(([p, depth, arrays]): FuzzBody => {
  const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
  const value = open.repeat(depth) + (arrays ? '' : '1') + close.repeat(depth);
  // Every body is checked for its depth before any API reads it, even at a field the API ignores.
  return { what: `${p.api}: ${fieldOf(p)} nested ${depth} deep`, path: p.path, bytes: Buffer.from(withValue(p, value)), invalid: true };
});

/** A string of some size at a field; past the body limit the body must be refused. */
const hugeString = fc.tuple(place, fc.integer({ min: 1_000, max: LIMIT_BYTES * 2 }), fc.constantFrom('x', 'é', '\u{1F30A}', '\\u0000', '"')).map(([p, size, unit]): FuzzBody => {
  const value = unit === '"' ? JSON.stringify('"'.repeat(size)) : `"${unit.repeat(size)}"`;
  const bytes = Buffer.from(withValue(p, value));
  return { what: `${p.api}: ${fieldOf(p)} = ${size} × ${unit}`, path: p.path, bytes, invalid: bytes.length > LIMIT_BYTES };
});

/** Keys that poison prototypes in careless code, anywhere in the body. */
const prototypeKeys = fc.tuple(place, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 })).map(([p, key, value]): FuzzBody => {
  const inner = `{"${key}":${JSON.stringify(value) ?? 'null'},"polluted":true}`;
  const text = withValue(p, key === 'constructor' ? `{"constructor":{"prototype":${inner}}}` : inner);
  return { what: `${p.api}: ${key} under ${fieldOf(p)}`, path: p.path, bytes: Buffer.from(text), invalid: key === '__proto__' };
});

/** Bytes that are not UTF-8 inside string values, or lone surrogates written as escapes. */
const badText = fc.tuple(place, fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.boolean()).map(([p, noise, escape]): FuzzBody => {
  if (escape) return { what: `${p.api}: ${fieldOf(p)} with a lone surrogate`, path: p.path, bytes: Buffer.from(withValue(p, '"\\ud800 half a pair \\udfff"')), invalid: false };
  const [before, after] = withValue(p, '"@@"').split('@@');
  const invalid = Buffer.from(noise.map((b) => b | 0x80));
  return { what: `${p.api}: ${fieldOf(p)} with bytes ${invalid.toString('hex')}`, path: p.path, bytes: Buffer.concat([Buffer.from(before), invalid, Buffer.from(after)]), invalid: false };
});

/** Not a request body at all: another JSON value, cut-off JSON, or noise. */
const notABody = fc.tuple(place, fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => ({ what: `the value ${JSON.stringify(v)?.slice(0, 60)}`, text: JSON.stringify(v) ?? 'null' })),
  fc.integer({ min: 1, max: 80 }).map((cut) => ({ what: `JSON cut at ${cut}`, text: JSON.stringify(base('chat', false)).slice(0, cut) })),
  fc.uint8Array({ minLength: 0, maxLength: 200 }).map((noise) => ({ what: `noise ${Buffer.from(noise).toString('hex').slice(0, 40)}`, text: Buffer.from(noise).toString('latin1') })),
)).map(([p, body]): FuzzBody => ({ what: `${p.api}: ${body.what}`, path: p.path, bytes: Buffer.from(body.text, 'latin1'), invalid: true }));

/** A counterexample is reported by what it is, not by its (possibly megabytes of) bytes. */
function named(body: FuzzBody): FuzzBody {
  return Object.assign(body, { [fc.toStringMethod]: () => `${body.path} ← ${body.what} (${body.bytes.length} bytes)` });
}

export const fuzzBody: fc.Arbitrary<FuzzBody> = fc.oneof(wrongType, deepNesting, hugeString, prototypeKeys, badText, notABody).map(named);

/** Chat bodies only: what a WebSocket `request` message carries. */
export const fuzzChatBody: fc.Arbitrary<FuzzBody> = fuzzBody.filter((body) => body.path.startsWith('/v1/chat/') || body.path === '/v1/streams');
