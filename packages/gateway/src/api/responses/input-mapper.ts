import type { ChatContentPart, ChatMessage, ToolCall } from '@sluice/protocol';
import { REASONING_BLOCKS, type ReasoningBlock } from '../../events/reasoning.ts';
import { providerToolCallId } from '../tool-call-id.ts';
import { openReasoning } from './reasoning-item.ts';
import type { ContentPart, InputItem } from './request-schema.ts';

type AssistantTurn = { text: string[]; calls: (ToolCall & { signature?: string })[]; reasoning: ReasoningBlock[] };

/**
 * Responses input items as internal (OpenAI chat) messages. What the model
 * said in one turn comes as several items (reasoning, a message, function
 * calls); consecutive ones become one assistant message, its reasoning as
 * `reasoning_blocks`. A function call's output becomes a `tool` message.
 * `developer` is a system message: what every provider takes.
 */
export function itemsToMessages(items: readonly InputItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let turn: AssistantTurn | undefined;
  const assistant = () => (turn ??= { text: [], calls: [], reasoning: [] });
  const flush = () => {
    if (turn !== undefined) messages.push(assistantMessage(turn));
    turn = undefined;
  };
  for (const item of items) {
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') {
          assistant().text.push(typeof item.content === 'string' ? item.content : item.content.map(partText).join(''));
          break;
        }
        flush();
        messages.push({ role: item.role === 'developer' ? 'system' : item.role, content: typeof item.content === 'string' ? item.content : compact(item.content.map(toPart)) });
        break;
      case 'function_call': {
        const { id, signature } = providerToolCallId(item.call_id);
        const call: ToolCall & { signature?: string } = { id, type: 'function', function: { name: item.name, arguments: item.arguments } };
        if (signature !== undefined) call.signature = signature;
        assistant().calls.push(call);
        break;
      }
      case 'reasoning': {
        const sealed = item.encrypted_content == null ? null : openReasoning(item.encrypted_content);
        assistant().reasoning.push(sealed ?? { type: 'thinking', text: item.summary.map((part) => part.text).join('\n\n') });
        break;
      }
      case 'function_call_output':
        flush();
        messages.push(...toolMessages(item.call_id, item.output));
        break;
    }
  }
  flush();
  return messages;
}

function assistantMessage(turn: AssistantTurn): ChatMessage {
  const text = turn.text.join('');
  const message: ChatMessage = { role: 'assistant', content: text === '' && turn.calls.length > 0 ? null : text };
  if (turn.calls.length > 0) message.tool_calls = turn.calls;
  if (turn.reasoning.length > 0) message[REASONING_BLOCKS] = turn.reasoning;
  return message;
}

/** A tool output is text in chat completions; images and files it returned follow as a user message. */
function toolMessages(callId: string, output: string | ContentPart[]): ChatMessage[] {
  const toolCallId = providerToolCallId(callId).id;
  if (typeof output === 'string') return [{ role: 'tool', tool_call_id: toolCallId, content: output }];
  const text = output.filter((part) => part.type !== 'input_image' && part.type !== 'input_file');
  const media = output.filter((part) => part.type === 'input_image' || part.type === 'input_file');
  const messages: ChatMessage[] = [{ role: 'tool', tool_call_id: toolCallId, content: text.map(partText).join('') }];
  if (media.length > 0) messages.push({ role: 'user', content: media.map(toPart) });
  return messages;
}

function toPart(part: ContentPart): ChatContentPart {
  switch (part.type) {
    case 'input_image':
      return { type: 'image_url', image_url: part.detail === undefined ? { url: part.image_url } : { url: part.image_url, detail: part.detail } };
    case 'input_file':
      return { type: 'file', file: part.filename === undefined ? { file_data: part.file_data } : { file_data: part.file_data, filename: part.filename } };
    default:
      return { type: 'text', text: partText(part) };
  }
}

function partText(part: ContentPart): string {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text;
    case 'refusal':
      return part.refusal;
    default:
      return '';
  }
}

/** One text part is just a string: what every chat upstream reads. */
function compact(parts: ChatContentPart[]): string | ChatContentPart[] {
  return parts.length === 1 && parts[0].type === 'text' ? (parts[0].text ?? '') : parts;
}
