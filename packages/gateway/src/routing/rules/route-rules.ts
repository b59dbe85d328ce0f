import type { ChatCompletionRequest } from '@sluice/protocol';
import type { RouteRuleConfig, RouterConfig } from '../../config/routing-schema.ts';
import { RequestFacts } from './request-facts.ts';

/** Who asks and what they hinted, beside the request itself. */
export interface RouteAsker {
  key: string;
  team?: string;
  /** The request's `x-sluice-route` header. */
  hint?: string;
}

/** Which rule sent a request where: shown in `x-sluice-route`, the ledger and the logs. */
export interface RouteDecision {
  /** The router model the client asked for. */
  router: string;
  /** The rule's name, `hint` when the header named the alias, or `default`. */
  rule: string;
  alias: string;
}

/** A decision as one header value: `<alias>; rule=<rule>`. */
export function describeDecision(decision: RouteDecision): string {
  return `${decision.alias}; rule=${decision.rule}`;
}

interface CompiledRule {
  name: string;
  config: RouteRuleConfig;
  pattern: RegExp | undefined;
}

/**
 * A router model's rules, first match wins: a request whose hint header
 * names one of the router's aliases goes there; otherwise the first rule
 * whose every condition holds; otherwise the default.
 */
export class RouteRules {
  readonly name: string;
  readonly defaultAlias: string;
  /** The aliases this router sends requests to, each once. */
  readonly aliases: string[];
  readonly #rules: CompiledRule[];

  constructor(name: string, config: RouterConfig) {
    this.name = name;
    this.defaultAlias = config.default;
    this.#rules = config.rules.map((rule, i) => ({ name: rule.name ?? `rule${i}`, config: rule, pattern: rule.lastUserMessage === undefined ? undefined : new RegExp(rule.lastUserMessage, 'iu') }));
    this.aliases = [...new Set([...config.rules.map((rule) => rule.use), config.default])];
  }

  decide(request: ChatCompletionRequest, asker: RouteAsker): RouteDecision {
    if (asker.hint !== undefined && this.aliases.includes(asker.hint)) return { router: this.name, rule: 'hint', alias: asker.hint };
    const facts = new RequestFacts(request);
    for (const rule of this.#rules) if (matches(rule, facts, asker)) return { router: this.name, rule: rule.name, alias: rule.config.use };
    return { router: this.name, rule: 'default', alias: this.defaultAlias };
  }
}

function matches({ config: rule, pattern }: CompiledRule, facts: RequestFacts, asker: RouteAsker): boolean {
  if (rule.hint !== undefined && rule.hint !== asker.hint) return false;
  if (rule.keys !== undefined && !rule.keys.includes(asker.key)) return false;
  if (rule.teams !== undefined && (asker.team === undefined || !rule.teams.includes(asker.team))) return false;
  if (rule.minMessages !== undefined && facts.messages < rule.minMessages) return false;
  if (rule.maxMessages !== undefined && facts.messages > rule.maxMessages) return false;
  if (rule.tools !== undefined && facts.tools !== rule.tools) return false;
  if (rule.images !== undefined && facts.images !== rule.images) return false;
  if (rule.responseFormat !== undefined && facts.responseFormat !== rule.responseFormat) return false;
  if (pattern !== undefined && !pattern.test(facts.lastUserText)) return false;
  // Counting tokens is the dearest check, so it comes last.
  if (rule.minPromptTokens !== undefined && facts.promptTokens < rule.minPromptTokens) return false;
  if (rule.maxPromptTokens !== undefined && facts.promptTokens > rule.maxPromptTokens) return false;
  return true;
}
