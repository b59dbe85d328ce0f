/**
 * A small `sluice.v1` WebSocket server for exercising the client's socket
 * handling on its own: numbered stream logs that outlive sockets (so
 * `resume` works), `cancel`, `ping`, and a switch to drop every socket.
 * It is the protocol's reference behaviour in miniature, not the gateway.
 */
import type { AddressInfo } from 'node:net';
import type { WsClientMessage, WsServerMessage } from '@sluice/protocol';
import { WebSocketServer, type WebSocket } from 'ws';

interface StreamLog {
  entries: WsServerMessage[];
  ended: boolean;
  cancelled: boolean;
  listeners: Set<() => void>;
}

export interface WsTestServer {
  baseURL: string;
  /** Sockets ever opened. */
  connections(): number;
  received: WsClientMessage[];
  cancelled(): string[];
  /** How many streams exist, and the fewest events any of them has so far. */
  progress(): { streams: number; fewestEvents: number };
  dropAllSockets(): void;
  /** Listeners attached to the open sockets, all events together: a stream that ended must leave none. */
  socketListeners(): number;
  close(): Promise<void>;
}

export async function startWsTestServer(tokensFor: (content: string) => string[], delayMs = 2): Promise<WsTestServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/v1/chat/stream', handleProtocols: (protocols) => (protocols.has('sluice.v1') ? 'sluice.v1' : false) });
  const logs = new Map<string, StreamLog>();
  const received: WsClientMessage[] = [];
  let opened = 0;
  let nextStream = 1;

  const generate = async (streamId: string, tokens: string[]) => {
    const log = logs.get(streamId)!;
    const append = (entry: WsServerMessage) => {
      log.entries.push(entry);
      for (const wake of log.listeners) wake();
    };
    for (const [i, token] of tokens.entries()) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (log.cancelled) return;
      append({ type: 'chunk', id: '', seq: i + 1, data: { id: streamId, object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: token }, finish_reason: null }] } });
    }
    const usage = { prompt_tokens: 3, completion_tokens: tokens.length, total_tokens: 3 + tokens.length, cost: 0.000001 };
    // Ended first, so the readers woken by the done entry know it is the last and let go of the socket.
    log.ended = true;
    append({ type: 'done', id: '', seq: tokens.length + 1, usage, cost: usage.cost });
  };

  /** The streams each open socket is being sent, by the function that stops each. */
  const senders = new Map<WebSocket, Set<() => void>>();

  /** Send the log after `after` to (socket, id), then follow it until done or the socket closes. */
  const subscribe = (socket: WebSocket, id: string, log: StreamLog, after: number) => {
    let cursor = after;
    const stop = () => {
      log.listeners.delete(pump);
      senders.get(socket)?.delete(stop);
    };
    const pump = () => {
      while (cursor < log.entries.length && socket.readyState === socket.OPEN) {
        socket.send(JSON.stringify({ ...log.entries[cursor], id }));
        cursor++;
      }
      if (cursor >= log.entries.length && log.ended) stop();
    };
    log.listeners.add(pump);
    senders.get(socket)?.add(stop);
    pump();
  };

  wss.on('connection', (socket) => {
    opened++;
    // One close listener per socket stops every stream still being sent on it.
    senders.set(socket, new Set());
    socket.once('close', () => {
      for (const stop of [...(senders.get(socket) ?? [])]) stop();
      senders.delete(socket);
    });
    const streamOf = new Map<string, string>();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as WsClientMessage;
      received.push(message);
      if (message.type === 'ping') return socket.send(JSON.stringify({ type: 'pong' }));
      if (message.type === 'cancel') {
        const log = logs.get(streamOf.get(message.id) ?? '');
        if (log && !log.ended) log.cancelled = true;
        return;
      }
      if (message.type === 'request') {
        const streamId = `stream-${nextStream++}`;
        logs.set(streamId, { entries: [], ended: false, cancelled: false, listeners: new Set() });
        streamOf.set(message.id, streamId);
        socket.send(JSON.stringify({ type: 'accepted', id: message.id, streamId, token: `token-${streamId}` }));
        subscribe(socket, message.id, logs.get(streamId)!, 0);
        void generate(streamId, tokensFor(String(message.body.messages[0]?.content)));
        return;
      }
      const log = logs.get(message.streamId);
      if (!log) return socket.send(JSON.stringify({ type: 'error', id: message.id, error: { message: 'no such stream', type: 'invalid_request_error', param: null, code: 'stream_not_found' } }));
      streamOf.set(message.id, message.streamId);
      subscribe(socket, message.id, log, message.after);
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    connections: () => opened,
    received,
    cancelled: () => [...logs.entries()].filter(([, log]) => log.cancelled).map(([id]) => id),
    progress: () => ({ streams: logs.size, fewestEvents: Math.min(...[...logs.values()].map((log) => log.entries.length)) }),
    dropAllSockets: () => {
      for (const socket of wss.clients) socket.terminate();
    },
    socketListeners: () => [...wss.clients].reduce((sum, socket) => sum + socket.eventNames().reduce((n, name) => n + socket.listenerCount(name), 0), 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
}
