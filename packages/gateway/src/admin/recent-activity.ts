import type { Settlement } from '../streams/generation.ts';

/** Totals since this replica started, which the Live page turns into rates. */
export interface ActivityTotals {
  requests: number;
  errors: number;
  cancelled: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

/** How one deployment did over the last few minutes. */
export interface DeploymentWindow {
  deployment: string;
  requests: number;
  errors: number;
  errorRate: number;
  /** Mean time to first token and mean duration of its successful streams, ms; null with none. */
  ttftMs: number | null;
  durationMs: number | null;
  lastError: string | null;
  lastSeenAt: number;
}

const WINDOW_MS = 5 * 60_000;
const SLOT_MS = 10_000;

interface Slot {
  start: number;
  requests: number;
  errors: number;
  ttftSum: number;
  ttftCount: number;
  durationSum: number;
  durationCount: number;
}

/**
 * What this replica settled lately, kept in memory: running totals, and per
 * deployment a five-minute window of 10-second slots (error rate, latency)
 * for the Health page. Fed once per settled stream, never per token.
 */
export class RecentActivity {
  readonly totals: ActivityTotals = { requests: 0, errors: 0, cancelled: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  readonly #deployments = new Map<string, { slots: Slot[]; lastError: string | null; lastSeenAt: number }>();

  settled(s: Settlement, now = Date.now()): void {
    const t = this.totals;
    t.requests++;
    if (s.status === 'error') t.errors++;
    if (s.status === 'cancelled') t.cancelled++;
    t.promptTokens += s.usage.prompt_tokens;
    t.completionTokens += s.usage.completion_tokens;
    t.cost += s.usage.cost ?? 0;
    if (s.target === null) return;
    let entry = this.#deployments.get(s.target);
    if (entry === undefined) this.#deployments.set(s.target, (entry = { slots: [], lastError: null, lastSeenAt: now }));
    entry.lastSeenAt = now;
    const start = now - (now % SLOT_MS);
    let slot = entry.slots.at(-1);
    if (slot === undefined || slot.start !== start) {
      entry.slots.push((slot = { start, requests: 0, errors: 0, ttftSum: 0, ttftCount: 0, durationSum: 0, durationCount: 0 }));
      while (entry.slots.length > 0 && entry.slots[0].start <= now - WINDOW_MS) entry.slots.shift();
    }
    slot.requests++;
    if (s.status === 'error') {
      slot.errors++;
      entry.lastError = s.error === null ? 'error' : `${s.error.code}: ${s.error.message}`;
    } else if (s.status === 'done') {
      if (s.ttftMs !== null) {
        slot.ttftSum += s.ttftMs;
        slot.ttftCount++;
      }
      slot.durationSum += s.durationMs;
      slot.durationCount++;
    }
  }

  deployments(now = Date.now()): DeploymentWindow[] {
    const out: DeploymentWindow[] = [];
    for (const [deployment, entry] of this.#deployments) {
      const slots = entry.slots.filter((slot) => slot.start > now - WINDOW_MS);
      const sum = (pick: (slot: Slot) => number) => slots.reduce((total, slot) => total + pick(slot), 0);
      const requests = sum((s) => s.requests);
      const errors = sum((s) => s.errors);
      const ttftCount = sum((s) => s.ttftCount);
      const durationCount = sum((s) => s.durationCount);
      out.push({
        deployment,
        requests,
        errors,
        errorRate: requests === 0 ? 0 : errors / requests,
        ttftMs: ttftCount === 0 ? null : sum((s) => s.ttftSum) / ttftCount,
        durationMs: durationCount === 0 ? null : sum((s) => s.durationSum) / durationCount,
        lastError: entry.lastError,
        lastSeenAt: entry.lastSeenAt,
      });
    }
    return out.sort((a, b) => a.deployment.localeCompare(b.deployment));
  }
}
