import type { ChatCompletionRequest } from '@sluice/protocol';
import { UntranslatableError } from './untranslatable.ts';

export interface ThinkingBudgets {
  low: number;
  medium: number;
  high: number;
}

/**
 * The thinking budget `reasoning_effort` stands for: `none` is no thinking
 * (0), `minimal` and `low` the low budget, `high` and `xhigh` the high
 * one; undefined when the request does not ask.
 */
export function thinkingBudgetFor(request: ChatCompletionRequest, budgets: ThinkingBudgets): number | undefined {
  const effort = request.reasoning_effort;
  if (effort == null) return undefined;
  switch (effort) {
    case 'none':
      return 0;
    case 'minimal':
    case 'low':
      return budgets.low;
    case 'medium':
      return budgets.medium;
    case 'high':
    case 'xhigh':
      return budgets.high;
    default:
      throw new UntranslatableError('reasoning_effort', `must be none, minimal, low, medium, high or xhigh, not ${JSON.stringify(effort)}`);
  }
}
