/**
 * Which process listens on a loopback port, read from /proc (Linux).
 *
 * A server told its port up front may fail to bind it (another process took
 * it between the probe and the bind) while the port still accepts
 * connections: a TCP connect then reaches the other process. In one run a
 * Redis replica's port was taken that way by the Portkey process, and 100
 * resumes meant for sluice were answered by Portkey. The owner check makes
 * "ready" mean "this very process listens there".
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const LISTEN = '0A';

/** The inodes of the sockets listening on `port` (any local address), from /proc/net/tcp and tcp6; null without /proc. */
export function listeningInodes(port: number): Set<string> | null {
  const inodes = new Set<string>();
  let read = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== LISTEN) continue;
      const local = fields[1];
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(fields[9]);
    }
  }
  return read ? inodes : null;
}

/** The socket inodes among the open descriptors of `pid`; empty when the process is gone or unreadable. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch {
      // The descriptor closed while we read the list.
    }
  }
  return inodes;
}

/**
 * Who listens on `port`: `'self'` when `pid` holds a listening socket there,
 * `'other'` when only another process does, `'none'` when nobody listens,
 * `'unknown'` where /proc cannot tell (not Linux).
 */
export type PortOwner = 'self' | 'other' | 'none' | 'unknown';

export function portOwner(port: number, pid: number): PortOwner {
  const listening = listeningInodes(port);
  if (listening === null) return 'unknown';
  if (listening.size === 0) return 'none';
  const own = socketInodes(pid);
  for (const inode of listening) if (own.has(inode)) return 'self';
  return 'other';
}
