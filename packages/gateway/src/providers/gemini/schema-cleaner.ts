import { InvalidRequestError } from '../../errors/index.ts';
import { isPlainObject } from '../translation/extras.ts';
import { UntranslatableError } from '../translation/untranslatable.ts';
import type { GeminiSchema } from './wire-types.ts';

/** Keywords Gemini's Schema holds as JSON Schema means them. */
const KEPT = new Set(['description', 'title', 'nullable', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties', 'required', 'propertyOrdering', 'default', 'example']);

/** Keywords Gemini refuses that only annotate or narrow a schema: left out, the model still sees its shape. */
const DROPPED = new Set(['$schema', '$id', '$comment', '$defs', 'definitions', 'additionalProperties', 'unevaluatedProperties', 'examples', 'readOnly', 'writeOnly', 'deprecated', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'uniqueItems', 'contentMediaType', 'contentEncoding', 'strict']);

/** The `format`s Gemini knows; others are hints and left out. */
const FORMATS = new Set(['enum', 'date-time', 'int32', 'int64', 'float', 'double']);

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
const MAX_DEPTH = 32;

/**
 * A JSON Schema (OpenAI's `parameters`, `response_format.json_schema.schema`)
 * as Gemini's Schema: local `$ref`s inlined, `type: [x, "null"]` as
 * `nullable`, `oneOf` and `const` as `anyOf` and `enum`, upper-case types,
 * and the keywords Gemini rejects left out. What has no Gemini form
 * (`not`, tuples, recursive references, non-string enums) is a 400 naming it.
 */
export function toGeminiSchema(schema: unknown, field: string): GeminiSchema {
  if (!isPlainObject(schema)) throw new InvalidRequestError(`${field}: must be a JSON Schema object`, field);
  return clean(schema, field, schema, 0);
}

function clean(schema: Record<string, unknown>, field: string, root: Record<string, unknown>, depth: number): GeminiSchema {
  if (depth > MAX_DEPTH) throw new UntranslatableError(field, 'the schema nests too deep for Gemini (recursive $ref?)');
  if (typeof schema.$ref === 'string') {
    // Keywords beside a $ref (a description, say) apply on top of what it references.
    const { $ref: ref, ...beside } = schema;
    return clean({ ...resolve(ref as string, root, field), ...beside }, field, root, depth + 1);
  }
  const out: GeminiSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    const at = `${field}.${keyword}`;
    if (KEPT.has(keyword)) out[keyword] = value;
    else if (DROPPED.has(keyword)) continue;
    else if (keyword === 'type') Object.assign(out, typeOf(value, at));
    else if (keyword === 'format') {
      if (typeof value === 'string' && FORMATS.has(value)) out.format = value;
    } else if (keyword === 'enum') out.enum = stringEnum(value, at);
    else if (keyword === 'const') out.enum = stringEnum([value], at);
    else if (keyword === 'properties') out.properties = mapObject(value, at, (sub, name) => clean(sub, `${at}.${name}`, root, depth + 1));
    else if (keyword === 'items') {
      if (!isPlainObject(value)) throw new UntranslatableError(at, 'Gemini takes one schema for all items, not a tuple');
      out.items = clean(value, at, root, depth + 1);
    } else if (keyword === 'anyOf' || keyword === 'oneOf') out.anyOf = asList(value, at).map((sub, i) => clean(sub, `${at}[${i}]`, root, depth + 1));
    else if (keyword === 'allOf') {
      const parts = asList(value, at);
      if (parts.length !== 1) throw new UntranslatableError(at, 'Gemini has no allOf; merge the schemas');
      Object.assign(out, clean(parts[0], `${at}[0]`, root, depth + 1));
    } else throw new UntranslatableError(at, `Gemini's schema has no "${keyword}"`);
  }
  return out;
}

/** `"string"` → STRING; `["string", "null"]` → STRING, nullable. */
function typeOf(value: unknown, field: string): GeminiSchema {
  const types = Array.isArray(value) ? value : [value];
  if (!types.every((t) => typeof t === 'string' && TYPES.has(t))) throw new InvalidRequestError(`${field}: not a JSON Schema type`, field);
  const real = (types as string[]).filter((t) => t !== 'null');
  const nullable = real.length < types.length ? { nullable: true } : {};
  if (real.length === 1) return { type: real[0].toUpperCase(), ...nullable };
  if (real.length === 0) throw new UntranslatableError(field, 'Gemini has no null type');
  return { anyOf: real.map((t) => ({ type: t.toUpperCase() })), ...nullable };
}

function stringEnum(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new UntranslatableError(field, 'Gemini takes only string enums');
  return value;
}

function resolve(ref: string, root: Record<string, unknown>, field: string): Record<string, unknown> {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const target = match === null ? undefined : (root[match[1]] as Record<string, unknown> | undefined)?.[decodeURIComponent(match[2])];
  if (!isPlainObject(target)) throw new UntranslatableError(`${field}.$ref`, `only local references to $defs are inlined, and ${JSON.stringify(ref)} is not one`);
  return target;
}

function asList(value: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isPlainObject)) throw new InvalidRequestError(`${field}: must be a list of schemas`, field);
  return value;
}

function mapObject(value: unknown, field: string, map: (sub: Record<string, unknown>, name: string) => GeminiSchema): Record<string, GeminiSchema> {
  if (!isPlainObject(value)) throw new InvalidRequestError(`${field}: must be an object of schemas`, field);
  const out: Record<string, GeminiSchema> = {};
  for (const [name, sub] of Object.entries(value)) {
    if (!isPlainObject(sub)) throw new InvalidRequestError(`${field}.${name}: must be a schema`, `${field}.${name}`);
    // defineProperty, because a property may be called "__proto__".
    Object.defineProperty(out, name, { value: map(sub, name), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
