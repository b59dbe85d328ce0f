import type { ChatCompletionRequest, ChatMessage } from '@sluice/protocol';
import { REASONING_BLOCKS } from '../../events/reasoning.ts';
import type { Logger } from 'pino';
import type { GenerationObserver } from '../../streams/generation.ts';
import type { StreamLogStore } from '../../streams/store/types.ts';
import { decodeTurn, encodeTurn, MAX_TURN_BYTES, turnKey, type RememberedTurn } from './remembered-turn.ts';
import { TurnRecorder } from './turn-recorder.ts';

/** Message index → the turn remembered for that assistant message. */
export type RecalledTurns = ReadonlyMap<number, RememberedTurn>;

/**
 * Turn memory: what a provider needs back on the next turn of a tool-use
 * conversation (Anthropic's signed thinking blocks, Gemini's thought
 * signatures), kept in the stream store under the turn's first tool-call id
 * for `retentionMs`, so that a client which sends back only standard OpenAI
 * fields still gets a valid next turn, from any replica.
 */

/** The recorder for a request that can produce tool calls; none for one that cannot. */
export function turnRecorder(store: StreamLogStore, logger: Logger, owner: string, request: ChatCompletionRequest): GenerationObserver | undefined {
  if (request.tools === undefined || request.tools.length === 0) return undefined;
  return new TurnRecorder((ids, turn) => {
    const json = encodeTurn(turn);
    if (json.length > MAX_TURN_BYTES) return logger.debug({ bytes: json.length }, 'turn too large to remember');
    store.remember(turnKey(owner, ids[0]), json);
  });
}

/**
 * The remembered turns of the assistant messages in the request's current
 * tool loop (after its last user message) that lack what they carried, or
 * null when there are none to look for. A store that fails costs the
 * request its memory, not the request.
 */
export function recallTurns(store: StreamLogStore, logger: Logger, owner: string, request: ChatCompletionRequest): Promise<RecalledTurns> | null {
  const wanted = currentToolTurns(request.messages);
  if (wanted.length === 0) return null;
  const keys = wanted.map((i) => turnKey(owner, request.messages[i].tool_calls![0].id));
  return store.recall(keys).then(
    (values) => {
      const found = new Map<number, RememberedTurn>();
      values.forEach((value, j) => {
        const turn = value === null ? null : decodeTurn(value);
        if (turn !== null) found.set(wanted[j], turn);
      });
      return found;
    },
    (error: unknown) => {
      logger.warn({ err: error }, 'turn memory unavailable');
      return new Map();
    },
  );
}

/** The request with each remembered turn re-attached, for a target of the provider that produced it. */
export function attachTurns(request: ChatCompletionRequest, turns: RecalledTurns, providerId: string): ChatCompletionRequest {
  let messages: ChatMessage[] | undefined;
  for (const [index, turn] of turns) {
    if (turn.provider !== providerId) continue;
    messages ??= [...request.messages];
    messages[index] = withTurn(messages[index], turn);
  }
  return messages === undefined ? request : { ...request, messages };
}

function withTurn(message: ChatMessage, turn: RememberedTurn): ChatMessage {
  const out: ChatMessage = { ...message };
  if (!(REASONING_BLOCKS in message) && turn.blocks.length > 0) out[REASONING_BLOCKS] = turn.blocks;
  out.tool_calls = message.tool_calls?.map((call) => {
    const signature = turn.signatures[call.id];
    return signature === undefined || 'signature' in call ? call : { ...call, signature };
  });
  return out;
}

/** Indices of the assistant messages with tool calls after the last user message, still missing their reasoning. */
function currentToolTurns(messages: readonly ChatMessage[]): number[] {
  const out: number[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i].role !== 'user'; i--) {
    const message = messages[i];
    if (message.role !== 'assistant' || !message.tool_calls?.length || REASONING_BLOCKS in message) continue;
    out.push(i);
  }
  return out;
}
