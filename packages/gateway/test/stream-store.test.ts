import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryStreamLogStore } from '../src/streams/store/memory-store.ts';
import { RedisStreamLogStore } from '../src/streams/store/redis-store.ts';
import type { StreamLogStore, StreamLogWriter } from '../src/streams/store/types.ts';
import type { EntryKind, LogEntry } from '../src/streams/log.ts';

/** One suite, every StreamLogStore implementation. */
interface StoreKind {
  name: string;
  skip: string | false;
  make(options: { retentionMs?: number }): StreamLogStore;
}

const prefix = `sluice-test-${randomBytes(4).toString('hex')}:`;
/** Three missed renewals mark a writer dead: long enough that a busy machine does not miss three by accident. */
const HEARTBEAT_MS = 250;
const kinds: StoreKind[] = [
  { name: 'memory', skip: false, make: ({ retentionMs = 60_000 }) => new MemoryStreamLogStore({ retentionMs, maxBytes: 64 * 1024 * 1024 }) },
  {
    name: 'redis',
    skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set (CI sets it when Redis runs on 127.0.0.1:6379)',
    make: ({ retentionMs = 60_000 }) =>
      new RedisStreamLogStore({ url: process.env.REDIS_URL ?? '', keyPrefix: prefix, retentionMs, heartbeatMs: HEARTBEAT_MS, runningTtlMs: 60_000, onError: () => {} }),
  },
];

let ids = 0;
const newId = () => `stream${Date.now()}x${++ids}`.padEnd(24, '0');

function entry(seq: number, kind: EntryKind = 'chunk'): LogEntry {
  return { seq, kind, json: kind === 'chunk' ? JSON.stringify({ n: seq, text: `token ${seq} "quoted" ✓` }) : '{"usage":null,"cost":0}' };
}

function write(writer: StreamLogWriter, from: number, to: number): LogEntry[] {
  const written: LogEntry[] = [];
  for (let seq = from; seq <= to; seq++) {
    const e = entry(seq);
    writer.append(e);
    written.push(e);
  }
  return written;
}

