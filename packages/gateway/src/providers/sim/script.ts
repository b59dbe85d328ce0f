import type { ChatCompletionRequest } from '@sluice/protocol';
import type { SimControls } from './controls.ts';
import { simTokens } from './generator.ts';
import { abortableSleep as sleep } from '../../retry/policy.ts';

/** One step of a simulated response, shared by the in-process provider and the HTTP simulator. */
export type SimStep =
  | { kind: 'token'; text: string }
  | { kind: 'drop' }
  | { kind: 'malformed' }
  | { kind: 'stall' }
  | { kind: 'end'; completionTokens: number };

/**
 * The timeline of a simulated response: the first token after `ttftMs`, the
 * rest `delayMs` apart, and the fault (if any) at its token count. A stall
 * never ends on its own; the caller's signal ends it.
 */
export async function* simScript(body: ChatCompletionRequest, controls: SimControls, faulted: boolean, signal: AbortSignal): AsyncGenerator<SimStep> {
  const tokens = simTokens(body, controls);
  const fault = faulted ? controls.fault : undefined;
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
    const wait = i === 0 ? controls.ttftMs : controls.delayMs;
    if (wait > 0) await sleep(wait, signal);
    yield { kind: 'token', text: tokens[i] };
  }
  yield { kind: 'end', completionTokens: tokens.length };
}
