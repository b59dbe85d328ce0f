import { modelPatternProblem } from '../config/model-patterns.ts';
import { InvalidRequestError } from '../errors/index.ts';
import type { GatewayContext } from '../request/context.ts';

/** A model allow-list from the admin API, checked against the models this gateway serves: 400 naming the first bad entry. */
export function checkModelPatterns(ctx: GatewayContext, models: readonly string[] | null | undefined): void {
  models?.forEach((entry, i) => {
    const problem = modelPatternProblem(ctx.config, entry);
    if (problem !== null) throw new InvalidRequestError(`models[${i}]: ${problem}`, `models[${i}]`);
  });
}