async function collect(entries: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of entries) out.push(e);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of kinds) {
  describe(`StreamLogStore: ${kind.name}`, { skip: kind.skip }, () => {
    test('an unknown stream has no metadata and cannot be read', async () => {
      const store = kind.make({});
      try {
        assert.equal(await store.meta(newId()), null);
        await assert.rejects(collect(store.read(newId(), 0, new AbortController().signal)), { code: 'stream_not_found' });
      } finally {
        await store.close();
      }
    });

    test('a finished stream reads back byte-identical, from any cursor, ending at its terminal, and keeps its API', async () => {
      const store = kind.make({});
      try {
        const id = newId();
        const writer = store.create({ id, owner: 'web', model: 'm', api: 'messages', createdAt: 1 });
        const written = write(writer, 1, 50);
        const done = entry(51, 'done');
        writer.append(done);
        writer.finish('done');
        await sleep(20);
        const meta = await store.meta(id);
        assert.deepEqual({ status: meta?.status, lastSeq: meta?.lastSeq, owner: meta?.owner, api: meta?.api }, { status: 'done', lastSeq: 51, owner: 'web', api: 'messages' });
        assert.deepEqual(await collect(store.read(id, 0, new AbortController().signal)), [...written, done]);
        assert.deepEqual(await collect(store.read(id, 37, new AbortController().signal)), [...written.slice(37), done]);
        assert.deepEqual(await collect(store.read(id, 50, new AbortController().signal)), [done]);
      } finally {
        await store.close();
      }
    });

    test('a reader follows a running stream live until its end', async () => {
      const store = kind.make({});
      try {
        const id = newId();
        const writer = store.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
        const first = write(writer, 1, 3);
        await sleep(20);
        const reading = collect(store.read(id, 1, new AbortController().signal));
        await sleep(50);
        const later = write(writer, 4, 10);
        await sleep(30);
        const more = write(writer, 11, 12);
        const end = entry(13, 'error');
        writer.append(end);
        writer.finish('error');
        assert.deepEqual(await reading, [...first.slice(1), ...later, ...more, end]);
      } finally {
        await store.close();
      }
    });

    test('aborting a waiting reader ends it at once', async () => {
      const store = kind.make({});
      try {
        const id = newId();
        const writer = store.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
        write(writer, 1, 2);
        await sleep(20);
        const controller = new AbortController();
        const reading = collect(store.read(id, 2, controller.signal));
        await sleep(30);
        const started = performance.now();
        controller.abort(new Error('reader left'));
        await assert.rejects(reading, /reader left/);
        assert.ok(performance.now() - started < 100);
        writer.finish('cancelled');
      } finally {
        await store.close();
      }
    });

    test('a remembered value is recalled by key, from another replica too, until the retention time passes', async () => {
      const store = kind.make({ retentionMs: 1_000 });
      const replica = kind.name === 'memory' ? store : kind.make({ retentionMs: 1_000 });
      try {
        const key = `turn-${newId()}`;
        const value = JSON.stringify({ blocks: [{ type: 'thinking', text: 'über "quoted" ✓', signature: 'c2ln' }] });
        store.remember(key, value);
        assert.deepEqual(await store.recall([key]), [value], 'a replica reads its own write at once');
        // Another replica sees it once it has reached Redis.
        let found = await replica.recall([key, `${key}-unknown`]);
        for (let i = 0; i < 50 && found[0] === null; i++) found = (await sleep(10), await replica.recall([key, `${key}-unknown`]));
        assert.deepEqual(found, [value, null]);
        assert.deepEqual(await replica.recall([]), []);
        await sleep(1_500);
        assert.deepEqual(await replica.recall([key]), [null], 'forgotten after the retention time');
      } finally {
        await store.close();
        if (replica !== store) await replica.close();
      }
    });

    test('a finished stream expires after the retention time', async () => {
      const store = kind.make({ retentionMs: 150 });
      try {
        const id = newId();
        const writer = store.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
        write(writer, 1, 2);
        writer.append(entry(3, 'done'));
        writer.finish('done');
        await sleep(30);
        assert.notEqual(await store.meta(id), null);
        await sleep(300);
        assert.equal(await store.meta(id), null);
      } finally {
        await store.close();
      }
    });

    test('a remembered value is replaced by a later one and forgotten on request', async () => {
      const store = kind.make({});
      try {
        const key = `resp_${newId()}`;
        store.remember(key, '{"v":1}');
        store.remember(key, '{"v":2}');
        assert.deepEqual(await store.recall([key]), ['{"v":2}']);
        assert.equal(await store.forget(key), true);
        assert.deepEqual(await store.recall([key]), [null]);
        assert.equal(await store.forget(key), false);
      } finally {
        await store.close();
      }
    });
  });
}

