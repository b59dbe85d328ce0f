/**
 * The orchestrator's handle on the load-generator process: send a command,
 * await its reply; progress and CPU-window marks arrive as callbacks.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, CommandResults, FromLoadgen } from '../loadgen/commands.ts';

export class LoadgenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadgenError';
  }
}

const ENTRY = fileURLToPath(new URL('../loadgen/main.ts', import.meta.url));

export class LoadgenProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #seq = 0;
  onProgress: (done: number, total: number) => void = () => {};
  onMark: (name: 'cpu-start' | 'cpu-end') => void = () => {};

  constructor() {
    this.#child = fork(ENTRY, [], {
      execArgv: ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: FromLoadgen) => {
      if (message.type === 'progress') return this.onProgress(message.done, message.total);
      if (message.type === 'mark') return this.onMark(message.name);
      const waiter = this.#pending.get(message.seq);
      this.#pending.delete(message.seq);
      if (message.error !== undefined) waiter?.reject(new LoadgenError(message.error));
      else waiter?.resolve(message.result);
    });
    this.#child.once('exit', (code) => {
      for (const waiter of this.#pending.values()) waiter.reject(new LoadgenError(`the load generator exited (${code})`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  call<C extends Command>(command: C): Promise<CommandResults[C['type']]> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ seq, command });
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.call({ type: 'shutdown' }).catch(() => {});
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
