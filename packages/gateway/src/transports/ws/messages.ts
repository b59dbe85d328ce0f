import type { WsClientMessage } from '@sluice/protocol';
import { z } from 'zod';
import { firstIssue } from '../../config/zod-path.ts';
import { InvalidMessageError } from './errors.ts';

const id = z.string().min(1, 'must be a non-empty string').max(256, 'must be at most 256 characters');

// The request body is only checked to be an object here; the chat request
// validation shared with the HTTP endpoint names its bad fields.
const schemas = {
  request: z.strictObject({
    type: z.literal('request'),
    id,
    body: z.record(z.string(), z.unknown()),
    resumable: z.boolean().optional(),
    // Strings of a header's size; a malformed trace context is ignored where it is read (trace-context.ts), as on HTTP.
    traceparent: z.string().max(512).optional(),
    tracestate: z.string().max(8192).optional(),
  }),
  cancel: z.strictObject({ type: z.literal('cancel'), id }),
  resume: z.strictObject({
    type: z.literal('resume'),
    id,
    streamId: z.string().min(1).max(256),
    after: z.number().int().nonnegative(),
    token: z.string().max(1024).optional(),
  }),
  ping: z.strictObject({ type: z.literal('ping') }),
} as const;

const TYPES = Object.keys(schemas).join(', ');

/** A `sluice.v1` client message from a text frame; throws InvalidMessageError naming what is wrong. */
export function parseClientMessage(text: string): WsClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidMessageError('The frame is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidMessageError(`A message is a JSON object with a "type" (${TYPES}).`);
  }
  const record = value as Record<string, unknown>;
  const messageId = typeof record.id === 'string' && record.id.length > 0 && record.id.length <= 256 ? record.id : null;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    throw new InvalidMessageError(`Unknown message type ${JSON.stringify(type ?? null)}; expected one of ${TYPES}.`, messageId, 'type');
  }
  const result = schemas[type as keyof typeof schemas].safeParse(value);
  if (!result.success) {
    const { field, message } = firstIssue(result.error);
    throw new InvalidMessageError(field === null ? message : `${field}: ${message}`, messageId, field);
  }
  return result.data as WsClientMessage;
}
