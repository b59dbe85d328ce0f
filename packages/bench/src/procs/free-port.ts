/**
 * Ports for servers that must be told their port up front. A port is handed
 * out once per run (the bench process): the kernel may give the same free
 * port to two probes in a row, and two targets told the same port would
 * meet on it. What the kernel gives other processes between the probe and
 * the bind is caught by the owner check of `ServerProcess.start`.
 */
import { createServer } from 'node:net';

const handedOut = new Set<number>();
const MAX_PROBES = 50;

/** A loopback port free right now and not handed out before in this process; `probe` asks the kernel for one. */
export async function freePort(probe: () => Promise<number> = probePort): Promise<number> {
  for (let attempt = 0; attempt < MAX_PROBES; attempt++) {
    const port = await probe();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no fresh loopback port after ${MAX_PROBES} probes`);
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
