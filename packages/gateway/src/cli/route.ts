import type { ChatCompletionRequest } from '@sluice/protocol';
import { commandConfig } from './config-file.ts';
import { RouteRules } from '../routing/rules/route-rules.ts';

export interface RouteOptions {
  config?: string;
  model?: string;
  hint?: string;
  key?: string;
  team?: string;
  system?: string;
  tools?: boolean;
  image?: boolean;
  jsonFormat?: boolean;
}

/**
 * `sluice route "prompt"`: which rule of a router model (default `auto`) a
 * prompt matches and the alias it goes to, read from the config alone:
 * no gateway runs, no model is called.
 */
export function route(prompt: string, options: RouteOptions): void {
  const config = commandConfig(options.config, fail);
  const name = options.model ?? 'auto';
  const model = config.models.find((m) => m.name === name);
  if (model?.router === undefined) {
    const routers = config.models.filter((m) => m.router !== undefined).map((m) => m.name);
    fail(`--model: "${name}" is not a router model${routers.length === 0 ? ' (the config has none)' : ` (routers: ${routers.join(', ')})`}`);
  }
  const rules = new RouteRules(model.name, model.router);
  const decision = rules.decide(requestFor(prompt, name, options), { key: options.key ?? 'anonymous', team: options.team, hint: options.hint });
  process.stdout.write(`${decision.router}: rule "${decision.rule}" → ${decision.alias}\n`);
}

/** The chat request the prompt stands for, with what the flags add. */
function requestFor(prompt: string, model: string, options: RouteOptions): ChatCompletionRequest {
  const content = options.image === true ? [{ type: 'text', text: prompt }, { type: 'image_url', image_url: { url: 'data:image/png;base64,' } }] : prompt;
  const request = {
    model,
    messages: [...(options.system === undefined ? [] : [{ role: 'system' as const, content: options.system }]), { role: 'user' as const, content }],
    ...(options.tools === true ? { tools: [{ type: 'function', function: { name: 'tool', parameters: { type: 'object' } } }] } : {}),
    ...(options.jsonFormat === true ? { response_format: { type: 'json_object' } } : {}),
  };
  return request as ChatCompletionRequest;
}

function fail(message: string): never {
  process.stderr.write(`sluice route: ${message}\n`);
  process.exit(1);
}
