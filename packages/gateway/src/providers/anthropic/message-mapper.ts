import type { ChatContentPart, ChatMessage, ToolCall } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { REASONING_BLOCKS, type ReasoningBlock } from '../../events/reasoning.ts';
import { imageUrlOf, parseDataUrl, partsOf, textOnly } from '../translation/content-parts.ts';
import { parseToolArguments } from '../translation/tool-arguments.ts';
import { UntranslatableError } from '../translation/untranslatable.ts';
import type { ContentBlock, MessageParam } from './wire-types.ts';

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export interface MappedMessages {
  system: string | undefined;
  messages: MessageParam[];
}

/**
 * OpenAI chat messages as Anthropic's `system` and `messages`: system and
 * developer messages join the system prompt; tool results become
 * `tool_result` blocks of a user turn (consecutive ones, and a user message
 * right after them, share it); an assistant turn is its reasoning blocks,
 * exactly as they were produced, then its text, then its `tool_use` blocks.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): MappedMessages {
  const system: string[] = [];
  const out: MessageParam[] = [];
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOnly(message.content, `${field}.content`));
        return;
      case 'user':
        return append(out, 'user', userBlocks(message.content, `${field}.content`));
      case 'tool':
        return append(out, 'user', [toolResult(message, field)]);
      case 'assistant':
        return append(out, 'assistant', assistantBlocks(message, field));
      default:
        throw new UntranslatableError(`${field}.role`, `"${message.role}" messages cannot be sent to Anthropic; use "tool" messages`);
    }
  });
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages: out };
}

/** Add blocks as a turn of `role`, joining the previous turn when it has the same role. */
function append(out: MessageParam[], role: MessageParam['role'], blocks: ContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = out.at(-1);
  if (last !== undefined && last.role === role) {
    last.content = [...asBlocks(last.content), ...blocks];
    return;
  }
  // A lone text block is sent as a plain string, the way people write Anthropic requests.
  const only = blocks.length === 1 ? blocks[0] : undefined;
  out.push({ role, content: only?.type === 'text' ? only.text : blocks });
}

function asBlocks(content: MessageParam['content']): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function userBlocks(content: ChatMessage['content'], field: string): ContentBlock[] {
  return partsOf(content).map((part, j) => userBlock(part, `${field}[${j}]`));
}

function userBlock(part: ChatContentPart, field: string): ContentBlock {
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw new InvalidRequestError(`${field}.text: required`, `${field}.text`);
      return { type: 'text', text: part.text };
    case 'image_url':
      return imageBlock(imageUrlOf(part, field), field);
    case 'file':
      return documentBlock(part, field);
    default:
      throw new UntranslatableError(`${field}.type`, `Anthropic takes text, images and PDF files, not "${part.type}"`);
  }
}

function imageBlock(url: string, field: string): ContentBlock {
  const inline = parseDataUrl(url);
  if (inline === null) {
    if (!/^https?:\/\//i.test(url)) throw new UntranslatableError(`${field}.image_url.url`, 'must be an http(s) URL or a base64 data URL');
    return { type: 'image', source: { type: 'url', url } };
  }
  if (!IMAGE_TYPES.has(inline.mediaType)) throw new UntranslatableError(`${field}.image_url.url`, `Anthropic takes JPEG, PNG, GIF and WebP images, not ${inline.mediaType}`);
  return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
}

function documentBlock(part: ChatContentPart, field: string): ContentBlock {
  const fileData = (part.file as { file_data?: unknown } | undefined)?.file_data;
  const inline = typeof fileData === 'string' ? parseDataUrl(fileData) : null;
  if (inline === null || inline.mediaType !== 'application/pdf') throw new UntranslatableError(`${field}.file`, 'Anthropic takes files as inline PDF data (file_data: "data:application/pdf;base64,…")');
  return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: inline.data } };
}

function toolResult(message: ChatMessage, field: string): ContentBlock {
  if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') throw new InvalidRequestError(`${field}.tool_call_id: required`, `${field}.tool_call_id`);
  const content = typeof message.content === 'string' ? message.content : userBlocks(message.content, `${field}.content`);
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content };
}

function assistantBlocks(message: ChatMessage, field: string): ContentBlock[] {
  const blocks: ContentBlock[] = reasoningBlocks(message[REASONING_BLOCKS], `${field}.${REASONING_BLOCKS}`);
  const text = textOnly(message.content, `${field}.content`);
  if (text !== '') blocks.push({ type: 'text', text });
  message.tool_calls?.forEach((call, j) => blocks.push(toolUse(call, `${field}.tool_calls[${j}]`)));
  return blocks;
}

/**
 * The turn's thinking, unmodified: signed thinking blocks and redacted ones.
 * A thinking block without a signature did not come from Anthropic and
 * would be refused, so it is not sent.
 */
function reasoningBlocks(value: unknown, field: string): ContentBlock[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidRequestError(`${field}: must be an array`, field);
  const out: ContentBlock[] = [];
  (value as ReasoningBlock[]).forEach((block, j) => {
    if (block?.type === 'thinking' && typeof block.text === 'string') {
      if (typeof block.signature === 'string' && block.signature !== '') out.push({ type: 'thinking', thinking: block.text, signature: block.signature });
    } else if (block?.type === 'redacted' && typeof block.data === 'string') out.push({ type: 'redacted_thinking', data: block.data });
    else throw new InvalidRequestError(`${field}[${j}]: not a reasoning block`, `${field}[${j}]`);
  });
  return out;
}

function toolUse(call: ToolCall, field: string): ContentBlock {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, `${field}.function.arguments`) };
}
