/**
 * Turn memory on its own, over a real in-memory stream store: what a turn's
 * events leave is found again for the next request of the same key, and
 * re-attached only where it belongs.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ChatCompletionRequest } from '@sluice/protocol';
import { SimProvider } from '../src/providers/sim/provider.ts';
import { MemoryStreamLogStore } from '../src/streams/store/memory-store.ts';
import { attachTurns, recallTurns, turnRecorder } from '../src/request/turn-memory/turn-memory.ts';
import type { RouteTarget } from '../src/routing/router.ts';
import type { StreamEvent } from '../src/events/stream-event.ts';

const store = new MemoryStreamLogStore({ retentionMs: 60_000, maxBytes: 64 * 1024 * 1024 });
const logger = pino({ level: 'silent' });
const target = (id: string): RouteTarget => ({ provider: new SimProvider(id), upstreamModel: 'm', label: `${id}/m`, price: { input: 0, output: 0 }, weight: 1 });
const tools = [{ type: 'function', function: { name: 'f' } }];

/** Play a turn's events through the recorder, as a generation does. */
function play(owner: string, events: StreamEvent[], by = target('claude')): void {
  const recorder = turnRecorder(store, logger, owner, { model: 'm', messages: [{ role: 'user', content: 'x' }], tools })!;
  for (const event of events) recorder.observe(event, by);
}

const turnEvents = (id: string): StreamEvent[] => [
  { type: 'role', choice: 0, role: 'assistant' },
  { type: 'reasoning', choice: 0, text: 'first ' },
  { type: 'reasoning', choice: 0, text: 'thought' },
  { type: 'reasoning_signature', choice: 0, signature: 'sig-1' },
  { type: 'reasoning_redacted', choice: 0, data: 'opaque' },
  { type: 'reasoning', choice: 0, text: 'never signed' },
  { type: 'tool_call', choice: 0, call: { index: 0, id, type: 'function', function: { name: 'f', arguments: '' } }, signature: 'call-sig' },
  { type: 'tool_call', choice: 0, call: { index: 0, function: { arguments: '{}' } } },
  { type: 'finish', choice: 0, reason: 'tool_calls' },
];

const nextRequest = (id: string): ChatCompletionRequest => ({
  model: 'm',
  messages: [
    { role: 'user', content: 'x' },
    { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: id, content: 'r' },
  ],
});

describe('turn memory', () => {
  after(() => store.close());

  test('a turn\'s signed blocks and call signatures come back on its assistant message, for the provider that made them', async () => {
    play('alice', turnEvents('call_1'));
    const request = nextRequest('call_1');
    const recalled = await recallTurns(store, logger, 'alice', request)!;
    const attached = attachTurns(request, recalled, 'claude');
    assert.deepEqual(attached.messages[1], {
      role: 'assistant',
      content: null,
      reasoning_blocks: [
        { type: 'thinking', text: 'first thought', signature: 'sig-1' },
        { type: 'redacted', data: 'opaque' },
      ],
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' }, signature: 'call-sig' }],
    });
    assert.equal(request.messages[1].reasoning_blocks, undefined, 'the request itself is not changed');
    assert.equal(attachTurns(request, recalled, 'gem'), request, 'another provider gets nothing: the signatures are not its own');
  });

  test('another key finds nothing, and neither does a turn before the last user message', async () => {
    play('alice', turnEvents('call_2'));
    assert.equal((await recallTurns(store, logger, 'bob', nextRequest('call_2'))!).size, 0);
    const later = { ...nextRequest('call_2'), messages: [...nextRequest('call_2').messages, { role: 'user' as const, content: 'new question' }] };
    assert.equal(recallTurns(store, logger, 'alice', later), null, 'nothing to look up after a new user message');
  });

  test('reasoning the client sent back itself is kept as it is', async () => {
    play('alice', turnEvents('call_3'));
    const request = nextRequest('call_3');
    request.messages[1].reasoning_blocks = [{ type: 'thinking', text: 'mine', signature: 'own' }];
    assert.equal(recallTurns(store, logger, 'alice', request), null);
  });

  test('a turn without tool calls, or with nothing signed, leaves nothing; a request without tools records nothing', async () => {
    play('carol', [{ type: 'reasoning', choice: 0, text: 'hmm' }, { type: 'reasoning_signature', choice: 0, signature: 's' }, { type: 'content', choice: 0, text: 'answer' }, { type: 'finish', choice: 0, reason: 'stop' }]);
    play('carol', [{ type: 'reasoning', choice: 0, text: 'unsigned' }, { type: 'tool_call', choice: 0, call: { index: 0, id: 'call_4', function: { name: 'f', arguments: '{}' } } }, { type: 'finish', choice: 0, reason: 'tool_calls' }]);
    assert.equal((await recallTurns(store, logger, 'carol', nextRequest('call_4'))!).size, 0);
    assert.equal(turnRecorder(store, logger, 'carol', { model: 'm', messages: [] }), undefined);
  });

  test('a turn larger than the limit is not remembered', async () => {
    play('dave', [{ type: 'reasoning', choice: 0, text: 'x'.repeat(300 * 1024) }, { type: 'reasoning_signature', choice: 0, signature: 's' }, { type: 'tool_call', choice: 0, call: { index: 0, id: 'call_5', function: { name: 'f', arguments: '{}' } } }, { type: 'finish', choice: 0, reason: 'tool_calls' }]);
    assert.equal((await recallTurns(store, logger, 'dave', nextRequest('call_5'))!).size, 0);
  });
});
