/**
 * A target's port reaches that target's process and no other: a server whose
 * port another process holds is not "ready", and the run's ports are never
 * handed out twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/procs/free-port.ts';
import { portOwner } from '../src/procs/port-owner.ts';
import { PortTakenError, ServerProcess } from '../src/procs/server-process.ts';
import { BARE_PROXY_MAIN } from '../src/targets/paths.ts';

const TS_ARGS = ['--conditions=@sluice/source', '--no-warnings=ExperimentalWarning'];
const workDir = mkdtempSync(join(tmpdir(), 'bench-ports-'));

async function listenAnywhere(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => {
    // The readiness check connects and hangs up at once.
    socket.on('error', () => {});
    socket.end('not the target\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('portOwner tells this process, another process and nobody apart', async (t) => {
  const held = await listenAnywhere();
  t.after(() => held.close());
  assert.equal(portOwner(held.port, process.pid), 'self');
  assert.equal(portOwner(held.port, 1), 'other');
  const closed = await listenAnywhere();
  await closed.close();
  assert.equal(portOwner(closed.port, process.pid), 'none');
});

test('a server whose port another process holds is refused, not taken for ready', async (t) => {
  // The other process answers connects on the port, as Portkey did for the Redis replica.
  const foreign = await listenAnywhere();
  t.after(() => foreign.close());
  const started = performance.now();
  await assert.rejects(
    ServerProcess.start({ name: 'never-binds', args: ['-e', 'setInterval(() => {}, 1000)'], port: foreign.port, logFile: join(workDir, 'never-binds.log') }, 5000),
    (error: unknown) => error instanceof PortTakenError && error.port === foreign.port && /held by another process/.test(error.message),
  );
  assert.ok(performance.now() - started < 4000, 'refused at once, not after the start timeout');
});

test('a server is ready once it holds its own port, and keeps holding it', async (t) => {
  const port = await freePort();
  const proxy = await ServerProcess.start({ name: 'bare-proxy', args: [...TS_ARGS, BARE_PROXY_MAIN, '--port', String(port), '--upstream', 'http://127.0.0.1:9'], port, logFile: join(workDir, 'bare-proxy.log') });
  t.after(() => proxy.stop());
  assert.equal(await proxy.holds(port), true);
  assert.equal(portOwner(port, proxy.pid), 'self');
  await proxy.stop();
  assert.equal(await proxy.holds(port), false);
});

test('a port is handed out once per run, even when the kernel offers it again', async () => {
  // The kernel's probe may offer a port it offered a moment ago (it is free again once the probe closes).
  const offers = [61001, 61001, 61001, 61002];
  const probe = async (): Promise<number> => offers.shift()!;
  assert.equal(await freePort(probe), 61001);
  assert.equal(await freePort(probe), 61002);
  assert.deepEqual(offers, []);
  const real = new Set<number>();
  for (let i = 0; i < 20; i++) real.add(await freePort());
  assert.equal(real.size, 20);
});
