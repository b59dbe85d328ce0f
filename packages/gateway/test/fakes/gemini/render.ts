import { words } from '../http.ts';
import type { Signer } from '../signer.ts';
import { callContent } from './validate.ts';
import type { GeminiScript, GeminiUsage, ScriptPart } from './script.ts';

type Json = Record<string, unknown>;

/**
 * A script as the chunks streamGenerateContent sends: each chunk's parts,
 * function calls signed the way Gemini signs them (the first call of the
 * answer), the last chunk with the finish reason and usage metadata.
 */
export function scriptChunks(script: GeminiScript, model: string, usage: GeminiUsage, signer: Signer, candidates = 1): Json[] {
  const partLists: Json[][] = [];
  let signedCall = false;
  const expand = (part: ScriptPart, whole: boolean): Json[][] => {
    if ('together' in part) return [part.together.flatMap((inner) => expand(inner, true).flat())];
    if ('text' in part) return pieces(part.text, whole).map((text) => [{ text }]);
    if ('thought' in part) return pieces(part.thought, whole).map((text) => [{ text, thought: true }]);
    if ('signatureOnly' in part) return [[{ text: '', thoughtSignature: signer.sign('part', '') }]];
    const call: Json = { functionCall: { name: part.functionCall.name, args: part.functionCall.args } };
    if (!signedCall && part.unsigned !== true) call.thoughtSignature = signer.sign('call', callContent(part.functionCall));
    signedCall = true;
    return [[call]];
  };
  for (const part of script.parts ?? []) partLists.push(...expand(part, false));
  if (partLists.length === 0) partLists.push([]);
  const responseId = `resp-${Math.random().toString(36).slice(2)}`;
  return partLists.map((parts, i) => {
    const last = i === partLists.length - 1;
    // Each candidate (generationConfig.candidateCount) says the same, under its own index.
    const all = Array.from({ length: candidates }, (_, index) => {
      const candidate: Json = { content: { parts, role: 'model' }, index };
      if (last) candidate.finishReason = script.finishReason ?? 'STOP';
      return candidate;
    });
    const chunk: Json = { candidates: all, modelVersion: model, responseId };
    chunk.usageMetadata = last ? usageMetadata(usage) : { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount };
    return chunk;
  });
}

function pieces(text: string | string[], whole: boolean): string[] {
  if (Array.isArray(text)) return whole ? [text.join('')] : text;
  return whole ? [text] : words(text);
}

export function usageMetadata(usage: GeminiUsage): Json {
  const total = usage.promptTokenCount + usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0);
  return { ...usage, totalTokenCount: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.promptTokenCount }] };
}

/** generateContent's one answer: every chunk's parts in one candidate. */
export function wholeAnswer(chunks: Json[]): Json {
  const last = chunks.at(-1)!;
  const candidates = (last.candidates as Json[]).map((candidate, i) => {
    const parts = chunks.flatMap((chunk) => ((chunk.candidates as Json[])[i].content as { parts: Json[] }).parts);
    return { ...candidate, content: { parts: mergeText(parts), role: 'model' } };
  });
  return { ...last, candidates };
}

/** Adjacent text parts of the same kind, as generateContent returns them, joined. */
function mergeText(parts: Json[]): Json[] {
  const out: Json[] = [];
  for (const part of parts) {
    const previous = out.at(-1);
    const plain = (p: Json) => typeof p.text === 'string' && p.thoughtSignature === undefined;
    if (previous !== undefined && plain(previous) && plain(part) && previous.thought === part.thought) previous.text = `${String(previous.text)}${String(part.text)}`;
    else out.push({ ...part });
  }
  return out;
}
