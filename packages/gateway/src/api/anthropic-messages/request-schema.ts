import { z } from 'zod';
import { taggedUnion } from '../request-issue.ts';

/**
 * Anthropic's Messages request, as its API reference defines it, checked
 * field by field so that a mistake is a 400 naming the field rather than a
 * confusing upstream error. Blocks may carry fields not named here (new
 * versions add them); top-level fields not named here pass through to the
 * internal request, as on chat completions.
 */
const cacheControl = z.looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() }).nullable().optional();

export const textBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl });

const imageSource = taggedUnion('image source', [
  z.looseObject({ type: z.literal('base64'), media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']), data: z.string().min(1) }),
  z.looseObject({ type: z.literal('url'), url: z.url() }),
]);
export const imageBlock = z.looseObject({ type: z.literal('image'), source: imageSource, cache_control: cacheControl });

const documentSource = taggedUnion('document source', [
  z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
  z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.url() }),
]);
export const documentBlock = z.looseObject({ type: z.literal('document'), source: documentSource, title: z.string().nullable().optional(), cache_control: cacheControl });

export const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

const toolResultContent = taggedUnion('tool result block', [textBlock, imageBlock, documentBlock]);
export const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(toolResultContent)]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

export const thinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
export const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

const contentBlock = taggedUnion('content block', [textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock]);

const message = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlock)]),
});

/** Custom (client) tools only: server tools run inside Anthropic's API, which sluice does not stand in for. */
const tool = z.looseObject({
  type: z
    .union([z.literal('custom'), z.null()], {
      error: (issue) => `the server tool ${JSON.stringify(issue.input)} is not supported: sluice reaches every provider with function tools only, so give tools a "name", "description" and "input_schema"`,
    })
    .optional(),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'a tool name is 1 to 128 letters, digits, "_" or "-"'),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  cache_control: cacheControl,
});

const toolChoice = taggedUnion('tool_choice', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('none') }),
]);

const thinking = taggedUnion('thinking', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024, 'budget_tokens must be at least 1024') }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('adaptive') }),
]);

const outputConfig = z.looseObject({
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullable().optional(),
  format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullable().optional(),
});

export const messagesRequest = z.looseObject({
  model: z.string().min(1, 'model is required'),
  max_tokens: z.number().int().positive(),
  messages: z.array(message).min(1, 'at least one message is required'),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().nonnegative().optional(),
  thinking: thinking.optional(),
  output_config: outputConfig.optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
  stream: z.boolean().optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
});

/** `count_tokens` takes what `messages` takes, without `max_tokens` or `stream`. */
export const countTokensRequest = messagesRequest.extend({ max_tokens: z.number().int().positive().optional() });

export type MessagesRequest = z.output<typeof countTokensRequest>;
export type MessageParam = MessagesRequest['messages'][number];
export type ContentBlock = Exclude<MessageParam['content'], string>[number];
export type TextBlock = z.output<typeof textBlock>;
export type ToolResultBlock = z.output<typeof toolResultBlock>;
