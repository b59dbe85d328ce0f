import type { UsageGroup, UsageQuery } from './usage-query.ts';
import { TTFT_BOUNDS_MS, type LedgerFilter, type SpendRow, type TrafficSeries } from './ledger-query.ts';

/** One settled request, as the ledger keeps it. */
export interface UsageRecord {
  at: number;
  streamId: string;
  /** The inbound API the request came through: `chat`, `messages` or `responses`. */
  endpoint: string;
  /** The key's name when it was used. */
  key: string;
  /** The caller id (`config:<name>`, a managed key's id, or `anonymous`): what usage is counted by. */
  keyId: string;
  /** The key's team when it was used, so a team's budget survives a restart like a key's. */
  team?: string | null;
  model: string;
  target: string | null;
  status: string;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
  cost: number;
  ttftMs: number | null;
  durationMs: number;
  /** The router's decision (`<alias>; rule=<rule>`) when a router model chose the alias. */
  route: string | null;
  /** Served from the response cache, at no cost. */
  cached: boolean;
  /** Upstream attempts beyond the first (retries and failovers). */
  retries?: number;
  /** How it failed, when it did. */
  errorCode?: string | null;
  errorMessage?: string | null;
}

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

/** How long a settled record may wait for others to share its write. */
export const LEDGER_FLUSH_MS = 50;

/** Where settled usage goes: SQLite on one replica, PostgreSQL when several share a ledger. */
export interface UsageStore {
  record(record: UsageRecord): void;
  /** Totals, of every key or of one key's name. */
  totals(key?: string): Promise<UsageTotals>;
  /** Aggregates by key, model or day, for the admin API; records still queued are written first. */
  aggregate(query: UsageQuery): Promise<UsageGroup[]>;
  /** What a caller id has spent since `since` (ms), in US dollars. */
  spent(keyId: string, since: number): Promise<number>;
  /** What the keys of a team have spent since `since` (ms) while in that team, in US dollars. */
  teamSpent(team: string, since: number): Promise<number>;
  /** Records matching `filter`, newest first (ties by stream id, descending), at most `filter.limit`. */
  query(filter: LedgerFilter): Promise<UsageRecord[]>;
  /** Records of `[from, to)` in buckets of `bucketMs`. */
  traffic(from: number, to: number, bucketMs: number): Promise<TrafficSeries>;
  /** Spend per key and model: in total, since `monthStart`, since `dayStart`. */
  spend(dayStart: number, monthStart: number): Promise<SpendRow[]>;
  close(): Promise<void>;
}

/** A ledger that keeps nothing, for `ledger: false`. */
export class NullUsageStore implements UsageStore {
  record(): void {}
  async totals(): Promise<UsageTotals> {
    return { requests: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  }
  async aggregate(): Promise<UsageGroup[]> {
    return [];
  }
  async spent(): Promise<number> {
    return 0;
  }
  async teamSpent(): Promise<number> {
    return 0;
  }
  async query(): Promise<UsageRecord[]> {
    return [];
  }
  async traffic(_from: number, _to: number, bucketMs: number): Promise<TrafficSeries> {
    return { bucketMs, byModel: [], ttft: [], ttftBoundsMs: TTFT_BOUNDS_MS, errors: [], costByKey: [] };
  }
  async spend(): Promise<SpendRow[]> {
    return [];
  }
  async close(): Promise<void> {}
}
