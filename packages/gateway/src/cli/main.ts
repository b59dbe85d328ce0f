#!/usr/bin/env -S node --conditions=@sluice/source
import { Command } from 'commander';
import { chat } from './chat.ts';
import { route } from './route.ts';
import { serve } from './serve.ts';
import { sim } from './sim.ts';

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

await program.parseAsync();
