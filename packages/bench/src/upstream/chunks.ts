/**
 * The bytes of one upstream stream, built once per stream from a prefix so
 * the upstream spends as little CPU per chunk as possible: its cost is part
 * of every target's figures alike, but the less of it there is, the more of
 * the machine is left to the target being measured.
 */
import { chunkText } from '../workload.ts';

export interface ChunkWriter {
  /** SSE event carrying content chunk `index` (the first one also names the role). */
  content(index: number): string;
  /** SSE event with `finish_reason: "stop"` and no content. */
  finish(): string;
  /** SSE event with the usage of the whole stream, OpenAI's `choices: []` form. */
  usage(promptTokens: number, completionTokens: number): string;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export function chunkWriter(streamId: string, model: string): ChunkWriter {
  const created = Math.floor(Date.now() / 1000);
  const head = `data: {"id":${JSON.stringify(`chatcmpl-${streamId}`)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
  return {
    content(index) {
      const role = index === 0 ? '"role":"assistant",' : '';
      return `${head}[{"index":0,"delta":{${role}"content":"${chunkText(index)}"},"finish_reason":null}]}\n\n`;
    },
    finish() {
      return `${head}[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
    },
    usage(promptTokens, completionTokens) {
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
      return `${head}[],"usage":${JSON.stringify(usage)}}\n\n`;
    },
  };
}

/** The non-streaming answer: the same text in one `chat.completion` object. */
export function completionBody(streamId: string, model: string, text: string, promptTokens: number, completionTokens: number): string {
  return JSON.stringify({
    id: `chatcmpl-${streamId}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  });
}
