import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError } from './load.ts';
import type { SluiceConfig } from './schema.ts';

/** What the port speaks: HTTP/1.1, cleartext HTTP/2 only, or TLS with HTTP/2 and HTTP/1.1 chosen by ALPN. */
export type HttpProtocol = 'http1' | 'h2c' | 'tls';

export function httpProtocolOf(server: SluiceConfig['server']): HttpProtocol {
  if (server.tls !== undefined) return 'tls';
  return server.http2 === 'h2c' ? 'h2c' : 'http1';
}

/** The Fastify options that pick the protocol. */
export interface ProtocolOptions {
  http2?: true;
  https?: { allowHTTP1: true; cert: string; key: string };
}

/**
 * Fastify's server options for the configured protocol. TLS serves `h2`
 * and `http/1.1` on one port (Node offers both by ALPN when HTTP/1 is
 * allowed), so HTTP/1.1 clients and WebSocket upgrades keep working beside
 * HTTP/2. Certificate problems are config errors, found before anything starts.
 */
export function protocolOptions(server: SluiceConfig['server']): ProtocolOptions {
  if (server.tls !== undefined && server.http2 === 'h2c') {
    throw new ConfigError('server.http2: "h2c" (--h2c) is cleartext and cannot be combined with server.tls, which already serves HTTP/2 and HTTP/1.1');
  }
  switch (httpProtocolOf(server)) {
    case 'http1':
      return {};
    case 'h2c':
      return { http2: true };
    case 'tls': {
      const cert = readPem(server.tls!.cert, 'server.tls.cert');
      const key = readPem(server.tls!.key, 'server.tls.key');
      try {
        createSecureContext({ cert, key });
      } catch (error) {
        throw new ConfigError(`server.tls: the certificate and key cannot be used together: ${(error as Error).message}`);
      }
      return { http2: true, https: { allowHTTP1: true, cert, key } };
    }
  }
}

/** A PEM given inline, or the path of a PEM file. */
function readPem(value: string, field: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new ConfigError(`${field}: cannot read ${value}: ${(error as Error).message}`);
  }
}
