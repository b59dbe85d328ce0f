import type { ChatCompletionRequest } from '@sluice/protocol';
import { z } from 'zod';
import { firstIssue } from '../config/zod-path.ts';
import { InvalidRequestError } from '../errors/index.ts';
import { findShapeProblem } from './json-depth.ts';

const contentPart = z.looseObject({ type: z.string() });

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.looseObject({ id: z.string(), type: z.string(), function: z.looseObject({ name: z.string(), arguments: z.string() }) })).optional(),
  tool_call_id: z.string().optional(),
});

const nullableNumber = (schema: z.ZodNumber) => schema.nullable().optional();

/**
 * The OpenAI chat request, checked where a mistake would otherwise surface
 * as a confusing upstream error; fields it does not name pass through.
 */
const chatRequest = z.looseObject({
  model: z.string().min(1, 'model is required').max(256, 'at most 256 characters'),
  messages: z.array(message).min(1, 'at least one message is required'),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: nullableNumber(z.number().int().positive()),
  max_completion_tokens: nullableNumber(z.number().int().positive()),
  temperature: nullableNumber(z.number().min(0).max(2)),
  top_p: nullableNumber(z.number().min(0).max(1)),
  n: nullableNumber(z.number().int().min(1).max(128)),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  user: z.string().optional(),
});

/** The request, or an InvalidRequestError that names the field. */
export function parseChatRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object with "model" and "messages".');
  }
  const problem = findShapeProblem(body);
  if (problem !== null) throw new InvalidRequestError(`${problem.field}: ${problem.message}.`, problem.field);
  const result = chatRequest.safeParse(body);
  if (!result.success) {
    const { field, message: text } = firstIssue(result.error);
    throw new InvalidRequestError(field === null ? text : `${field}: ${text}`, field);
  }
  return result.data as ChatCompletionRequest;
}
