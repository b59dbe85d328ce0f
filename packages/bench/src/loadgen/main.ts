/**
 * The load-generator process. It runs in its own process so that the CPU a
 * target spends is the target's alone; the orchestrator drives it over IPC
 * (see commands.ts) and reads the targets' CPU and memory itself.
 */
import type { TargetEndpoint } from '../targets/target.ts';
import { clientFor, type StreamClient } from './clients/index.ts';
import { describe } from './clients/stream-client.ts';
import type { Command, FromLoadgen, ToLoadgen } from './commands.ts';
import { runCancel } from './phases/cancel.ts';
import { runConcurrent } from './phases/concurrent.ts';
import { closeIdle, idleState, openIdleSockets, openIdleStreams } from './phases/idle.ts';
import { runReconnect } from './phases/reconnect.ts';
import { runResume, sseResume } from './phases/resume.ts';
import { wsResume } from './phases/resume-ws.ts';
import { runTtft } from './phases/ttft.ts';
import { SseClient } from './clients/sse-client.ts';
import { nextId } from './ids.ts';
import { StreamRecorder } from './recorder.ts';
import { UpstreamWatch } from './upstream-watch.ts';

if (!process.send) throw new Error('the load generator runs as a child of the bench orchestrator (IPC)');

const post = (message: FromLoadgen): void => void process.send!(message);
const targets = new Map<string, TargetEndpoint>();
const clients = new Map<string, StreamClient>();
const idle = idleState();
let upstream: UpstreamWatch | null = null;

function client(name: string): StreamClient {
  const found = clients.get(name);
  if (!found) throw new Error(`unknown target ${name}`);
  return found;
}

function watch(): UpstreamWatch {
  if (!upstream) throw new Error('init first');
  return upstream;
}

async function handle(command: Command): Promise<unknown> {
  switch (command.type) {
    case 'init':
      upstream = await UpstreamWatch.connect(command.upstreamUrl);
      for (const target of command.targets) {
        targets.set(target.name, target);
        clients.set(target.name, clientFor(target));
      }
      return;
    case 'preflight': {
      const recorder = new StreamRecorder({ id: nextId('preflight', command.target), chunks: 5, ttftMs: 0, itlMs: 1 });
      await client(command.target).run(recorder);
      const outcome = recorder.outcome();
      return { ok: outcome.exact, error: outcome.exact ? null : (outcome.error ?? `text differs: ${JSON.stringify(recorder.text.slice(0, 80))}`) };
    }
    case 'ttft':
      return runTtft(
        command.targets.map((name) => targets.get(name)!),
        clients,
        command.params,
        (done, total) => post({ type: 'progress', done, total }),
      );
    case 'cancel':
      return runCancel(command.target, client(command.target), watch(), command.params);
    case 'resume': {
      const target = targets.get(command.target)!;
      const found = client(command.target);
      if (found instanceof SseClient) {
        if (target.replicaUrl === undefined) return runResume(command.target, sseResume(found), command.params);
        const replica = new SseClient({ ...target, url: target.replicaUrl });
        try {
          return await runResume(command.target, sseResume(found, replica), command.params);
        } finally {
          await replica.close();
        }
      }
      if (target.transport === 'ws-sluice') return runResume(command.target, wsResume(target), command.params);
      throw new Error(`resume is not measured over ${target.transport}`);
    }
    case 'reconnect':
      return runReconnect(targets.get(command.target)!, command.params);
    case 'concurrent': {
      const mark = (name: 'cpu-start' | 'cpu-end') => () => post({ type: 'mark', name });
      if (command.cpuWindow === 'whole') mark('cpu-start')();
      const result = await runConcurrent(
        command.phase,
        command.target,
        client(command.target),
        command.params,
        command.cpuWindow === 'steady' ? { steadyStart: mark('cpu-start'), steadyEnd: mark('cpu-end') } : {},
      );
      if (command.cpuWindow === 'whole') mark('cpu-end')();
      return result;
    }
    case 'idle-streams':
      return openIdleStreams(idle, command.target, client(command.target), watch(), command.total);
    case 'idle-sockets':
      return openIdleSockets(idle, targets.get(command.target)!, command.total);
    case 'idle-close':
      return closeIdle(idle, watch());
    case 'reset': {
      await client(command.target).close();
      clients.set(command.target, clientFor(targets.get(command.target)!));
      await watch().drop();
      return;
    }
    case 'shutdown':
      await Promise.allSettled([...clients.values()].map((c) => c.close()));
      await upstream?.close();
      setImmediate(() => process.exit(0));
      return;
  }
}

process.on('message', (message: ToLoadgen) => {
  handle(message.command).then(
    (result) => post({ type: 'reply', seq: message.seq, result }),
    (error: unknown) => post({ type: 'reply', seq: message.seq, error: describe(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
