import { z } from 'zod';
import { taggedUnion } from '../request-issue.ts';

/**
 * OpenAI's Responses request, as its API reference defines it, checked
 * field by field (400 naming the field). Items and parts may carry fields
 * not named here; top-level fields not named here pass through to the
 * internal request, as on chat completions.
 */
const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1, 'give the image as "image_url" (a URL or a data: URL); file ids cannot be forwarded'),
  detail: z.enum(['low', 'high', 'auto']).optional(),
});
const inputFile = z.looseObject({
  type: z.literal('input_file'),
  file_data: z.string().min(1, 'give the file inline as "file_data"; file ids and URLs cannot be forwarded'),
  filename: z.string().optional(),
});
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export const contentPart = taggedUnion('content part', [inputText, inputImage, inputFile, outputText, refusal]);
const content = z.union([z.string(), z.array(contentPart)]);

const messageItem = z.looseObject({ type: z.literal('message'), role: z.enum(['user', 'assistant', 'system', 'developer']), content });
const functionCallItem = z.looseObject({ type: z.literal('function_call'), call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() });
const functionCallOutputItem = z.looseObject({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: content });
const reasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  summary: z.array(z.looseObject({ type: z.literal('summary_text'), text: z.string() })),
  encrypted_content: z.string().nullable().optional(),
});

/** An item; a message may leave out `"type": "message"`, as the API allows. */
const inputItem = z.preprocess(
  (item) => (typeof item === 'object' && item !== null && !('type' in item) && 'role' in item ? { ...item, type: 'message' } : item),
  taggedUnion('input item', [messageItem, functionCallItem, functionCallOutputItem, reasoningItem]),
);

/** Function tools only: OpenAI's built-in tools run inside OpenAI, which sluice does not stand in for. */
const tool = z.looseObject({
  type: z.literal('function', {
    error: (issue) => `the built-in tool ${JSON.stringify(issue.input)} is not supported: sluice reaches every provider with function tools only`,
  }),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a function name is 1 to 64 letters, digits, "_" or "-"'),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function', { error: 'tool_choice: only "none", "auto", "required" or {"type": "function", "name"} can be forwarded' }), name: z.string().min(1) }),
]);

const textFormat = taggedUnion('text format', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), name: z.string().min(1), schema: z.record(z.string(), z.unknown()), description: z.string().optional(), strict: z.boolean().nullable().optional() }),
]);

const unsupported = (what: string) => z.null({ error: `${what} cannot be forwarded by sluice` }).optional();

export const responsesRequest = z.looseObject({
  model: z.string().min(1, 'model is required'),
  input: z.union([z.string(), z.array(inputItem)]),
  instructions: z.string().nullable().optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  reasoning: z
    .looseObject({ effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional(), summary: z.enum(['auto', 'concise', 'detailed']).nullable().optional() })
    .nullable()
    .optional(),
  text: z.looseObject({ format: textFormat.optional(), verbosity: z.enum(['low', 'medium', 'high']).nullable().optional() }).optional(),
  stream: z.boolean().nullable().optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  include: z.array(z.string()).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().optional(),
  truncation: z.enum(['auto', 'disabled']).nullable().optional(),
  background: z.literal(false, { error: 'background responses are not supported; stream the response (it can be resumed) instead' }).nullable().optional(),
  conversation: unsupported('conversations'),
  prompt: unsupported('prompt templates'),
});

export type ResponsesRequest = z.output<typeof responsesRequest>;
export type InputItem = Exclude<ResponsesRequest['input'], string>[number];
export type ContentPart = z.output<typeof contentPart>;
