import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A gateway logger that keeps every line in memory, so a test can read what was logged. */
export interface CapturedLog {
  logger: Logger;
  /** Everything logged so far, as written (JSON lines). */
  text(): string;
  /** The lines as objects. */
  lines(): Record<string, unknown>[];
}

export function captureLog(level = 'info'): CapturedLog {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level }, sink);
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
