#!/usr/bin/env -S node --conditions=@sluice/source
import { Command } from 'commander';
import { chat } from './chat.ts';
import { route } from './route.ts';
import { serve } from './serve.ts';
import { sim } from './sim.ts';
import { CliError, type AdminOptions } from './admin-client.ts';
import { createKey, listKeys, revokeKey, showKey, updateKey } from './keys.ts';
import { createTeam, listTeams, showTeam, updateTeam } from './teams.ts';
import { usage } from './usage.ts';

const program = new Command('sluice').description('A gateway for streaming LLM responses: one OpenAI-compatible API over SSE and WebSocket.');

program
  .command('serve')
  .description('run the gateway (the embedded default without --config: the simulator on 127.0.0.1:8787)')
  .option('-p, --port <port>', 'port to listen on (default 8787)')
  .option('-H, --host <host>', 'address to bind (default 127.0.0.1)')
  .option('-c, --config <file>', 'JSON config file (or SLUICE_CONFIG)')
  .option('--h2c', 'serve cleartext HTTP/2 instead of HTTP/1.1')
  .action(serve);

program
  .command('sim')
  .description('run the deterministic simulator alone, as an OpenAI-compatible upstream')
  .option('-p, --port <port>', 'port to listen on (default: any free port)')
  .option('-H, --host <host>', 'address to bind (default 127.0.0.1)')
  .action(sim);

program
  .command('chat')
  .description('stream one answer from a gateway to the terminal, then print usage and cost')
  .argument('<prompt>', 'what to ask')
  .option('-m, --model <model>', 'model name (default deepseek-v3.2)')
  .option('-u, --url <url>', 'gateway URL (default http://127.0.0.1:8787)')
  .option('-k, --key <key>', 'gateway key (or SLUICE_API_KEY)')
  .option('-t, --transport <transport>', 'auto, sse or ws (default auto)')
  .action(chat);

program
  .command('route')
  .description('print which rule of a router model a prompt matches, and the alias it goes to (no model is called)')
  .argument('<prompt>', 'the last user message')
  .option('-c, --config <file>', 'JSON config file (or SLUICE_CONFIG; the embedded default without)')
  .option('-m, --model <model>', 'the router model (default auto)')
  .option('--hint <hint>', 'the x-sluice-route header: cheap, strong or an alias')
  .option('-k, --key <name>', 'the gateway key name asking')
  .option('--team <name>', "the key's team")
  .option('--system <text>', 'a system message before the prompt')
  .option('--tools', 'the request offers a tool')
  .option('--image', 'the prompt carries an image')
  .option('--json-format', 'the request asks for response_format json_object')
  .action(route);

/** The options every admin command shares, and its errors printed as `sluice: <message>` with their exit code. */
function adminCommand(command: Command): Command {
  return command
    .option('-u, --url <url>', 'gateway URL (or SLUICE_URL; default http://127.0.0.1:8787)')
    .option('--admin-key <key>', 'the admin key (or SLUICE_ADMIN_KEY)')
    .option('--json', 'print the JSON the admin API answered');
}

function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`sluice: ${error.message}\n`);
      process.exitCode = error.exitCode;
    }
  };
}

const keys = program.command('keys').description('managed gateway keys, over the admin API');
adminCommand(keys.command('create').description('make a key; its secret is printed once'))
  .requiredOption('-n, --name <name>', 'what the key is called (logs and the ledger show it)')
  .option('--team <team>', 'a team it belongs to (made with POST /admin/teams)')
  .option('--rpm <n>', 'requests per minute')
  .option('--tpm <n>', 'tokens per minute')
  .option('--concurrency <n>', 'streams running at once')
  .option('--budget <usd/period>', 'US dollars per day, month or total, like 10/day')
  .option('--models <list>', 'allowed models, comma-separated: aliases or <provider>/<model>, * for any run of characters')
  .option('--expires <time>', 'when it stops working, ISO 8601 (2026-12-31T00:00:00Z)')
  .action(run(createKey));
adminCommand(keys.command('list').description('every key, config and managed, without secrets')).action(run((options: AdminOptions) => listKeys(options)));
adminCommand(keys.command('show').description('one key with its live usage').argument('<id>', 'the key id')).action(run(showKey));
adminCommand(keys.command('update').description('change a key: only the fields given; a limit flag keeps the other limits').argument('<id>', 'the key id'))
  .option('-n, --name <name>', 'a new name (its usage history stays with the id)')
  .option('--team <team>', 'another team, or none')
  .option('--rpm <n>', 'requests per minute, or none')
  .option('--tpm <n>', 'tokens per minute, or none')
  .option('--concurrency <n>', 'streams running at once, or none')
  .option('--budget <usd/period>', 'US dollars per day, month or total, like 10/day; or none')
  .option('--models <list>', 'allowed models, comma-separated; all for every model')
  .option('--expires <time>', 'when it stops working, ISO 8601; never for no end')
  .action(run(updateKey));
adminCommand(keys.command('revoke').description('revoke a key: refused on every replica within a second').argument('<id>', 'the key id')).action(run(revokeKey));

/** The limit options `teams create` and `teams update` share. */
function teamLimits(command: Command, clear: string): Command {
  return command
    .option('--rpm <n>', `requests per minute, every key of the team together${clear}`)
    .option('--tpm <n>', `tokens per minute${clear}`)
    .option('--concurrency <n>', `streams running at once${clear}`)
    .option('--budget <usd/period>', `US dollars per day, month or total, like 10/day${clear}`);
}

const teams = program.command('teams').description('teams, whose limits every key of the team shares, over the admin API');
teamLimits(adminCommand(teams.command('create').description('make a team')).requiredOption('-n, --name <name>', 'the team name: letters, digits, ".", "_" or "-"'), '').action(run(createTeam));
adminCommand(teams.command('list').description('every team, config and managed')).action(run((options: AdminOptions) => listTeams(options)));
adminCommand(teams.command('show').description('one team with its live usage').argument('<name>', 'the team name')).action(run(showTeam));
teamLimits(adminCommand(teams.command('update').description('change a team\'s limits; the others stay').argument('<name>', 'the team name')), '; or none').action(run(updateTeam));

adminCommand(program.command('usage').description("the ledger's usage: requests, errors, tokens, cost and median time to first token"))
  .option('--by <group>', 'key, team, model or day (default key)')
  .option('--from <time>', 'a day (2026-12-01) or an ISO 8601 time')
  .option('--to <time>', 'a day or time, exclusive')
  .option('--key <id>', 'one key only')
  .option('--team <name>', 'one team only')
  .option('--model <model>', 'one model only')
  .action(run(usage));

await program.parseAsync();
