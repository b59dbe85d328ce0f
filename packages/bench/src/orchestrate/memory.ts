/**
 * Memory per idle open stream and per idle WebSocket: the target's resident
 * memory before and after opening N streams that wait for their first
 * token (RSS delta / N). Read a while (a second in the full run) after the
 * last one opened, so the figure is what the target holds, not a transient.
 */
import { takeHeapSnapshot } from '../heap/take-snapshot.ts';
import { sampleProcess } from '../procs/proc-sample.ts';
import type { MemoryPoint } from '../report/results.ts';
import type { LaunchedTarget } from '../targets/launch.ts';
import { pidOf, type Session } from './session.ts';

export async function measureMemory(session: Session, target: LaunchedTarget): Promise<{ streams: MemoryPoint[]; sockets: MemoryPoint[] } | null> {
  const pid = pidOf(target);
  if (pid === null) return null;
  const streams = await series(session, pid, target, 'idle-streams', session.params.idleStreams);
  const isWebSocket = target.endpoint!.transport.startsWith('ws');
  const sockets = isWebSocket ? await series(session, pid, target, 'idle-sockets', session.params.idleSockets) : [];
  return { streams, sockets };
}

async function series(session: Session, pid: number, target: LaunchedTarget, kind: 'idle-streams' | 'idle-sockets', counts: number[]): Promise<MemoryPoint[]> {
  const points: MemoryPoint[] = [];
  await sleep(session.params.memorySettleMs);
  const before = sampleProcess(pid).rssBytes;
  // Snapshots only of sluice processes, started to answer the signal; read after the RSS, which they perturb.
  const snapshot = async (count: number): Promise<void> => {
    if (session.heapSnapshotDir && target.name.startsWith('sluice')) await takeHeapSnapshot(pid, session.heapSnapshotDir, `${target.name}-${kind}-${count}`);
  };
  await snapshot(0);
  try {
    for (const count of counts) {
      session.progress.step(`memory ${kind === 'idle-streams' ? 'idle streams' : 'idle sockets'} ${count}  ${target.name}`);
      const opened = await session.loadgen.call({ type: kind, target: target.name, total: count });
      await sleep(session.params.memorySettleMs);
      const after = sampleProcess(pid).rssBytes;
      await snapshot(opened.open);
      points.push({
        requested: count,
        open: opened.open,
        rssBeforeBytes: before,
        rssAfterBytes: after,
        bytesPerItem: opened.open > 0 ? Math.round((after - before) / opened.open) : null,
        note: opened.note,
      });
      if (opened.note !== null) break;
    }
  } finally {
    const { leftOpen } = await session.loadgen.call({ type: 'idle-close' });
    await session.loadgen.call({ type: 'reset', target: target.name });
    const last = points[points.length - 1];
    if (leftOpen > 0 && last) {
      const leak = `${leftOpen} upstream streams stayed open after their clients left (none closed for 3 s; the bench upstream ended them)`;
      last.note = last.note ? `${last.note}; ${leak}` : leak;
    }
  }
  return points;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