describe('StreamLogStore: memory byte cap', () => {
  test('the oldest finished streams lose their oldest events first, and a resume that needs them is told', async () => {
    const store = new MemoryStreamLogStore({ retentionMs: 60_000, maxBytes: 4_000 });
    try {
      const old = newId();
      const oldWriter = store.create({ id: old, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      write(oldWriter, 1, 60);
      oldWriter.append(entry(61, 'done'));
      oldWriter.finish('done');
      const recent = newId();
      const recentWriter = store.create({ id: recent, owner: 'web', model: 'm', api: 'chat', createdAt: 2 });
      const recentEntries = write(recentWriter, 1, 60);
      assert.ok(store.bytes <= 4_000, `held ${store.bytes} bytes`);
      await assert.rejects(collect(store.read(old, 10, new AbortController().signal)), { code: 'stream_truncated' });
      assert.deepEqual((await collect(store.read(old, 60, new AbortController().signal))).map((e) => e.kind), ['done'], 'the terminal survives');
      const reading = collect(store.read(recent, 0, new AbortController().signal));
      recentWriter.append(entry(61, 'done'));
      recentWriter.finish('done');
      assert.deepEqual((await reading).slice(0, 60), recentEntries, 'a running stream keeps every event');
    } finally {
      await store.close();
    }
  });
});

describe('StreamLogStore: memory cap on remembered values', () => {
  test('past a sixteenth of maxBytes the oldest remembered values are forgotten first', async () => {
    const store = new MemoryStreamLogStore({ retentionMs: 60_000, maxBytes: 16 * 10_000 });
    try {
      const big = 'x'.repeat(3_000);
      for (let i = 0; i < 5; i++) store.remember(`k${i}`, big);
      const held = await store.recall(['k0', 'k1', 'k2', 'k3', 'k4']);
      assert.deepEqual(held.map((v) => v !== null), [false, false, true, true, true]);
    } finally {
      await store.close();
    }
  });
});

describe('StreamLogStore: redis across replicas', { skip: kinds[1].skip }, () => {
  test('a writer that dies is reported as interrupted within its heartbeat window', async () => {
    const writerStore = kinds[1].make({});
    const readerStore = kinds[1].make({});
    try {
      const id = newId();
      const writer = writerStore.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      write(writer, 1, 5);
      await sleep(30);
      const reading = collect(readerStore.read(id, 0, new AbortController().signal));
      await sleep(50);
      const diedAt = performance.now();
      await writerStore.close();
      await assert.rejects(reading, { code: 'stream_interrupted' });
      const took = performance.now() - diedAt;
      // Three missed renewals, one blocking read to notice, two more heartbeats to confirm, and slack for a busy machine.
      assert.ok(took < 6 * HEARTBEAT_MS + 1000, `noticed after ${took.toFixed(0)} ms`);
      assert.equal((await readerStore.meta(id))?.status, 'interrupted');
    } finally {
      await readerStore.close();
    }
  });

  test('stored entries come on the shared connection; readers waiting on running streams share one connection', async () => {
    const writerStore = kinds[1].make({});
    const readerStore = kinds[1].make({});
    const admin = new Redis(process.env.REDIS_URL ?? '');
    const followerConnections = async () => ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes(` name=${prefix}follower `)).length;
    const readers = new AbortController();
    try {
      const finished = newId();
      const done = writerStore.create({ id: finished, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      write(done, 1, 3);
      done.append(entry(4, 'done'));
      done.finish('done');
      const running = newId();
      const live = writerStore.create({ id: running, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      write(live, 1, 2);
      const other = newId();
      const otherLive = writerStore.create({ id: other, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      write(otherLive, 1, 1);
      await sleep(30);

      const late = readerStore.read(finished, 0, readers.signal)[Symbol.asyncIterator]();
      assert.equal((await late.next()).value?.seq, 1);
      assert.equal(await followerConnections(), 0, 'a finished stream is replayed without a connection of its own');
      assert.deepEqual((await collect({ [Symbol.asyncIterator]: () => late })).map((e) => e.seq), [2, 3, 4]);

      const follower = readerStore.read(running, 0, readers.signal)[Symbol.asyncIterator]();
      assert.equal((await follower.next()).value?.seq, 1);
      assert.equal((await follower.next()).value?.seq, 2);
      assert.equal(await followerConnections(), 0, 'the stored part came on the shared connection');
      const third = follower.next();
      const second = readerStore.read(other, 1, readers.signal)[Symbol.asyncIterator]();
      const secondNext = second.next();
      await sleep(50);
      assert.equal(await followerConnections(), 1, 'the caught-up readers of two streams wait on one connection');
      live.append(entry(3));
      assert.equal((await third).value?.seq, 3);
      otherLive.append(entry(2, 'done'));
      otherLive.finish('done');
      assert.equal((await secondNext).value?.seq, 2, 'the reader that joined the blocked read is woken too');
      live.append(entry(4, 'done'));
      live.finish('done');
      assert.equal((await follower.next()).value?.seq, 4);
      assert.equal((await follower.next()).done, true);
      await sleep(HEARTBEAT_MS + 100);
      assert.equal(await followerConnections(), 0, 'and lets it go once nobody waits');
    } finally {
      // A failed assertion must not leave a reader's connection holding the test process open.
      readers.abort();
      admin.disconnect();
      await writerStore.close();
      await readerStore.close();
    }
  });

  test('the events of one stream written in one turn are one entry; a resume inside it starts at the next seq', async () => {
    const store = kinds[1].make({});
    const admin = new Redis(process.env.REDIS_URL ?? '');
    try {
      const id = newId();
      // The replica's liveness goes out at start and with each heartbeat, not with a stream: let the first go.
      await sleep(20);
      const before = (store as RedisStreamLogStore).commandsSent;
      const writer = store.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      const written = write(writer, 1, 100);
      await sleep(20);
      const more = write(writer, 101, 140);
      const done = entry(141, 'done');
      writer.append(done);
      writer.finish('done');
      await sleep(20);
      assert.equal(await admin.xlen(`${prefix}stream:{${id}}:log`), 2, 'two turns, two entries');
      // Metadata and its expiry; two entries and the log's expiry; the finish and both expiries.
      assert.equal((store as RedisStreamLogStore).commandsSent - before, 8);
      const all = [...written, ...more, done];
      for (const after of [0, 1, 57, 99, 100, 101, 139, 140]) assert.deepEqual(await collect(store.read(id, after, new AbortController().signal)), all.slice(after), `from ${after}`);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  test('a writer whose liveness lapses once but is renewed in time is not declared dead', async () => {
    const writerStore = kinds[1].make({});
    const readerStore = kinds[1].make({});
    const admin = new Redis(process.env.REDIS_URL ?? '');
    try {
      const id = newId();
      const writer = writerStore.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      const first = write(writer, 1, 2);
      await sleep(30);
      const reading = collect(readerStore.read(id, 0, new AbortController().signal));
      await sleep(30);
      // As if the writer had been starved past its liveness TTL: the key is gone until its next heartbeat renews it.
      const liveness = (await admin.keys(`${prefix}replica:*:alive`)) as string[];
      assert.ok(liveness.length > 0);
      await admin.del(...liveness);
      await sleep(3 * HEARTBEAT_MS);
      const rest = write(writer, 3, 4);
      const done = entry(5, 'done');
      writer.append(done);
      writer.finish('done');
      assert.deepEqual(await reading, [...first, ...rest, done]);
      assert.equal((await readerStore.meta(id))?.status, 'done');
    } finally {
      admin.disconnect();
      await writerStore.close();
      await readerStore.close();
    }
  });

  test('a value kept by one replica is read and forgotten by another', async () => {
    const writer = kinds[1].make({});
    const reader = kinds[1].make({});
    try {
      const key = `resp_${newId()}`;
      writer.remember(key, '{"kept":true}');
      // The write leaves with the writer's next pipeline: poll for it, as a busy machine may take a while.
      let found = await reader.recall([key]);
      for (let i = 0; i < 100 && found[0] === null; i++) found = (await sleep(20), await reader.recall([key]));
      assert.deepEqual(found, ['{"kept":true}']);
      assert.equal(await reader.forget(key), true);
      assert.deepEqual(await writer.recall([key]), [null]);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  test('a cancel request reaches the replica that runs the stream', async () => {
    const owner = kinds[1].make({});
    const other = kinds[1].make({});
    try {
      const id = newId();
      const heard: string[] = [];
      owner.onCancelRequest((streamId) => heard.push(streamId));
      other.onCancelRequest((streamId) => heard.push(`wrong replica: ${streamId}`));
      const writer = owner.create({ id, owner: 'web', model: 'm', api: 'chat', createdAt: 1 });
      // Subscribing takes a round trip; ask until the owner has heard (a real client retries a cancel the same way).
      for (let i = 0; i < 40 && heard.length === 0; i++) {
        await other.requestCancel(id);
        await sleep(50);
      }
      assert.equal(heard[0], id);
      assert.ok(heard.every((h) => h === id), `only the owner hears it: ${heard.join(', ')}`);
      writer.finish('cancelled');
    } finally {
      await owner.close();
      await other.close();
    }
  });
});
