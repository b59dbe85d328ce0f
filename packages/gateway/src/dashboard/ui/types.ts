/**
 * The admin API's answers, as the pages use them: the server's own types
 * where it has them (type-only imports, which the bundle leaves out).
 */
import type { LiveStream } from '../../admin/live-view.ts';
import type { LiveSnapshot } from '../../admin/live-feed.ts';
import type { ActivityTotals, DeploymentWindow } from '../../admin/recent-activity.ts';
import type { Probe } from '../../admin/health-route.ts';
import type { KeySpend } from '../../admin/spend-route.ts';
import type { KeyView } from '../../admin/key-view.ts';
import type { KeyUsageView } from '../../admin/key-usage.ts';
import type { DeploymentSnapshot } from '../../health/deployment-health.ts';
import type { TrafficSeries } from '../../billing/ledger-query.ts';
import type { UsageRecord } from '../../billing/usage-store.ts';
import type { ReplicaSeen } from '../../streams/store/types.ts';

export type { DeploymentSnapshot, KeyView, LiveStream, Probe, ReplicaSeen };
/** `GET /admin/keys/{id}`: the key with its live usage. */
export type KeyDetail = KeyView & { usage: KeyUsageView };
export type Totals = ActivityTotals;
export type Snapshot = LiveSnapshot;
/** A ledger row as `/admin/requests` sends it: every field present. */
export type LedgerRow = Required<UsageRecord>;
export type Traffic = TrafficSeries & { range: string; from: number; to: number };

export interface Spend {
  /** Whether `/admin/keys` exists (an `admin` block brings managed keys). */
  managedKeys: boolean;
  keys: KeySpend[];
  teams: { name: string; cost: { day: number; month: number; total: number }; keys: number }[];
  models: { model: string; requests: number; costMonth: number; costTotal: number }[];
}

export interface Health {
  at: number;
  accepting: boolean;
  running: number;
  providers: { id: string; type: string; baseURL: string | null }[];
  aliases: { name: string; target: string; fallbacks: string[] }[];
  deployments: DeploymentWindow[];
  breakers: DeploymentSnapshot[];
  redis: Probe;
  /** With Redis: the replicas alive on it; null without (or when Redis does not answer). */
  replicas: ReplicaSeen[] | null;
  database: Probe & { kind: string };
}
