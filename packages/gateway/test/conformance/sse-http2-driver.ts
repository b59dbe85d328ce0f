import type { ClientHttp2Session } from 'node:http2';
import type { WireError } from '@sluice/protocol';
import { makeTestCertificate, type TestCertificate } from '../helpers/certificate.ts';
import { cancelH2, connectH2, h2Post, readH2Text } from '../helpers/h2.ts';
import { OutcomeBuilder, type OpenStream, type TransportDriver } from './driver.ts';
import { readSseInto } from './sse-outcome.ts';

const PATH = '/v1/chat/completions';

/**
 * SSE over HTTP/2 with `node:http2` as the client, every stream on one
 * session: over TLS (ALPN h2), or cleartext with prior knowledge (h2c).
 */
export function sseHttp2Driver(mode: 'tls' | 'h2c'): TransportDriver {
  let certificate: TestCertificate | undefined;
  return {
    name: mode === 'tls' ? 'SSE over HTTP/2 (TLS)' : 'SSE over HTTP/2 (h2c)',
    carriesSeq: true,
    cutKinds: ['disconnect'],
    invalidJsonCode: 'invalid_json',
    serverConfig() {
      if (mode === 'h2c') return { http2: 'h2c' };
      certificate = makeTestCertificate();
      return { tls: { cert: certificate.certPath, key: certificate.keyPath } };
    },
    async connect(gateway) {
      const session = await connectH2(gateway.url, certificate?.cert);
      if (session.alpnProtocol !== (mode === 'tls' ? 'h2' : 'h2c')) throw new Error(`negotiated ${session.alpnProtocol}`);
      return {
        stream: (body) => run(session, body).outcome,
        open: (body) => run(session, body),
        async invalidJson() {
          const response = await h2Post(session, PATH, '{"model": ');
          return { status: response.status, error: (JSON.parse(await readH2Text(response.stream)) as WireError).error };
        },
        close: () => new Promise<void>((resolve) => session.close(() => resolve())),
      };
    },
  };
}

function run(session: ClientHttp2Session, body: object): OpenStream {
  const builder = new OutcomeBuilder(true);
  let cut = false;
  let cutStream: (() => void) | undefined;
  const outcome = (async () => {
    const response = await h2Post(session, PATH, { ...body, stream: true });
    cutStream = () => cancelH2(response.stream);
    if (cut) cutStream();
    if (response.status !== 200) builder.fail((JSON.parse(await readH2Text(response.stream)) as WireError).error, undefined, response.status);
    else await readSseInto(builder, response.stream);
    return builder.outcome;
  })();
  return {
    firstToken: builder.firstToken,
    cut: () => {
      cut = true;
      cutStream?.();
    },
    outcome,
  };
}
