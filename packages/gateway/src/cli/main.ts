#!/usr/bin/env -S node --conditions=@sluice/source
import { Command } from 'commander';
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

await program.parseAsync();
