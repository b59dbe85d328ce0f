import type { FastifyInstance } from 'fastify';
import type { HttpProtocol } from '../../config/http-protocol.ts';
import { UpgradeRequiredError } from './errors.ts';
import { WS_PATH } from './handshake.ts';

/**
 * What an HTTP request to the WebSocket endpoint gets instead of a socket:
 * 426 with an explanation. On an h2c port this is the clear failure of a
 * WebSocket that cannot exist there (an HTTP/1.1 upgrade cannot even be
 * parsed by a cleartext HTTP/2 server).
 */
export function registerUpgradeRequiredRoute(app: FastifyInstance, protocol: HttpProtocol): void {
  app.get(WS_PATH, async (request, reply) => {
    let message: string;
    if (protocol === 'h2c') {
      message = `This port serves cleartext HTTP/2 (h2c) only, and WebSocket needs HTTP/1.1: use a gateway started without --h2c (or with TLS, where HTTP/1.1 and HTTP/2 share the port).`;
    } else if (request.raw.httpVersionMajor >= 2) {
      message = `WebSocket runs over HTTP/1.1: connect to ${WS_PATH} with a WebSocket client (it negotiates HTTP/1.1 on this port).`;
    } else {
      message = `${WS_PATH} is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).`;
      // HTTP/2 forbids connection-specific headers such as Upgrade, so it is sent on HTTP/1.1 only.
      void reply.header('upgrade', 'websocket');
    }
    return reply.code(426).send(new UpgradeRequiredError(message).toWire());
  });
}
