import type { ChatCompletionRequest } from '@sluice/protocol';
import { formatPath } from '../config/zod-path.ts';
import { InvalidRequestError } from '../errors/index.ts';
import { findShapeProblem } from './json-depth.ts';
import { ChatShape, type Path } from './chat-shape.ts';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * The OpenAI chat request, checked where a mistake would otherwise surface
 * as a confusing upstream error; fields it does not name pass through.
 *
 * Written out by hand rather than as a schema: it runs on every request
 * before the upstream is asked, where a schema library's general walk took
 * about 60 µs (its code is cold by the time the next request comes) against
 * a few µs for these checks. The messages keep the wording of the config's
 * schema errors (`field: Invalid input: expected string, received number`).
 */
export function parseChatRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object with "model" and "messages".');
  }
  const problem = findShapeProblem(body);
  if (problem !== null) throw new InvalidRequestError(`${problem.field}: ${problem.message}.`, problem.field);
  const failed = checkChatRequest(body as Record<string, unknown>);
  if (failed !== null) {
    const field = formatPath(failed.path);
    throw new InvalidRequestError(field === '' ? failed.message : `${field}: ${failed.message}`, field === '' ? null : field);
  }
  return { ...body } as ChatCompletionRequest;
}

/** The first thing wrong with a chat request, or null. */
function checkChatRequest(body: Record<string, unknown>): { path: Path; message: string } | null {
  const shape = new ChatShape();
  const { model, messages } = body;
  if (shape.string(['model'], model) && (model as string).length === 0) shape.fail(['model'], 'model is required');
  else if (typeof model === 'string' && model.length > 256) shape.fail(['model'], 'at most 256 characters');
  if (shape.failure === null && shape.array(['messages'], messages)) {
    const list = messages as unknown[];
    if (list.length === 0) shape.fail(['messages'], 'at least one message is required');
    for (let i = 0; i < list.length && shape.failure === null; i++) checkMessage(shape, ['messages', i], list[i]);
  }
  if (shape.failure !== null) return shape.failure;
  shape.optional(['stream'], body.stream, (path, value) => shape.boolean(path, value));
  shape.nullable(['stream_options'], body.stream_options, (path, value) => {
    if (shape.object(path, value)) shape.optional([...path, 'include_usage'], (value as Record<string, unknown>).include_usage, (at, v) => shape.boolean(at, v));
  });
  shape.nullable(['max_tokens'], body.max_tokens, (path, value) => shape.number(path, value, { int: true, above: 0 }));
  shape.nullable(['max_completion_tokens'], body.max_completion_tokens, (path, value) => shape.number(path, value, { int: true, above: 0 }));
  shape.nullable(['temperature'], body.temperature, (path, value) => shape.number(path, value, { min: 0, max: 2 }));
  shape.nullable(['top_p'], body.top_p, (path, value) => shape.number(path, value, { min: 0, max: 1 }));
  shape.nullable(['n'], body.n, (path, value) => shape.number(path, value, { int: true, min: 1, max: 128 }));
  shape.nullable(['stop'], body.stop, (path, value) => {
    if (typeof value === 'string') return;
    if (!Array.isArray(value)) return shape.fail(path, `Invalid input: expected string or array, received ${ChatShape.received(value)}`);
    if (value.length > 4) return shape.fail(path, 'Too big: expected array to have <=4 items');
    for (let i = 0; i < value.length; i++) shape.string([...path, i], value[i]);
  });
  shape.optional(['tools'], body.tools, (path, value) => {
    if (!shape.array(path, value)) return;
    const tools = value as unknown[];
    for (let i = 0; i < tools.length; i++) if (shape.object([...path, i], tools[i])) shape.string([...path, i, 'type'], (tools[i] as Record<string, unknown>).type);
  });
  shape.optional(['user'], body.user, (path, value) => shape.string(path, value));
  return shape.failure;
}

function checkMessage(shape: ChatShape, path: Path, value: unknown): void {
  if (!shape.object(path, value)) return;
  const message = value as Record<string, unknown>;
  if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
    return shape.fail([...path, 'role'], `Invalid option: expected one of ${[...ROLES].map((role) => `"${role}"`).join('|')}`);
  }
  shape.nullable([...path, 'content'], message.content, (at, content) => {
    if (typeof content === 'string') return;
    if (!Array.isArray(content)) return shape.fail(at, `Invalid input: expected string, array or null, received ${ChatShape.received(content)}`);
    for (let i = 0; i < content.length; i++) if (shape.object([...at, i], content[i])) shape.string([...at, i, 'type'], (content[i] as Record<string, unknown>).type);
  });
  shape.optional([...path, 'name'], message.name, (at, name) => shape.string(at, name));
  shape.optional([...path, 'tool_calls'], message.tool_calls, (at, calls) => {
    if (!shape.array(at, calls)) return;
    const list = calls as unknown[];
    for (let i = 0; i < list.length; i++) {
      const call = [...at, i];
      if (!shape.object(call, list[i])) return;
      const { id, type, function: fn } = list[i] as Record<string, unknown>;
      shape.string([...call, 'id'], id);
      shape.string([...call, 'type'], type);
      if (shape.object([...call, 'function'], fn)) {
        shape.string([...call, 'function', 'name'], (fn as Record<string, unknown>).name);
        shape.string([...call, 'function', 'arguments'], (fn as Record<string, unknown>).arguments);
      }
    }
  });
  shape.optional([...path, 'tool_call_id'], message.tool_call_id, (at, id) => shape.string(at, id));
}
