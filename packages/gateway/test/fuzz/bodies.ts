/**
 * Chat request bodies for fuzzing, as the bytes a client sends: a valid body
 * mutated at random or in a chosen way (wrong types, deep nesting, huge
 * strings, prototype keys, invalid UTF-8, not JSON at all). `invalid` says
 * whether the gateway must refuse it; a random mutation may leave a body
 * that is fine.
 */
import fc from 'fast-check';
import { LIMIT_BYTES } from './harness.ts';

export interface FuzzBody {
  what: string;
  bytes: Buffer;
  /** The gateway must answer this with a 4xx. */
  invalid: boolean;
}

const FIELDS = ['model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'stop', 'tools', 'user', 'metadata', 'response_format', 'sim'];
const MESSAGE_FIELDS = ['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'extra'];
const PLACEHOLDER = '"__FUZZ_VALUE__"';

/** A valid body; streaming ones go to the HTTP upstream, the others to the in-process simulator. */
function base(stream: boolean): Record<string, unknown> {
  return { model: stream ? 'up/fuzz' : 'sim/fuzz', messages: [{ role: 'user', content: 'Tell me about rivers.' }], stream, sim: { tokens: 3 } };
}

/** A body whose `field` (top level or on the first message) holds the JSON text `valueJson`. */
function withValue(stream: boolean, field: string, onMessage: boolean, valueJson: string): string {
  const body = base(stream);
  if (onMessage) (body.messages as Record<string, unknown>[])[0][field] = '__FUZZ_VALUE__';
  else body[field] = '__FUZZ_VALUE__';
  return JSON.stringify(body).replace(PLACEHOLDER, valueJson);
}

const place = fc.record({ stream: fc.boolean(), onMessage: fc.boolean(), top: fc.constantFrom(...FIELDS), inMessage: fc.constantFrom(...MESSAGE_FIELDS) });

/** Any JSON value at a field: wrong types, mostly. */
const wrongType = fc.tuple(place, fc.jsonValue({ maxDepth: 3 })).map(([p, value]): FuzzBody => {
  const field = p.onMessage ? p.inMessage : p.top;
  return { what: `${field} = ${JSON.stringify(value)?.slice(0, 80)}`, bytes: Buffer.from(withValue(p.stream, field, p.onMessage, JSON.stringify(value) ?? 'null')), invalid: false };
});

/** Arrays or objects nested past the limit (built as text: too deep for JSON.stringify to write). */
const deepNesting = fc.tuple(place, fc.integer({ min: 65, max: 20_000 }), fc.boolean()).map(([p, depth, arrays]): FuzzBody => {
  const field = p.onMessage ? p.inMessage : p.top;
  const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
  const value = open.repeat(depth) + (arrays ? '' : '1') + close.repeat(depth);
  const text = withValue(p.stream, field, p.onMessage, value);
  // POST /v1/streams sets `stream` itself, so a bad one there is dropped rather than refused.
  return { what: `${field} nested ${depth} deep`, bytes: Buffer.from(text), invalid: field !== 'stream' };
});

/** A string of some size at a field; past the body limit the body must be refused. */
const hugeString = fc.tuple(place, fc.integer({ min: 1_000, max: LIMIT_BYTES * 2 }), fc.constantFrom('x', 'é', '\u{1F30A}', '\\u0000', '"')).map(([p, size, unit]): FuzzBody => {
  const field = p.onMessage ? p.inMessage : p.top;
  const value = unit === '"' ? JSON.stringify('"'.repeat(size)) : `"${unit.repeat(size)}"`;
  const bytes = Buffer.from(withValue(p.stream, field, p.onMessage, value));
  return { what: `${field} = ${size} × ${unit}`, bytes, invalid: bytes.length > LIMIT_BYTES };
});

/** Keys that poison prototypes in careless code, anywhere in the body. */
const prototypeKeys = fc.tuple(place, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 })).map(([p, key, value]): FuzzBody => {
  const field = p.onMessage ? p.inMessage : p.top;
  const inner = `{"${key}":${JSON.stringify(value) ?? 'null'},"polluted":true}`;
  const text = withValue(p.stream, field, p.onMessage, key === 'constructor' ? `{"constructor":{"prototype":${inner}}}` : inner);
  return { what: `${key} under ${field}`, bytes: Buffer.from(text), invalid: key === '__proto__' };
});

/** Bytes that are not UTF-8 inside string values, or lone surrogates written as escapes. */
const badText = fc.tuple(place, fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.boolean()).map(([p, noise, escape]): FuzzBody => {
  const field = p.onMessage ? p.inMessage : p.top;
  if (escape) return { what: `${field} with a lone surrogate`, bytes: Buffer.from(withValue(p.stream, field, p.onMessage, '"\\ud800 half a pair \\udfff"')), invalid: false };
  const [before, after] = withValue(p.stream, field, p.onMessage, '"@@"').split('@@');
  const invalid = Buffer.from(noise.map((b) => b | 0x80));
  return { what: `${field} with bytes ${invalid.toString('hex')}`, bytes: Buffer.concat([Buffer.from(before), invalid, Buffer.from(after)]), invalid: false };
});

/** Not a chat body at all: another JSON value, cut-off JSON, or noise. */
const notABody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v): FuzzBody => ({ what: `the value ${JSON.stringify(v)?.slice(0, 60)}`, bytes: Buffer.from(JSON.stringify(v) ?? 'null'), invalid: true })),
  fc.integer({ min: 1, max: 80 }).map((cut): FuzzBody => ({ what: `JSON cut at ${cut}`, bytes: Buffer.from(JSON.stringify(base(false)).slice(0, cut)), invalid: true })),
  fc.uint8Array({ minLength: 0, maxLength: 200 }).map((noise): FuzzBody => ({ what: `noise ${Buffer.from(noise).toString('hex').slice(0, 40)}`, bytes: Buffer.from(noise), invalid: true })),
);

/** A counterexample is reported by what it is, not by its (possibly megabytes of) bytes. */
function named(body: FuzzBody): FuzzBody {
  return Object.assign(body, { [fc.toStringMethod]: () => `${body.what} (${body.bytes.length} bytes)` });
}

export const fuzzBody: fc.Arbitrary<FuzzBody> = fc.oneof(wrongType, deepNesting, hugeString, prototypeKeys, badText, notABody).map(named);
