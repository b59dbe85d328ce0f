import type { ChatContentPart, ChatMessage, ToolCall } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { REASONING_BLOCKS, type ReasoningBlock } from '../../events/reasoning.ts';
import { providerToolCallId } from '../tool-call-id.ts';
import type { ContentBlock, MessageParam, TextBlock, ToolResultBlock } from './request-schema.ts';

/**
 * One Messages conversation turn as internal (OpenAI chat) messages.
 *
 * - A user turn becomes its tool results first (one `tool` message each,
 *   which must follow the assistant's calls), then one user message with the
 *   rest: text, images, documents, and any images a tool returned.
 * - An assistant turn becomes one assistant message: its text, its tool
 *   calls, and its thinking blocks, signatures intact, as `reasoning_blocks`.
 * - Text keeps its `cache_control` as a content part (the convention
 *   OpenAI-compatible gateways share), so that prompt caching still works
 *   where the upstream supports it; text without it stays a plain string.
 */
export function turnToMessages(turn: MessageParam, index: number): ChatMessage[] {
  if (typeof turn.content === 'string') return [{ role: turn.role, content: turn.content }];
  const field = `messages.${index}.content`;
  switch (turn.role) {
    case 'assistant':
      return [assistantMessage(turn.content, field)];
    case 'system':
      return [{ role: 'system', content: textContent(turn.content.map((block, j) => onlyText(block, `${field}.${j}`))) }];
    case 'user':
      return userMessages(turn.content, field);
  }
}

/** The system prompt: a string, or text blocks. */
export function systemMessage(system: string | TextBlock[]): ChatMessage {
  return { role: 'system', content: typeof system === 'string' ? system : textContent(system) };
}

function userMessages(blocks: ContentBlock[], field: string): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  blocks.forEach((block, j) => {
    const at = `${field}.${j}`;
    if (block.type === 'tool_result') tools.push(toolMessage(block, parts, at));
    else if (block.type === 'text' || block.type === 'image' || block.type === 'document') parts.push(userPart(block, at));
    else throw misplaced(block.type, 'an assistant', at);
  });
  if (parts.length > 0) tools.push({ role: 'user', content: compact(parts) });
  return tools;
}

function assistantMessage(blocks: ContentBlock[], field: string): ChatMessage {
  const text: ChatContentPart[] = [];
  const calls: (ToolCall & { signature?: string })[] = [];
  const reasoning: ReasoningBlock[] = [];
  blocks.forEach((block, j) => {
    switch (block.type) {
      case 'text':
        return void text.push(textPart(block));
      case 'tool_use': {
        const { id, signature } = providerToolCallId(block.id);
        const call: ToolCall & { signature?: string } = { id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } };
        if (signature !== undefined) call.signature = signature;
        return void calls.push(call);
      }
      case 'thinking':
        return void reasoning.push(block.signature === '' ? { type: 'thinking', text: block.thinking } : { type: 'thinking', text: block.thinking, signature: block.signature });
      case 'redacted_thinking':
        return void reasoning.push({ type: 'redacted', data: block.data });
      default:
        throw misplaced(block.type, 'a user', `${field}.${j}`);
    }
  });
  const message: ChatMessage = { role: 'assistant', content: text.length === 0 ? (calls.length > 0 ? null : '') : compact(text) };
  if (calls.length > 0) message.tool_calls = calls;
  if (reasoning.length > 0) message[REASONING_BLOCKS] = reasoning;
  return message;
}

/** A tool result as a `tool` message (text only, as chat completions has it); its images join the user message. */
function toolMessage(block: ToolResultBlock, userParts: ChatContentPart[], field: string): ChatMessage {
  const texts: string[] = [];
  if (typeof block.content === 'string') texts.push(block.content);
  else
    (block.content ?? []).forEach((part, k) => {
      if (part.type === 'text') texts.push(part.text);
      else userParts.push(userPart(part, `${field}.content.${k}`));
    });
  const joined = texts.join('\n');
  // Chat completions has no error flag on a tool result; the model reads that it failed.
  const text = block.is_error === true ? `Error: ${joined}` : joined;
  // A cache breakpoint on the result rides on its text, as on any text part.
  const content = block.cache_control == null ? text : [{ type: 'text', text, cache_control: block.cache_control }];
  return { role: 'tool', tool_call_id: providerToolCallId(block.tool_use_id).id, content };
}

function userPart(block: Extract<ContentBlock, { type: 'text' | 'image' | 'document' }>, field: string): ChatContentPart {
  switch (block.type) {
    case 'text':
      return textPart(block);
    case 'image': {
      const source = block.source;
      const url = source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
      return { type: 'image_url', image_url: { url } };
    }
    case 'document': {
      const source = block.source;
      if (source.type === 'text') return { type: 'text', text: source.data };
      if (source.type === 'base64') return { type: 'file', file: { filename: block.title ?? 'document.pdf', file_data: `data:application/pdf;base64,${source.data}` } };
      throw new InvalidRequestError(`${field}.source: documents by URL cannot be forwarded; send the PDF as base64`, `${field}.source`);
    }
  }
}

function onlyText(block: ContentBlock, field: string): TextBlock {
  if (block.type !== 'text') throw new InvalidRequestError(`${field}.type: a system message holds text blocks only, not "${block.type}"`, `${field}.type`);
  return block;
}

function textContent(blocks: TextBlock[]): string | ChatContentPart[] {
  return compact(blocks.map(textPart));
}

function textPart(block: TextBlock): ChatContentPart {
  return block.cache_control == null ? { type: 'text', text: block.text } : { type: 'text', text: block.text, cache_control: block.cache_control };
}

/** One plain text part is just a string: what every chat upstream reads. */
function compact(parts: ChatContentPart[]): string | ChatContentPart[] {
  if (parts.length === 1 && parts[0].type === 'text' && parts[0].cache_control === undefined) return parts[0].text ?? '';
  return parts;
}

function misplaced(type: string, owner: string, field: string): InvalidRequestError {
  return new InvalidRequestError(`${field}.type: a "${type}" block belongs in ${owner} message`, `${field}.type`);
}
