import type { ChatCompletion } from '@sluice/protocol';
import { UpstreamProtocolError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import { bodyError, type ResponseBody } from '../http/sse-upstream.ts';
import type { IdleLimit } from '../upstream-error.ts';
import { replayEvents } from '../iterable-stream.ts';
import type { UpstreamStream } from '../types.ts';

/** An upstream that answered one JSON completion instead of a stream: replay it as events. */
export async function readJsonCompletion(body: ResponseBody, signal: AbortSignal, idle: IdleLimit): Promise<UpstreamStream> {
  let completion: ChatCompletion;
  try {
    completion = (await body.json()) as ChatCompletion;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof SyntaxError) throw new UpstreamProtocolError('The upstream answered JSON that does not parse.', { cause: error });
    throw bodyError(error, idle);
  }
  const events: StreamEvent[] = [];
  for (const choice of completion.choices ?? []) {
    const message = choice.message ?? { role: 'assistant', content: null };
    events.push({ type: 'role', choice: choice.index, role: 'assistant' });
    if (message.reasoning_content) events.push({ type: 'reasoning', choice: choice.index, text: message.reasoning_content });
    if (typeof message.content === 'string') events.push({ type: 'content', choice: choice.index, text: message.content });
    message.tool_calls?.forEach((call, index) => events.push({ type: 'tool_call', choice: choice.index, call: { index, ...call } }));
    events.push({ type: 'finish', choice: choice.index, reason: choice.finish_reason ?? 'stop' });
  }
  if (completion.usage) events.push({ type: 'usage', usage: completion.usage });
  return replayEvents(events, signal);
}
