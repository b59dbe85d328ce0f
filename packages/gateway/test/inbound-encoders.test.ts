import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessagesEncoder } from '../src/api/anthropic-messages/event-encoder.ts';
import { MessageCollector } from '../src/api/anthropic-messages/message-collector.ts';
import { parseMessagesRequest, toChatRequest } from '../src/api/anthropic-messages/request-mapper.ts';
import { ResponsesEncoder } from '../src/api/responses/event-encoder.ts';
import { itemsToMessages } from '../src/api/responses/input-mapper.ts';
import type { InputItem } from '../src/api/responses/request-schema.ts';
import { responseEcho } from '../src/api/responses/response-object.ts';
import { UpstreamUnavailableError } from '../src/errors/index.ts';
import type { StreamEvent } from '../src/events/stream-event.ts';
import type { EventEncoder, FrameWriter } from '../src/streams/event-encoder.ts';
import type { EntryKind, LogEntry } from '../src/streams/log.ts';

/** Run events through an encoder as a generation does, and keep the entries it writes. */
function encode(encoder: EventEncoder, events: StreamEvent[], end: 'finish' | 'fail' = 'finish'): LogEntry[] {
  const entries: LogEntry[] = [];
  const add = (kind: EntryKind) => (json: string) => void entries.push({ seq: entries.length + 1, kind, json });
  const out: FrameWriter = { chunk: add('chunk'), done: add('done'), error: add('error') };
  for (const event of events) encoder.encode(event, out);
  if (end === 'finish') encoder.finish({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29, prompt_tokens_details: { cached_tokens: 12 } }, out);
  else encoder.fail(new UpstreamUnavailableError('The upstream went away.'), out);
  return entries;
}

const types = (entries: LogEntry[]) => entries.map((e) => (JSON.parse(e.json) as { type: string }).type);

/** A provider that thinks in two signed blocks, redacts one, and makes two calls, the second signed (as Gemini does). */
const THINKING_TURN: StreamEvent[] = [
  { type: 'usage', usage: { prompt_tokens: 20, completion_tokens: 0, total_tokens: 20 } },
  { type: 'role', choice: 0, role: 'assistant' },
  { type: 'reasoning', choice: 0, text: 'First, ' },
  { type: 'reasoning', choice: 0, text: 'the weather.' },
  { type: 'reasoning_signature', choice: 0, signature: 'sig-one' },
  { type: 'reasoning', choice: 0, text: 'Then the time.' },
  { type: 'reasoning_signature', choice: 0, signature: 'sig-two' },
  { type: 'reasoning_redacted', choice: 0, data: 'opaque-bytes' },
  { type: 'content', choice: 0, text: 'Checking.' },
  // A second choice cannot be asked for on these APIs; nothing of it may leak into the answer.
  { type: 'content', choice: 1, text: 'LEAK' },
  { type: 'tool_call', choice: 0, call: { index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } } },
  { type: 'tool_call', choice: 0, call: { index: 0, function: { arguments: '{"city":' } } },
  { type: 'tool_call', choice: 0, call: { index: 0, function: { arguments: '"Oslo"}' } } },
  { type: 'tool_call', choice: 0, call: { index: 1, id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } }, signature: 'call-sig' },
  { type: 'finish', choice: 0, reason: 'tool_calls' },
];

