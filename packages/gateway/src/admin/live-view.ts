import type { Generation } from '../streams/generation.ts';

/** A running stream as the Live page shows it. */
export interface LiveStream {
  id: string;
  key: string;
  model: string;
  /** The target serving it (the last one tried), null before the first attempt. */
  deployment: string | null;
  api: string;
  transport: string;
  /** `connecting`: no first token yet; `streaming`: a reader attached; `lingering`: resumable, nobody reading. */
  state: 'connecting' | 'streaming' | 'lingering';
  /** Numbered events logged so far: one per upstream delta (which may hold several tokens). */
  chunks: number;
  /**
   * Output tokens so far, counted with the tokenizer the gateway estimates
   * usage with (at least the upstream's own count once it reported one);
   * the stream's settled usage, in the ledger, is the real figure.
   */
  tokens: number;
  ttftMs: number | null;
  ageMs: number;
  readers: number;
  resumes: number;
  attempts: number;
  resumable: boolean;
}

/**
 * What a running generation looks like right now: counters it keeps anyway,
 * and its output counted since the last snapshot, so the counting is done
 * only while somebody watches.
 */
export function liveView(generation: Generation, now: number): LiveStream {
  const firstTokenAt = generation.firstTokenAt;
  const readers = generation.subscriberCount;
  return {
    id: generation.id,
    key: generation.options.ownerName,
    model: generation.options.request.model,
    deployment: generation.target?.label ?? null,
    api: generation.options.encoding.api,
    transport: generation.options.transport ?? 'sse',
    state: firstTokenAt === 0 ? 'connecting' : readers === 0 && generation.options.resumable ? 'lingering' : 'streaming',
    chunks: generation.log.lastSeq,
    tokens: generation.outputTokensSoFar(),
    ttftMs: firstTokenAt === 0 ? null : firstTokenAt - generation.createdAt,
    ageMs: now - generation.createdAt,
    readers,
    resumes: generation.resumes,
    attempts: generation.attempts,
    resumable: generation.options.resumable,
  };
}
