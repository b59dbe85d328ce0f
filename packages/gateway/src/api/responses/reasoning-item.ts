import type { ReasoningBlock } from '../../events/reasoning.ts';

/**
 * A reasoning block as a Responses reasoning item's `encrypted_content`:
 * opaque to the client, which sends it back unchanged with the item (a
 * stateless client asks for it with `include: ["reasoning.encrypted_content"]`),
 * and enough for the gateway to give the provider its block back, signature
 * and all, on the next turn.
 */
const PREFIX = 'sluice.v1.';

export function sealReasoning(block: ReasoningBlock): string {
  return PREFIX + Buffer.from(JSON.stringify(block), 'utf8').toString('base64url');
}

/** The block sealed in `encrypted_content`, or null when sluice did not seal it. */
export function openReasoning(encrypted: string): ReasoningBlock | null {
  if (!encrypted.startsWith(PREFIX)) return null;
  try {
    const block = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), 'base64url').toString('utf8')) as Partial<ReasoningBlock>;
    if (block.type === 'thinking' && typeof block.text === 'string' && (block.signature === undefined || typeof block.signature === 'string')) return block as ReasoningBlock;
    if (block.type === 'redacted' && typeof block.data === 'string') return block as ReasoningBlock;
  } catch {
    // Not ours after all.
  }
  return null;
}
