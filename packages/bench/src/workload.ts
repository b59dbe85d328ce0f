/**
 * What one benchmark stream asks of the upstream, and the exact text it must
 * come back with.
 *
 * The parameters travel inside the user message rather than in extra body
 * fields, because a gateway may drop fields it does not know but always
 * forwards the messages untouched. Every chunk's text names its own index, so
 * the load generator can tell a lost chunk from a duplicated one.
 */

export interface StreamSpec {
  /** Unique per request: the upstream reports aborts by this id. */
  id: string;
  /** Content chunks the upstream sends (the finish and usage chunks come on top). */
  chunks: number;
  /** Delay before the first chunk, in milliseconds. */
  ttftMs: number;
  /** Delay between chunks, in milliseconds (0: as fast as the event loop allows). */
  itlMs: number;
}

const PROMPT_PREFIX = 'bench ';

export function encodePrompt(spec: StreamSpec): string {
  return `${PROMPT_PREFIX}id=${spec.id} chunks=${spec.chunks} ttft=${spec.ttftMs} itl=${spec.itlMs}`;
}

export class BadPromptError extends Error {
  constructor(prompt: string) {
    super(`not a benchmark prompt: ${JSON.stringify(prompt.slice(0, 120))}`);
    this.name = 'BadPromptError';
  }
}

const LIMITS = { chunks: 1_000_000, ttft: 3_600_000, itl: 60_000 } as const;

/** The inverse of `encodePrompt`; throws `BadPromptError` on anything else. */
export function parsePrompt(prompt: string): StreamSpec {
  if (!prompt.startsWith(PROMPT_PREFIX)) throw new BadPromptError(prompt);
  const fields = new Map<string, string>();
  for (const pair of prompt.slice(PROMPT_PREFIX.length).split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const id = fields.get('id');
  const number = (name: keyof typeof LIMITS): number => {
    const value = Number(fields.get(name));
    if (!Number.isInteger(value) || value < 0 || value > LIMITS[name]) throw new BadPromptError(prompt);
    return value;
  };
  if (!id || !/^[\w.-]{1,64}$/.test(id)) throw new BadPromptError(prompt);
  return { id, chunks: number('chunks'), ttftMs: number('ttft'), itlMs: number('itl') };
}

/** The content of chunk `index` (0-based): its index and a space. */
export function chunkText(index: number): string {
  return `${index} `;
}

export function expectedText(chunks: number): string {
  let text = '';
  for (let i = 0; i < chunks; i++) text += chunkText(i);
  return text;
}

export interface TextCheck {
  exact: boolean;
  /** Chunk indices that never arrived. */
  lost: number;
  /** Chunk indices that arrived more than once. */
  duplicated: number;
}

/**
 * Compares received text with what `chunks` chunks must produce. When it
 * differs, the indices are counted so the report can say how many chunks were
 * lost or duplicated, not only that something went wrong.
 */
export function checkText(received: string, chunks: number): TextCheck {
  if (received === expectedText(chunks)) return { exact: true, lost: 0, duplicated: 0 };
  const seen = new Uint32Array(chunks);
  let foreign = 0;
  for (const word of received.split(' ')) {
    if (word === '') continue;
    const index = Number(word);
    if (Number.isInteger(index) && index >= 0 && index < chunks) seen[index]++;
    else foreign++;
  }
  let lost = 0;
  let duplicated = 0;
  for (const count of seen) {
    if (count === 0) lost++;
    else if (count > 1) duplicated += count - 1;
  }
  // Text that is neither lost nor repeated (garbled, reordered) still is not exact.
  return { exact: false, lost, duplicated: duplicated + foreign };
}
