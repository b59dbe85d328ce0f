import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Paths, WS_BEARER_PREFIX, WS_SUBPROTOCOL } from '@sluice/protocol';
import type { Caller, KeyRing } from '../../auth/key-ring.ts';
import type { GatewayError } from '../../errors/index.ts';
import { rawErrorResponse } from '../../edge/raw-response.ts';

/** Where the WebSocket endpoint is. */
export const WS_PATH = `/v1${Paths.chatStream}`;

/** The subprotocols a client offered, in its order. */
export function offeredSubprotocols(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * Who opens the socket: `Authorization: Bearer <key>`, or for browsers,
 * which cannot set headers on a WebSocket, a `bearer.<key>` subprotocol.
 * Throws AuthenticationError, which refuses the upgrade with 401.
 */
export function authenticateUpgrade(keys: KeyRing, req: IncomingMessage, offered: readonly string[]): Caller {
  if (req.headers.authorization !== undefined) return keys.authenticate(req.headers.authorization);
  const bearer = offered.find((p) => p.startsWith(WS_BEARER_PREFIX));
  if (bearer !== undefined) return keys.authenticateKey(bearer.slice(WS_BEARER_PREFIX.length));
  return keys.authenticate(undefined);
}

/**
 * The subprotocol the server answers with: `sluice.v1` when offered. A
 * browser that offered only its `bearer.<key>` gets that one back, because
 * a browser fails a handshake that offered subprotocols and got none; the
 * socket is then in plain mode. Anything else gets no subprotocol (plain mode).
 */
export function chooseSubprotocol(offered: ReadonlySet<string>): string | false {
  if (offered.has(WS_SUBPROTOCOL)) return WS_SUBPROTOCOL;
  if (offered.size === 1) {
    const [only] = offered;
    if (only.startsWith(WS_BEARER_PREFIX)) return only;
  }
  return false;
}

/** Only WebSocket upgrades are taken over; any other `Upgrade` (such as `h2c`) is served as a plain request. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket';
}

/** Answer an upgrade request with an HTTP error in the OpenAI shape, before any WebSocket exists. */
export function refuseUpgrade(socket: Duplex, error: GatewayError, headers: Record<string, string> = {}): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(rawErrorResponse(error, headers));
}
