import type OpenAI from 'openai';
import type { AnthropicScript } from '../fakes/anthropic/script.ts';
import type { GeminiScript } from '../fakes/gemini/script.ts';

/**
 * One three-turn tool-use conversation with thinking, as each fake plays
 * it: think and call the weather tool, think and call the clock, think and
 * answer. Each turn is chosen by how many tool results the request carries.
 */
export const OPENING = 'Plan my afternoon in Oslo.';
export const ANSWER = 'Rain in Oslo at noon: take the museum.';
export const TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
];

/** Turn n of the conversation: what it calls (null for the answer). */
export const TURNS = [
  { thinking: 'First I need the weather in Oslo.', call: { name: 'get_weather', args: { city: 'Oslo' } }, result: 'rain, 9°C' },
  { thinking: 'Now what time it is there.', call: { name: 'get_time', args: {} }, result: '12:00' },
  { thinking: 'Rain at noon: indoors.', call: null, result: null },
] as const;

const opens = (first: unknown) => first === OPENING;

export function anthropicTurns(body: Record<string, unknown>, delayMs = 0): AnthropicScript | undefined {
  const messages = body.messages as { role: string; content: unknown }[];
  if (!opens(messages[0].content)) return undefined;
  const results = messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: { type?: string }) => b.type === 'tool_result').length;
  const turn = TURNS[results];
  return {
    delayMs,
    blocks: [{ type: 'thinking', thinking: turn.thinking }, turn.call === null ? { type: 'text', text: ANSWER } : { type: 'tool_use', name: turn.call.name, input: { ...turn.call.args } }],
  };
}

export function geminiTurns(body: Record<string, unknown>, delayMs = 0): GeminiScript | undefined {
  const contents = body.contents as { role?: string; parts: { text?: string; functionResponse?: unknown }[] }[];
  if (contents[0].parts[0]?.text !== OPENING) return undefined;
  const results = contents.flatMap((c) => c.parts).filter((p) => p.functionResponse !== undefined).length;
  const turn = TURNS[results];
  return { delayMs, parts: [{ thought: turn.thinking }, turn.call === null ? { text: ANSWER } : { functionCall: { name: turn.call.name, args: { ...turn.call.args } } }] };
}
