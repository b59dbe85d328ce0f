import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simText, type RunningGateway } from '@sluice/gateway';
import { chatBody, postChat, startTestGateway } from './helpers/gateway.ts';
import { readEventsThenCut } from './helpers/partial-sse.ts';
import { readSse } from './helpers/sse.ts';

/** A small seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
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

/** Register more legs (another transport) before the suite runs. */
export function addLegs(first: Record<string, FirstLeg>, second: Record<string, SecondLeg>): void {
  Object.assign(firstLegs, first);
  Object.assign(secondLegs, second);
}

const CASES = 200;

describe('resume property: any cut, any delay, any transport pair, the same text', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startTestGateway({ streams: { lingerMs: 5_000 } });
  });
  after(async () => {
    await gateway.close();
  });

  test(`${CASES} seeded cases`, async () => {
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
  });
});
