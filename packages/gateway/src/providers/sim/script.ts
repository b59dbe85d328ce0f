import type { ChatCompletionRequest } from '@sluice/protocol';
import type { SimControls } from './controls.ts';
import { simTokens, splitIntoTokens } from './generator.ts';
import { abortableSleep as sleep } from '../../retry/policy.ts';

/** One step of a simulated response, shared by the in-process provider and the HTTP simulator. */
export type SimStep =
  | { kind: 'reasoning'; text: string }
  | { kind: 'token'; text: string }
  /** One piece of a tool call: the first names it (with empty arguments), the next two carry the arguments' halves. */
  | { kind: 'tool_call'; index: number; id: string; name: string; arguments: string; first: boolean; last: boolean }
  | { kind: 'drop' }
  | { kind: 'malformed' }
  | { kind: 'stall' }
  | { kind: 'end'; completionTokens: number; reasoningTokens: number };

/**
 * The timeline of a simulated response: the first token after `ttftMs`, the
 * rest `delayMs` apart, and the fault (if any) at its token count. A stall
 * never ends on its own; the caller's signal ends it.
 */
export async function* simScript(body: ChatCompletionRequest, controls: SimControls, faulted: boolean, signal: AbortSignal): AsyncGenerator<SimStep> {
  const tokens = simTokens(body, controls);
  const fault = faulted ? controls.fault : undefined;
  const reasoning = controls.reasoning === undefined ? [] : splitIntoTokens(controls.reasoning);
  let steps = 0;
  const ttftMs = fault?.ttftMs ?? controls.ttftMs;
  const pace = () => (steps++ === 0 ? ttftMs : controls.delayMs);
  for (const text of reasoning) {
    const wait = pace();
    if (wait > 0) await sleep(wait, signal);
    yield { kind: 'reasoning', text };
  }
  for (let i = 0; i <= tokens.length; i++) {
    // A fault takes its place on the timeline like a token would, one delay after the previous token.
    if (i > 0 && controls.delayMs > 0 && (fault?.dropAfter === i || fault?.malformedAfter === i || fault?.stallAfter === i)) await sleep(controls.delayMs, signal);
    if (fault?.dropAfter === i) return yield { kind: 'drop' };
    if (fault?.malformedAfter === i) return yield { kind: 'malformed' };
    if (fault?.stallAfter === i) {
      yield { kind: 'stall' };
      await sleep(2 ** 31 - 1, signal);
      return;
    }
    if (i === tokens.length) break;
    const wait = pace();
    if (wait > 0) await sleep(wait, signal);
    yield { kind: 'token', text: tokens[i] };
  }
  let toolPieces = 0;
  for (const [index, call] of (controls.toolCalls ?? []).entries()) {
    const id = call.id ?? simToolCallId(index, reasoning.length > 0);
    const half = Math.ceil(call.arguments.length / 2);
    const pieces = ['', call.arguments.slice(0, half), call.arguments.slice(half)].filter((part, k) => k === 0 || part !== '');
    for (const [k, part] of pieces.entries()) {
      const wait = pace();
      if (wait > 0) await sleep(wait, signal);
      toolPieces++;
      yield { kind: 'tool_call', index, id, name: call.name, arguments: part, first: k === 0, last: k === pieces.length - 1 };
    }
  }
  yield { kind: 'end', completionTokens: reasoning.length + tokens.length + toolPieces, reasoningTokens: reasoning.length };
}

/**
 * The id of the simulator's `index`th tool call. The calls of a reasoning
 * answer are signed, and their ids say so, so that the next turn can be
 * checked for the signatures it must carry back.
 */
export function simToolCallId(index: number, signed: boolean): string {
  return signed ? `${SIGNED_CALL_PREFIX}${index}` : `simcall_${index}`;
}

export const SIGNED_CALL_PREFIX = 'simcall_signed_';