/** That turn as the next request gives it back to the provider: every block, signature and call as it came. */
const THINKING_TURN_BACK = {
  role: 'assistant',
  content: 'Checking.',
  tool_calls: [
    { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
    { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' }, signature: 'call-sig' },
  ],
  reasoning_blocks: [
    { type: 'thinking', text: 'First, the weather.', signature: 'sig-one' },
    { type: 'thinking', text: 'Then the time.', signature: 'sig-two' },
    { type: 'redacted', data: 'opaque-bytes' },
  ],
};

describe('the Messages encoder', () => {
  test('blocks one after another, each opened, streamed and closed under its own index', () => {
    const entries = encode(new MessagesEncoder({ messageId: 'msg_x', model: 'm', estimateInputTokens: () => 0 }), THINKING_TURN);
    assert.deepEqual(types(entries), [
      'message_start',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    const indices = entries.map((e) => (JSON.parse(e.json) as { index?: number }).index).filter((i) => i !== undefined);
    assert.deepEqual([...new Set(indices)], [0, 1, 2, 3, 4, 5]);
    assert.equal(entries.at(-1)!.kind, 'done');
    // The usage the upstream sent at the start is message_start's: Anthropic counts cached input apart.
    assert.deepEqual((JSON.parse(entries[0].json) as { message: { usage: object } }).message.usage, { input_tokens: 20, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    assert.deepEqual((JSON.parse(entries.at(-2)!.json) as { usage: object }).usage, { input_tokens: 8, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 12 });
  });

  test('assembled, the message holds every block, and a next turn gives the provider back exactly what it made', () => {
    const entries = encode(new MessagesEncoder({ messageId: 'msg_x', model: 'm', estimateInputTokens: () => 0 }), THINKING_TURN);
    const collector = new MessageCollector();
    for (const entry of entries) collector.write(entry);
    const message = collector.message() as { content: { type: string; id?: string }[]; stop_reason: string };
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content.slice(0, 4), [
      { type: 'thinking', thinking: 'First, the weather.', signature: 'sig-one' },
      { type: 'thinking', thinking: 'Then the time.', signature: 'sig-two' },
      { type: 'redacted_thinking', data: 'opaque-bytes' },
      { type: 'text', text: 'Checking.' },
    ]);
    assert.deepEqual(message.content[4], { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Oslo' } });
    assert.notEqual(message.content[5].id, 'call_b', 'the signed call carries its signature in its id');

    const next = toChatRequest(parseMessagesRequest({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: message.content }] }));
    assert.deepEqual(next.messages[1], THINKING_TURN_BACK);
  });

  test('a failure is one Anthropic error event, the stream’s end', () => {
    const entries = encode(new MessagesEncoder({ messageId: 'msg_x', model: 'm', estimateInputTokens: () => 3 }), [{ type: 'content', choice: 0, text: 'Hal' }], 'fail');
    assert.deepEqual(entries.at(-1), { seq: entries.length, kind: 'error', json: '{"type":"error","error":{"type":"api_error","message":"The upstream went away."}}' });
  });
});

describe('the Responses encoder', () => {
  test('output items in order, sequence numbers from 0, reasoning sealed for the next turn', () => {
    const encoder = new ResponsesEncoder({ streamId: 'S', createdAt: 0, echo: responseEcho({ model: 'm', input: 'Hi' }), includeEncrypted: true });
    const entries = encode(encoder, THINKING_TURN);
    assert.deepEqual(entries.map((e) => (JSON.parse(e.json) as { sequence_number: number }).sequence_number), entries.map((_, i) => i));
    assert.equal(types(entries).at(-1), 'response.completed');
    const response = encoder.final!;
    assert.deepEqual(response.output.map((item) => (item as { type: string }).type), ['reasoning', 'reasoning', 'reasoning', 'message', 'function_call', 'function_call']);
    assert.deepEqual(response.usage, { input_tokens: 20, input_tokens_details: { cached_tokens: 12 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 29 });
    const next = itemsToMessages(response.output as InputItem[]);
    assert.deepEqual(next, [THINKING_TURN_BACK]);
  });

  test('without include, the client sees no encrypted_content, but the gateway’s own copy keeps it', () => {
    const encoder = new ResponsesEncoder({ streamId: 'S', createdAt: 0, echo: responseEcho({ model: 'm', input: 'Hi' }), includeEncrypted: false });
    encode(encoder, THINKING_TURN);
    assert.ok(encoder.final!.output.every((item) => !('encrypted_content' in (item as object))));
    assert.ok(encoder.fullOutput.some((item) => 'encrypted_content' in item));
  });

  test('a failure ends the open item as incomplete, then an error event and response.failed', () => {
    const encoder = new ResponsesEncoder({ streamId: 'S', createdAt: 0, echo: responseEcho({ model: 'm', input: 'Hi' }), includeEncrypted: false });
    const entries = encode(encoder, [{ type: 'content', choice: 0, text: 'Hal' }], 'fail');
    assert.deepEqual(types(entries).slice(-4), ['response.content_part.done', 'response.output_item.done', 'error', 'response.failed']);
    assert.equal(entries.at(-1)!.kind, 'error');
    assert.deepEqual(encoder.final!.error, { code: 'upstream_unavailable', message: 'The upstream went away.' });
    assert.equal((encoder.final!.output[0] as { status: string }).status, 'incomplete');
  });
});
