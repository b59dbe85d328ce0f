import type { KeyLimits } from '../limits/limit-spec.ts';
import { CliError } from './admin-client.ts';

/** The limit flags `sluice keys` and `sluice teams` share. */
export interface LimitFlags {
  rpm?: string;
  tpm?: string;
  concurrency?: string;
  budget?: string;
}

/** Clears a limit in `keys update` and `teams update`: `--rpm none`. */
const NONE = 'none';

function positiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new CliError(`--${flag}: "${value}" is not a positive whole number${flag === 'budget' ? '' : ' (or none)'}`, 2);
  return number;
}

/** `--budget 10/day`: US dollars per day, month or total. */
function budgetOf(value: string): NonNullable<KeyLimits['budget']> {
  const match = /^\$?(\d+(?:\.\d+)?)\/(day|month|total)$/.exec(value.trim());
  if (match === null || Number(match[1]) <= 0) throw new CliError(`--budget: "${value}" is not <usd>/<day|month|total>, like 10/day (or none)`, 2);
  return { usd: Number(match[1]), period: match[2] as 'day' | 'month' | 'total' };
}

/**
 * `base` with the flags given applied: a number or budget sets that limit,
 * `none` removes it, an absent flag leaves it. Null when no limit is left.
 */
export function limitsOf(flags: LimitFlags, base: KeyLimits | null = null): KeyLimits | null {
  const limits: KeyLimits = { ...base };
  for (const name of ['rpm', 'tpm', 'concurrency'] as const) {
    const value = flags[name];
    if (value === undefined) continue;
    if (value === NONE) delete limits[name];
    else limits[name] = positiveInteger(name, value);
  }
  if (flags.budget !== undefined) {
    if (flags.budget === NONE) delete limits.budget;
    else limits.budget = budgetOf(flags.budget);
  }
  return Object.keys(limits).length === 0 ? null : limits;
}

/** Whether any limit flag was given. */
export function hasLimitFlags(flags: LimitFlags): boolean {
  return flags.rpm !== undefined || flags.tpm !== undefined || flags.concurrency !== undefined || flags.budget !== undefined;
}

/** Limits in one short line: `rpm 100, tpm 5000, concurrency 5, $10/day`. */
export function describeLimits(limits: KeyLimits | null): string {
  if (limits === null) return '';
  const parts: string[] = [];
  if (limits.rpm !== undefined) parts.push(`rpm ${limits.rpm}`);
  if (limits.tpm !== undefined) parts.push(`tpm ${limits.tpm}`);
  if (limits.concurrency !== undefined) parts.push(`concurrency ${limits.concurrency}`);
  if (limits.budget !== undefined) parts.push(`$${limits.budget.usd}/${limits.budget.period}`);
  if (limits.queue !== undefined) parts.push(`queue ${limits.queue.maxWaitMs} ms`);
  return parts.join(', ');
}

/** JSON as the admin API answered it (`--json`), or the text form. */
export function print(options: { json?: boolean }, value: unknown, text: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** A US dollar figure of a usage view, to the millionth. */
export function dollars(value: number | string | null | undefined): string | null {
  return typeof value === 'number' ? `$${value.toFixed(6)}` : (value ?? null);
}
