import type { ReasoningBlock } from '../../events/reasoning.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { RouteTarget } from '../../routing/router.ts';
import type { GenerationObserver } from '../../streams/generation.ts';
import type { RememberedTurn } from './remembered-turn.ts';

interface ChoiceTurn {
  blocks: ReasoningBlock[];
  /** The thinking block still receiving text (closed by its signature). */
  open: Extract<ReasoningBlock, { type: 'thinking' }> | undefined;
  /** Tool-call index → id, in call order. */
  ids: string[];
  signatures: Record<string, string>;
}

/**
 * Watches a generation for what its next turn will need back: reasoning
 * blocks as they close with their signatures, redacted blocks, tool-call
 * signatures. When a choice finishes having called tools, the turn is
 * handed on, keyed by its tool-call ids, before the stream's end is logged,
 * so a client that has read the end finds it remembered.
 */
export class TurnRecorder implements GenerationObserver {
  readonly #choices = new Map<number, ChoiceTurn>();
  readonly #onTurn: (toolCallIds: readonly string[], turn: RememberedTurn) => void;

  constructor(onTurn: (toolCallIds: readonly string[], turn: RememberedTurn) => void) {
    this.#onTurn = onTurn;
  }

  observe(event: StreamEvent, target: RouteTarget): void {
    switch (event.type) {
      case 'reasoning': {
        const turn = this.#turn(event.choice);
        if (turn.open === undefined) {
          turn.open = { type: 'thinking', text: '' };
          turn.blocks.push(turn.open);
        }
        turn.open.text += event.text;
        return;
      }
      case 'reasoning_signature': {
        const turn = this.#turn(event.choice);
        if (turn.open === undefined) turn.blocks.push({ type: 'thinking', text: '', signature: event.signature });
        else turn.open.signature = event.signature;
        turn.open = undefined;
        return;
      }
      case 'reasoning_redacted': {
        const turn = this.#turn(event.choice);
        turn.open = undefined;
        turn.blocks.push({ type: 'redacted', data: event.data });
        return;
      }
      case 'tool_call': {
        const turn = this.#turn(event.choice);
        if (event.call.id) turn.ids[event.call.index] = event.call.id;
        const id = turn.ids[event.call.index];
        if (event.signature !== undefined && id !== undefined) turn.signatures[id] = event.signature;
        return;
      }
      case 'finish':
        return this.#finish(event.choice, target);
    }
  }

  #finish(choice: number, target: RouteTarget): void {
    const turn = this.#choices.get(choice);
    this.#choices.delete(choice);
    const ids = turn?.ids.filter((id) => id !== undefined) ?? [];
    if (turn === undefined || ids.length === 0) return;
    // Unsigned thinking is of no use to any provider on the way back.
    const blocks = turn.blocks.filter((block) => block.type === 'redacted' || block.signature !== undefined);
    if (blocks.length === 0 && Object.keys(turn.signatures).length === 0) return;
    this.#onTurn(ids, { provider: target.provider.id, blocks, signatures: turn.signatures });
  }

  #turn(choice: number): ChoiceTurn {
    let turn = this.#choices.get(choice);
    if (turn === undefined) this.#choices.set(choice, (turn = { blocks: [], open: undefined, ids: [], signatures: {} }));
    return turn;
  }
}
