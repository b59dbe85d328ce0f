import type { ChatContentPart, ChatMessage, ToolCall } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { REASONING_BLOCKS, type ReasoningBlock } from '../../events/reasoning.ts';
import { imageUrlOf, parseDataUrl, partsOf, textOnly } from '../translation/content-parts.ts';
import { parseToolArguments } from '../translation/tool-arguments.ts';
import { UntranslatableError } from '../translation/untranslatable.ts';
import type { CacheControl, ContentBlock, MessageParam, TextBlock } from './wire-types.ts';

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export interface MappedMessages {
  system: string | TextBlock[] | undefined;
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
  const system: TextBlock[] = [];
  const out: MessageParam[] = [];
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(message.content, `${field}.content`));
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
  return { system: systemPrompt(system), messages: out };
}

/**
 * The system prompt: one string, unless a part carries a cache breakpoint
 * (`cache_control`, as clients of prompt caching put on text parts), which
 * only text blocks can keep.
 */
function systemPrompt(blocks: TextBlock[]): string | TextBlock[] | undefined {
  if (blocks.length === 0) return undefined;
  return blocks.some((block) => block.cache_control !== undefined) ? blocks : blocks.map((block) => block.text).join('\n\n');
}

/** Text content as text blocks: a string is one; parts keep their cache breakpoints. */
function textBlocks(content: ChatMessage['content'], field: string): TextBlock[] {
  if (typeof content === 'string' || content == null) return [{ type: 'text', text: textOnly(content, field) }];
  if (!content.some((part) => part.cache_control !== undefined)) return [{ type: 'text', text: textOnly(content, field) }];
  return content.map((part, j) => withCache({ type: 'text', text: textOnly([part], `${field}[${j}]`) }, part));
}

function withCache<T extends object>(block: T, part: ChatContentPart): T & { cache_control?: CacheControl } {
  return part.cache_control === undefined ? block : { ...block, cache_control: part.cache_control as CacheControl };
}

/** Add blocks as a turn of `role`, joining the previous turn when it has the same role. */
function append(out: MessageParam[], role: MessageParam['role'], blocks: ContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = out.at(-1);
  if (last !== undefined && last.role === role) {
    last.content = [...asBlocks(last.content), ...blocks];
    return;
  }
  // A lone text block is sent as a plain string, the way people write Anthropic requests (unless it marks a cache breakpoint).
  const only = blocks.length === 1 ? blocks[0] : undefined;
  out.push({ role, content: only?.type === 'text' && only.cache_control === undefined ? only.text : blocks });
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
      return withCache({ type: 'text', text: part.text }, part);
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
  if (typeof message.content === 'string') return { type: 'tool_result', tool_use_id: message.tool_call_id, content: message.content };
  // Anthropic takes a cache breakpoint on the tool result itself, not on the blocks inside it.
  let cache: CacheControl | undefined;
  const content = userBlocks(message.content, `${field}.content`).map((block) => {
    if (!('cache_control' in block) || block.cache_control === undefined) return block;
    cache = block.cache_control;
    const { cache_control: _moved, ...rest } = block;
    return rest as ContentBlock;
  });
  return cache === undefined ? { type: 'tool_result', tool_use_id: message.tool_call_id, content } : { type: 'tool_result', tool_use_id: message.tool_call_id, content, cache_control: cache };
}

function assistantBlocks(message: ChatMessage, field: string): ContentBlock[] {
  const blocks: ContentBlock[] = reasoningBlocks(message[REASONING_BLOCKS], `${field}.${REASONING_BLOCKS}`);
  for (const block of textBlocks(message.content, `${field}.content`)) if (block.text !== '' || block.cache_control !== undefined) blocks.push(block);
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
