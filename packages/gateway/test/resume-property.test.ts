import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seededRandom, simText, type RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { readEventsThenCut } from './helpers/partial-sse.ts';
import { readSse } from './helpers/sse.ts';
import { MultiplexClient } from './helpers/ws.ts';
import type { WsServerMessage } from '@sluice/protocol';

/** Whole numbers below `n` from a seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): (n: number) => number {
  const random = seededRandom(seed);
  return (n) => Math.floor(random() * n);
}

interface Event {
  id: string;
  data: string;
}

/** How a leg reads: the first leg starts the stream, the second resumes it. */
type FirstLeg = (gateway: RunningGateway, body: object, cutAfter: number) => Promise<{ streamId: string; token: string; events: Event[] }>;
type SecondLeg = (gateway: RunningGateway, streamId: string, token: string, after: number) => Promise<Event[]>;

const firstLegs: Record<string, FirstLeg> = {
  'SSE POST': async (gateway, body, cutAfter) => {
    const controller = new AbortController();
    const response = await postChat(gateway, body, { 'x-sluice-resumable': '1' }, controller.signal);
    const events = await readEventsThenCut(response, cutAfter, controller);
    return { streamId: response.headers.get('x-sluice-stream-id')!, token: response.headers.get('x-sluice-stream-token')!, events };
  },
};

const secondLegs: Record<string, SecondLeg> = {
  'SSE Last-Event-ID': async (gateway, streamId, token, after) => {
    const response = await fetch(`${gateway.baseURL}/streams/${streamId}?token=${token}`, { headers: { 'last-event-id': String(after) } });
    return response.status === 204 ? [] : (await readSse(response)).events;
  },
  'SSE ?after=': async (gateway, streamId, token, after) => {
    const response = await fetch(`${gateway.baseURL}/streams/${streamId}?token=${token}&after=${after}`);
    return response.status === 204 ? [] : (await readSse(response)).events;
  },
};

/** A `sluice.v1` message as the SSE event it stands for, so legs of either transport compare alike. */
function asEvent(message: WsServerMessage): Event | null {
  if (message.type === 'chunk') return { id: String(message.seq), data: JSON.stringify(message.data) };
  if (message.type === 'done') return { id: String(message.seq), data: '[DONE]' };
  if (message.type === 'error') return { id: String(message.seq), data: JSON.stringify({ error: message.error }) };
  return null;
}

/** Read one request's events on a socket, ending at its terminal or after `limit` events (then the socket is cut). */
function readOnSocket(client: MultiplexClient, id: string, limit: number): Promise<{ streamId: string; token: string; events: Event[] }> {
  return new Promise((resolve) => {
    const events: Event[] = [];
    let streamId = '';
    let token = '';
    client.listen(id, (message) => {
      if (message.type === 'accepted') {
        streamId = message.streamId;
        token = message.token ?? '';
        return;
      }
      const event = asEvent(message);
      if (event === null || events.length >= limit) return;
      events.push(event);
      if (events.length === limit || message.type !== 'chunk') {
        client.ws.terminate();
        resolve({ streamId, token, events });
      }
    });
  });
}

firstLegs['WS sluice.v1'] = async (gateway, body, cutAfter) => {
  const client = await MultiplexClient.connect(gateway);
  const reading = readOnSocket(client, 'first', cutAfter);
  client.send({ type: 'request', id: 'first', body });
  return reading;
};

secondLegs['WS resume'] = async (gateway, streamId, token, after) => {
  const client = await MultiplexClient.connect(gateway);
  const reading = readOnSocket(client, 'again', Infinity);
  client.send({ type: 'resume', id: 'again', streamId, after, token });
  const { events } = await reading;
  // A reader that already had the end is told the end again; it is not a new event.
  return events.filter((e) => Number(e.id) > after);
};

const CASES = 200;

describe('resume property: any cut, any delay, any transport pair, the same text', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({ streams: { lingerMs: 5_000 } });
  });
  after(async () => {
    await gateway.close();
  });

  test(`${CASES} seeded cases`, async (t) => {
    const pairs = new Map<string, number>();
    const firstNames = Object.keys(firstLegs);
    const secondNames = Object.keys(secondLegs);
    const runCase = async (seed: number) => {
      const rand = prng(seed);
      const tokens = 3 + rand(40);
      const body = chatBody({ stream: true, messages: [{ role: 'user', content: `case ${seed}` }], sim: { tokens, delayMs: rand(3), seed } });
      // role + tokens + finish + [DONE]: the cut may land anywhere, even after the end.
      const cutAfter = 1 + rand(tokens + 3);
      const firstName = firstNames[rand(firstNames.length)];
      const secondName = secondNames[rand(secondNames.length)];
      const label = `seed ${seed}: ${tokens} tokens, cut after ${cutAfter}, ${firstName} then ${secondName}`;
      pairs.set(`${firstName} → ${secondName}`, (pairs.get(`${firstName} → ${secondName}`) ?? 0) + 1);
      const first = await firstLegs[firstName](gateway, body, cutAfter);
      await new Promise((r) => setTimeout(r, rand(40)));
      const last = Number(first.events.at(-1)?.id ?? 0);
      const rest = await secondLegs[secondName](gateway, first.streamId, first.token, last);
      const all = [...first.events, ...rest];
      assert.deepEqual(all.map((e) => Number(e.id)), all.map((_, i) => i + 1), `${label}: seq`);
      assert.equal(all.at(-1)?.data, '[DONE]', `${label}: end`);
      let text = '';
      for (const e of all.slice(0, -1)) text += (JSON.parse(e.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '';
      // The simulator sees the upstream model name, without the provider prefix.
      assert.equal(text, simText({ ...body, model: 'test' } as never), `${label}: text`);
    };
    // A few cases at a time: fast, and streams overlap as they would in production.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < CASES) await runCase(1000 + next++);
      }),
    );
    for (const [pair, count] of pairs) t.diagnostic(`${pair}: ${count} cases`);
    assert.equal(pairs.size, firstNames.length * secondNames.length, 'every transport pair was exercised');
  });
});
