import { createHash } from 'node:crypto';
import type { ChatCompletionRequest } from '@sluice/protocol';
import { REASONING_BLOCKS, type ReasoningBlock } from '../../events/reasoning.ts';
import { SIGNED_CALL_PREFIX } from './script.ts';

/**
 * The in-process simulator signs its reasoning and the tool calls of a
 * reasoning answer, the way thinking models do, and holds the next turn to
 * the same rule they do: a signed call comes back with its signature and
 * with the signed reasoning that led to it, all unchanged. So a client
 * whose conversation went through sluice shows whether anything was lost.
 */
export function simSignature(content: string): string {
  return `simsig_${createHash('sha256').update(content).digest('base64url')}`;
}

/** The signature of a tool call: over its id, name and arguments. */
export function simCallSignature(id: string, name: string, args: string): string {
  return simSignature(`${id}\u0000${name}\u0000${args}`);
}

/** What is wrong with the signed content a request sends back, or null when nothing is. */
export function signatureProblem(request: ChatCompletionRequest): string | null {
  for (const [i, message] of request.messages.entries()) {
    if (message.role !== 'assistant') continue;
    const blocks = (message[REASONING_BLOCKS] ?? []) as ReasoningBlock[];
    for (const block of blocks) {
      if (block.type === 'thinking' && block.signature !== undefined && block.signature !== simSignature(block.text)) return `messages[${i}]: a thinking block's signature does not match its text`;
    }
    const calls = (message.tool_calls ?? []) as { id: string; function: { name: string; arguments: string }; signature?: string }[];
    for (const call of calls) {
      if (!call.id.startsWith(SIGNED_CALL_PREFIX)) continue;
      if (call.signature !== simCallSignature(call.id, call.function.name, call.function.arguments)) return `messages[${i}]: tool call ${call.id} must come back with its signature, unchanged`;
      if (!blocks.some((block) => block.type === 'thinking' && block.signature !== undefined)) return `messages[${i}]: the signed reasoning before tool call ${call.id} must come back with it`;
    }
  }
  return null;
}
