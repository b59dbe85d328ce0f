/**
 * What the fake Gemini answers to one request, in the Gemini API's own
 * terms: the parts it streams (one chunk each, unless grouped), the finish
 * reason and usage metadata, and the faults on the way.
 */
export type ScriptPart =
  /** Text, one chunk per word, or exactly the given pieces. */
  | { text: string | string[] }
  /** A thought summary (`thought: true`), likewise. */
  | { thought: string | string[] }
  /** A function call, whole; the first of an answer carries a thought signature unless `unsigned`. */
  | { functionCall: { name: string; args: Record<string, unknown> }; unsigned?: boolean }
  /** An empty text part that carries only a thought signature, as streams often end. */
  | { signatureOnly: true }
  /** These parts in one chunk's `parts[]`, each text whole. */
  | { together: ScriptPart[] };

export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
}

export interface GeminiScript {
  parts?: ScriptPart[];
  /** Default STOP. */
  finishReason?: string;
  /** Default: the request's size for the prompt, one token per chunk for the answer. */
  usage?: GeminiUsage;
  /** The prompt is blocked: one chunk with `promptFeedback.blockReason` and no candidates. */
  blockReason?: string;
  delayMs?: number;
  /** Answer this HTTP status with a Google error body (`status` such as RESOURCE_EXHAUSTED) instead. */
  status?: number;
  googleStatus?: string;
  errorMessage?: string;
  /** RetryInfo's delay, e.g. "2s". */
  retryDelay?: string;
  /** Answer streamGenerateContent with one JSON document, as generateContent does, ignoring `alt=sse`. */
  asJson?: boolean;
  /** An error object in the stream (`data: {"error": …}`) after this many chunks, and the end. */
  streamError?: { code: number; status: string; message?: string; afterChunks: number };
  dropAfterChunks?: number;
  stallAfterChunks?: number;
}

export type ScriptSource = GeminiScript | ((body: Record<string, unknown>) => GeminiScript);
