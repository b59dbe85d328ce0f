/**
 * A self-signed certificate for 127.0.0.1, made with openssl for one run: the
 * bench upstream serves h2 over TLS with it, and the sluice targets that
 * reach it trust it through their provider's `caFile`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface ThrowawayCert {
  keyFile: string;
  certFile: string;
}

/** Null when openssl is missing or fails: the TLS upstream target is then "n/a". */
export function makeThrowawayCert(dir: string): ThrowawayCert | null {
  const keyFile = join(dir, 'upstream-key.pem');
  const certFile = join(dir, 'upstream-cert.pem');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile],
      { stdio: 'ignore' },
    );
    return { keyFile, certFile };
  } catch {
    return null;
  }
}
