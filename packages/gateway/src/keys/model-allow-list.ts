import type { Caller } from '../auth/key-ring.ts';
import { ModelNotAllowedError } from '../errors/index.ts';

/** Compiled allow-lists, by the list itself: a directory reload makes new lists, so old ones are dropped with them. */
const compiled = new WeakMap<readonly string[], RegExp>();

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One expression for a whole list: each entry an exact name, `*` standing for any run of characters (`/` included). */
function matcherOf(models: readonly string[]): RegExp {
  let matcher = compiled.get(models);
  if (matcher === undefined) {
    matcher = new RegExp(`^(?:${models.map((entry) => entry.split('*').map(escape).join('.*')).join('|')})$`, 's');
    compiled.set(models, matcher);
  }
  return matcher;
}

/** Whether `models` (absent: every model) lets a request name `model`. */
export function modelAllowed(models: readonly string[] | undefined, model: string): boolean {
  return models === undefined || matcherOf(models).test(model);
}

/**
 * The key's allow-list, checked against the model as the client named it
 * (an alias, or `<provider>/<model>`): an alias is allowed by its name,
 * whatever it routes to. Throws 403 model_not_allowed.
 */
export function assertModelAllowed(caller: Caller, model: string): void {
  if (!modelAllowed(caller.models, model)) throw new ModelNotAllowedError(model);
}
