/**
 * One server (the upstream or a target) in its own process: started with the
 * Node that runs the bench, its output kept in a log file, ready once it
 * answers HTTP, stopped with SIGTERM (then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { portOwner } from './port-owner.ts';

export class ServerStartError extends Error {
  constructor(name: string, reason: string, logTail: string) {
    super(`${name} did not start: ${reason}${logTail ? `\n${logTail}` : ''}`);
    this.name = 'ServerStartError';
  }
}

/** The server's port is held by another process: it cannot bind it, and a connect there reaches that other process. */
export class PortTakenError extends ServerStartError {
  readonly port: number;
  constructor(name: string, port: number, logTail: string) {
    super(name, `port ${port} is held by another process`, logTail);
    this.name = 'PortTakenError';
    this.port = port;
  }
}

export interface ServerSpec {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /**
   * The loopback port the server listens on once it is ready: ready means this
   * process holds the listening socket (read from /proc; a TCP connect, which
   * any protocol accepts, where /proc cannot tell).
   */
  port: number;
  /** Further ports the same process must listen on before it is ready (the upstream's h2c and TLS ports). */
  morePorts?: number[];
  logFile: string;
  cwd?: string;
}

export class ServerProcess {
  readonly name: string;
  /** The port the load reaches it on. */
  readonly port: number;
  readonly child: ChildProcess;
  #exited = false;
  #tail = '';

  private constructor(spec: ServerSpec) {
    this.name = spec.name;
    this.port = spec.port;
    const log = createWriteStream(spec.logFile);
    this.child = spawn(process.execPath, spec.args, {
      cwd: spec.cwd,
      env: { ...withoutSluiceSettings(process.env), ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (bytes: Buffer): void => {
      log.write(bytes);
      this.#tail = (this.#tail + bytes.toString()).slice(-2000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.once('exit', () => {
      this.#exited = true;
      log.end();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** The last lines the process wrote, for error reports. */
  get logTail(): string {
    return this.#tail.split('\n').slice(-12).join('\n');
  }

  static async start(spec: ServerSpec, timeoutMs = 40_000): Promise<ServerProcess> {
    const server = new ServerProcess(spec);
    const ports = [spec.port, ...(spec.morePorts ?? [])];
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!server.alive) throw new ServerStartError(spec.name, `exited with ${server.child.exitCode}`, server.logTail);
      const owners = await Promise.all(ports.map((port) => server.#owner(port)));
      const taken = owners.indexOf('other');
      if (taken !== -1) {
        await server.stop();
        throw new PortTakenError(spec.name, ports[taken], server.logTail);
      }
      if (owners.every((owner) => owner === 'self')) return server;
      if (performance.now() > deadline) {
        await server.stop();
        throw new ServerStartError(spec.name, `not listening on port ${ports.join(', ')} after ${timeoutMs} ms`, server.logTail);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Whether this process (still) holds the listening socket of `port`; true where /proc cannot tell and the port accepts. */
  async holds(port: number): Promise<boolean> {
    return (await this.#owner(port)) === 'self';
  }

  /**
   * A TCP connect first, which is cheap; only a port that accepts is looked up
   * in /proc/net/tcp, which lists every socket of the machine (tens of
   * thousands while another benchmark holds its idle streams).
   */
  async #owner(port: number): Promise<'self' | 'other' | 'none'> {
    if (!(await accepts(port))) return 'none';
    const owner = portOwner(port, this.pid);
    return owner === 'unknown' ? 'self' : owner;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The bench's own environment minus `SLUICE_*` settings: a `SLUICE_REDIS_URL`
 * exported for the Redis target would otherwise turn every sluice target's
 * streams into Redis streams. What a target needs is in its spec.
 */
function withoutSluiceSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SLUICE_')));
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
