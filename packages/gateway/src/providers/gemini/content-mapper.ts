import type { ChatContentPart, ChatMessage, ToolCall } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';
import { REASONING_BLOCKS, type ReasoningBlock } from '../../events/reasoning.ts';
import { imageUrlOf, parseDataUrl, partsOf, textOnly } from '../translation/content-parts.ts';
import { isPlainObject } from '../translation/extras.ts';
import { parseToolArguments } from '../translation/tool-arguments.ts';
import { UntranslatableError } from '../translation/untranslatable.ts';
import type { Content, Part } from './wire-types.ts';

const AUDIO_TYPES: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mp3' };

export interface MappedContents {
  systemInstruction: Content | undefined;
  contents: Content[];
}

/**
 * OpenAI chat messages as Gemini `contents` and `systemInstruction`. Tool
 * results become `functionResponse` parts of a user turn, named after the
 * call they answer (Gemini matches by name and order, not by id); an
 * assistant turn is its text, then its `functionCall` parts, each with the
 * `thoughtSignature` it came with.
 */
export function toGeminiContents(messages: readonly ChatMessage[]): MappedContents {
  const system: string[] = [];
  const contents: Content[] = [];
  const callNames = new Map<string, string>();
  messages.forEach((message, i) => {
    const field = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOnly(message.content, `${field}.content`));
        return;
      case 'user':
        return append(contents, 'user', partsOf(message.content).map((part, j) => userPart(part, `${field}.content[${j}]`)));
      case 'tool':
        return append(contents, 'user', [functionResponse(message, field, callNames)]);
      case 'assistant':
        for (const call of message.tool_calls ?? []) callNames.set(call.id, call.function.name);
        return append(contents, 'model', modelParts(message, field));
      default:
        throw new UntranslatableError(`${field}.role`, `"${message.role}" messages cannot be sent to Gemini; use "tool" messages`);
    }
  });
  const text = system.join('\n\n');
  return { systemInstruction: text === '' ? undefined : { parts: [{ text }] }, contents };
}

/** Add parts as a turn of `role`, joining the previous turn when it has the same role. */
function append(contents: Content[], role: 'user' | 'model', parts: Part[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last !== undefined && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function userPart(part: ChatContentPart, field: string): Part {
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw new InvalidRequestError(`${field}.text: required`, `${field}.text`);
      return { text: part.text };
    case 'image_url': {
      const inline = parseDataUrl(imageUrlOf(part, field));
      if (inline === null) throw new UntranslatableError(`${field}.image_url.url`, 'Gemini takes images inline: send a base64 data URL');
      return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
    }
    case 'input_audio': {
      const audio = part.input_audio as { data?: unknown; format?: unknown } | undefined;
      const mimeType = typeof audio?.format === 'string' ? AUDIO_TYPES[audio.format] : undefined;
      if (typeof audio?.data !== 'string' || mimeType === undefined) throw new InvalidRequestError(`${field}.input_audio: needs base64 data and a format of wav or mp3`, `${field}.input_audio`);
      return { inlineData: { mimeType, data: audio.data } };
    }
    case 'file': {
      const fileData = (part.file as { file_data?: unknown } | undefined)?.file_data;
      const inline = typeof fileData === 'string' ? parseDataUrl(fileData) : null;
      if (inline === null) throw new UntranslatableError(`${field}.file`, 'Gemini takes files as inline data (file_data: "data:<type>;base64,…")');
      return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
    }
    default:
      throw new UntranslatableError(`${field}.type`, `Gemini takes text, images, audio and files, not "${part.type}"`);
  }
}

function functionResponse(message: ChatMessage, field: string, callNames: ReadonlyMap<string, string>): Part {
  const id = message.tool_call_id;
  const name = typeof id === 'string' ? callNames.get(id) : undefined;
  if (name === undefined) throw new InvalidRequestError(`${field}.tool_call_id: answers no tool call of an earlier assistant message`, `${field}.tool_call_id`);
  return { functionResponse: { name, response: responseObject(textOnly(message.content, `${field}.content`)) } };
}

/** Gemini wants an object: a JSON object result as it is, anything else under `output`, as its docs suggest. */
function responseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (isPlainObject(value)) return value;
  } catch {
    // Not JSON: plain text output.
  }
  return { output: text };
}

function modelParts(message: ChatMessage, field: string): Part[] {
  const parts: Part[] = [];
  const text = textOnly(message.content, `${field}.content`);
  if (text !== '') parts.push({ text });
  message.tool_calls?.forEach((call, j) => parts.push(functionCallPart(call, `${field}.tool_calls[${j}]`)));
  placeTurnSignature(parts, message[REASONING_BLOCKS]);
  return parts;
}

function functionCallPart(call: ToolCall & { signature?: unknown }, field: string): Part {
  const part: Part = { functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, `${field}.function.arguments`) } };
  if (typeof call.signature === 'string' && call.signature !== '') part.thoughtSignature = call.signature;
  return part;
}

/**
 * A signature Gemini put on a part other than a function call (the last
 * text part, or an empty part at the end of a streamed answer) goes back
 * on the turn's last text part. Gemini checks only function calls' own
 * signatures, which ride on their calls, so a turn without text loses
 * nothing by leaving it out.
 */
function placeTurnSignature(parts: Part[], blocks: unknown): void {
  if (!Array.isArray(blocks)) return;
  const signed = (blocks as ReasoningBlock[]).findLast((block) => block?.type === 'thinking' && typeof block.signature === 'string' && block.signature !== '');
  const target = parts.findLast((part) => part.text !== undefined);
  if (signed?.type === 'thinking' && target !== undefined && target.thoughtSignature === undefined) target.thoughtSignature = signed.signature;
}
