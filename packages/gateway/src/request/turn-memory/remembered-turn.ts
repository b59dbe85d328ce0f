import type { ReasoningBlock } from '../../events/reasoning.ts';

/**
 * What one assistant turn that called tools must carry when the client
 * sends it back: its signed or redacted reasoning blocks, in order, and the
 * signature of each tool call that had one. Kept for the provider that
 * produced it (signatures are worthless, and refused, anywhere else).
 */
export interface RememberedTurn {
  /** The provider id of the target that produced the turn. */
  provider: string;
  blocks: ReasoningBlock[];
  /** Tool-call id → signature. */
  signatures: Record<string, string>;
}

/** A turn larger than this (long thinking) is not remembered: its next turn goes without it. */
export const MAX_TURN_BYTES = 256 * 1024;

/** Turns are looked up by the gateway key that made them and their first tool-call id, which the client sends back. */
export function turnKey(owner: string, firstToolCallId: string): string {
  // The owner's length makes the key unambiguous whatever either part contains.
  return `${owner.length}:${owner}:${firstToolCallId}`;
}

export function encodeTurn(turn: RememberedTurn): string {
  return JSON.stringify(turn);
}

/** A stored turn, or null when what is stored is not one. */
export function decodeTurn(json: string): RememberedTurn | null {
  try {
    const turn = JSON.parse(json) as RememberedTurn;
    if (typeof turn?.provider === 'string' && Array.isArray(turn.blocks) && typeof turn.signatures === 'object' && turn.signatures !== null) return turn;
  } catch {
    // Not JSON: treated as absent.
  }
  return null;
}
