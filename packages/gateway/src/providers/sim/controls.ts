import { z } from 'zod';

/**
 * Per-request controls of the simulator, read from the request body's `sim`
 * field. Real providers never see this field.
 */
const faultSchema = z.strictObject({
  /** Answer with this HTTP status instead of a stream. */
  status: z.number().int().min(400).max(599).optional(),
  /** The error body for `status` (a string; JSON or not). */
  body: z.string().optional(),
  /** Seconds, sent as `Retry-After` with `status`. */
  retryAfter: z.number().nonnegative().optional(),
  /** Close the connection after this many tokens. */
  dropAfter: z.number().int().nonnegative().optional(),
  /** Go silent (without closing) after this many tokens. */
  stallAfter: z.number().int().nonnegative().optional(),
  /** Write an invalid SSE data line after this many tokens. */
  malformedAfter: z.number().int().nonnegative().optional(),
  /** A first token this late instead of `ttftMs` (a deployment that stalls now and then). */
  ttftMs: z.number().nonnegative().optional(),
  /** Fault this share of requests, at random (0–1); the others succeed. */
  rate: z.number().min(0).max(1).optional(),
  /** Fault only the first `times` requests that carry the same `key`; later ones succeed. */
  times: z.number().int().positive().optional(),
  key: z.string().optional(),
});

/** A tool call the simulator makes after its text. */
const toolCallSchema = z.strictObject({
  name: z.string().min(1),
  /** The arguments, a JSON string, streamed in two halves. */
  arguments: z.string(),
  id: z.string().min(1).optional(),
});

export const simControlsSchema = z.strictObject({
  tokens: z.number().int().nonnegative().max(1_000_000).default(32),
  text: z.string().optional(),
  /** Reasoning streamed before the answer. The in-process simulator signs it (and its tool calls), as thinking models do. */
  reasoning: z.string().optional(),
  /** Tool calls made after the text; the answer then finishes with `tool_calls`. */
  toolCalls: z.array(toolCallSchema).max(16).optional(),
  /** The finish reason to report instead of `stop` (or `tool_calls`): `length`, `content_filter`. */
  finish: z.enum(['stop', 'length', 'content_filter']).optional(),
  /** Prompt tokens the usage reports as read from the provider's cache, and as written to it. */
  cachedTokens: z.number().int().nonnegative().optional(),
  cacheWriteTokens: z.number().int().nonnegative().optional(),
  seed: z.number().int().default(0),
  ttftMs: z.number().nonnegative().default(0),
  delayMs: z.number().nonnegative().default(0),
  /** Send no usage chunk, as some upstreams do. */
  usage: z.boolean().default(true),
  fault: faultSchema.optional(),
});

export type SimControls = z.output<typeof simControlsSchema>;
export type SimFault = z.output<typeof faultSchema>;
export type SimToolCall = z.output<typeof toolCallSchema>;

/** The controls of a request body; invalid controls are a client error, reported with their field. */
export function readSimControls(body: object): SimControls {
  return simControlsSchema.parse((body as { sim?: unknown }).sim ?? {});
}

/**
 * Counts faulted requests per `fault.key`, so a test can say "fail twice,
 * then succeed" and watch the retries.
 */
export class FaultCounter {
  readonly #counts = new Map<string, number>();

  /** Whether this request should suffer its fault. */
  applies(fault: SimFault | undefined): boolean {
    if (fault === undefined) return false;
    if (fault.rate !== undefined && Math.random() >= fault.rate) return false;
    if (fault.times === undefined) return true;
    const key = fault.key ?? '';
    const seen = this.#counts.get(key) ?? 0;
    this.#counts.set(key, seen + 1);
    return seen < fault.times;
  }
}
