import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pino from 'pino';
import { SqliteUsageStore } from '../../src/billing/sqlite-usage-store.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { LimitEngine } from '../../src/limits/limit-engine.ts';
import type { LimitStore } from '../../src/limits/limit-store.ts';

/** A ledger in a temporary directory, closed after the test file. */
export function temporaryLedger(): SqliteUsageStore {
  const usage = new SqliteUsageStore(join(mkdtempSync(join(tmpdir(), 'sluice-limits-')), 'ledger.db'), (error) => {
    throw error;
  });
  after(() => usage.close());
  return usage;
}

/** A config with one model, `m` (at `price` US dollars a million tokens, when given), on an upstream nobody calls. */
export function oneModelConfig(price?: { input: number; output: number }): ReturnType<typeof resolveConfig> {
  return resolveConfig({
    providers: [{ id: 'up', type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' }],
    models: [{ name: 'm', target: 'up/m', ...(price === undefined ? {} : { price }) }],
  });
}

/** An engine over `store`, as a gateway makes it (without a gateway around it). */
export function engineOver(store: LimitStore, usage: SqliteUsageStore, config = oneModelConfig()): LimitEngine {
  return new LimitEngine({ config, store, usage, logger: pino({ level: 'silent' }), onFailOpen: () => assert.fail('the store does not fail') });
}
