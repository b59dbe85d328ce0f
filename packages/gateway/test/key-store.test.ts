import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { dropPostgresTables } from './helpers/postgres.ts';
import { KeyDirectory } from '../src/keys/key-directory.ts';
import { newKeySecret, parseManagedKey, secretDigest } from '../src/keys/key-secret.ts';
import type { KeyStore } from '../src/keys/key-store.ts';
import type { ManagedKey } from '../src/keys/managed-key.ts';
import { PostgresKeyStore } from '../src/keys/postgres-key-store.ts';
import { SqliteKeyStore } from '../src/keys/sqlite-key-store.ts';
import { AuthenticationError } from '../src/errors/index.ts';

/** One suite, every KeyStore: SQLite always, PostgreSQL when DATABASE_URL is set. Two stores over one place are two replicas. */
interface StoreKind {
  name: string;
  skip: string | false;
  /** Stores over one database: the same place each time for the same `where`. */
  open(where: string): KeyStore;
}

const suffix = randomBytes(4).toString('hex');
const pgTables: string[] = [];
const sqliteDatabases = new Map<string, DatabaseSync>();
const kinds: StoreKind[] = [
  {
    name: 'SQLite',
    skip: false,
    open: (where) => {
      let db = sqliteDatabases.get(where);
      if (db === undefined) sqliteDatabases.set(where, (db = new DatabaseSync(':memory:')));
      return new SqliteKeyStore(db);
    },
  },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set (CI sets it when PostgreSQL runs on 127.0.0.1:5432)',
    open: (where) => {
      const table = `sluice_keytest_${where}_${suffix}`;
      if (!pgTables.includes(table)) pgTables.push(table);
      return new PostgresKeyStore(process.env.DATABASE_URL ?? '', table, (error) => assert.fail(String(error)));
    },
  },
];

after(async () => {
  for (const db of sqliteDatabases.values()) db.close();
  await dropPostgresTables(pgTables.flatMap((table) => [`${table}_keys`, `${table}_teams`, `${table}_keys_version`]));
});

function managedKey(overrides: Partial<ManagedKey> = {}): { key: ManagedKey; secret: string } {
  const { id, secret, key } = newKeySecret();
  return {
    key: { id, name: 'k', team: null, models: null, limits: null, expiresAt: null, createdAt: Date.now(), revokedAt: null, digest: secretDigest(parseManagedKey(key)!.secret), ...overrides },
    secret,
  };
}

for (const kind of kinds) {
  describe(`KeyStore: ${kind.name}`, { skip: kind.skip }, () => {
    test('keys round-trip with every field; changes and revocation persist', async () => {
      const store = kind.open('roundtrip');
      try {
        const { key } = managedKey({ name: 'full', team: 't', models: ['gpt-4.1', 'sim/*'], limits: { rpm: 5, budget: { usd: 2.5, period: 'month' } }, expiresAt: Date.now() + 60_000 });
        await store.insertKey(key);
        assert.deepEqual(await store.getKey(key.id), key);
        const changed = await store.updateKey(key.id, { name: 'renamed', models: null, limits: { tpm: 100 }, expiresAt: null, team: null });
        assert.deepEqual(changed, { ...key, name: 'renamed', models: null, limits: { tpm: 100 }, expiresAt: null, team: null });
        const revoked = await store.revokeKey(key.id, 1234);
        assert.equal(revoked?.revokedAt, 1234);
        assert.equal((await store.revokeKey(key.id, 9999))?.revokedAt, 1234, 'the first revocation time stays');
        assert.equal(await store.getKey('0000000000000000'), null);
        assert.equal(await store.updateKey('0000000000000000', { name: 'x' }), null);
        assert.equal(await store.revokeKey('0000000000000000', 1), null);
      } finally {
        await store.close();
      }
    });

    test('every change bumps the version once; a change of nothing does not', async () => {
      const store = kind.open('version');
      try {
        const start = await store.version();
        const { key } = managedKey();
        await store.insertKey(key);
        assert.equal(await store.version(), start + 1);
        await store.updateKey(key.id, { limits: { rpm: 1 } });
        await store.revokeKey(key.id, 1);
        assert.equal(await store.version(), start + 3);
        await store.revokeKey(key.id, 2);
        await store.updateKey('0000000000000000', { name: 'x' });
        assert.equal(await store.version(), start + 3, 'nothing changed, no bump');
        assert.equal(await store.insertTeam({ name: 'team-a', limits: null, createdAt: 1 }), true);
        assert.equal(await store.insertTeam({ name: 'team-a', limits: null, createdAt: 2 }), false);
        assert.equal(await store.version(), start + 4);
        assert.deepEqual(await store.updateTeam('team-a', { concurrency: 2 }), { name: 'team-a', limits: { concurrency: 2 }, createdAt: 1 });
        assert.equal(await store.updateTeam('team-b', null), null);
        assert.equal(await store.version(), start + 5);
        const snapshot = await store.snapshot();
        assert.equal(snapshot.version, start + 5);
        assert.ok(snapshot.keys.some((k) => k.id === key.id && k.revokedAt === 1));
        assert.deepEqual(snapshot.teams, [{ name: 'team-a', limits: { concurrency: 2 }, createdAt: 1 }]);
      } finally {
        await store.close();
      }
    });

    test('a directory on another store over the same database sees a revocation and a new team limit on its next refresh', async () => {
      const writer = kind.open('replicas');
      const reader = kind.open('replicas');
      const directory = new KeyDirectory(reader, [], (error) => assert.fail(String(error)));
      try {
        await writer.insertTeam({ name: 'shared', limits: { rpm: 10 }, createdAt: 1 });
        const { key, secret } = managedKey({ name: 'member', team: 'shared', models: ['gpt-4.1'], limits: { concurrency: 3 } });
        await writer.insertKey(key);
        await directory.refresh();
        assert.deepEqual(directory.authenticate(key.id, secret), { id: key.id, name: 'member', team: { name: 'shared', limits: { rpm: 10 } }, models: ['gpt-4.1'], limits: { concurrency: 3 } });
        assert.throws(() => directory.authenticate(key.id, `${secret.slice(0, -1)}x`), AuthenticationError);
        await writer.updateTeam('shared', { rpm: 20 });
        await directory.refresh();
        assert.deepEqual(directory.authenticate(key.id, secret).team, { name: 'shared', limits: { rpm: 20 } });
        await writer.revokeKey(key.id, Date.now());
        await directory.refresh();
        assert.throws(() => directory.authenticate(key.id, secret), /revoked/);
      } finally {
        directory.close();
        await writer.close();
        await reader.close();
      }
    });

    test('refreshes asked for while one runs all see the change made before they were asked', async () => {
      const store = kind.open('refresh');
      const directory = new KeyDirectory(store, [], (error) => assert.fail(String(error)));
      try {
        const first = directory.refresh();
        const { key, secret } = managedKey();
        await store.insertKey(key);
        await Promise.all([directory.refresh(), directory.refresh()]);
        await first;
        assert.equal(directory.authenticate(key.id, secret).id, key.id);
      } finally {
        directory.close();
        await store.close();
      }
    });
  });
}
