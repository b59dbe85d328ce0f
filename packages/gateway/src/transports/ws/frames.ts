import type { WireError } from '@sluice/protocol';
import type { LogEntry } from '../../streams/log.ts';

/**
 * The server's `sluice.v1` messages, built as strings. A log entry's `json`
 * was serialised once when the event was logged; a frame wraps those bytes
 * in a fixed head, so the per-token path is one string concatenation and no
 * JSON work. `idJson` is the client's id already serialised.
 */
export const PONG_FRAME = '{"type":"pong"}';

export function acceptedFrame(idJson: string, streamId: string, token: string | undefined): string {
  const tokenPart = token === undefined ? '' : `,"token":${JSON.stringify(token)}`;
  return `{"type":"accepted","id":${idJson},"streamId":${JSON.stringify(streamId)}${tokenPart}}`;
}

/** An error that is not a stream's logged end: a refused message, or a stream that cannot be read. */
export function errorFrame(idJson: string, error: WireError): string {
  return `{"type":"error","id":${idJson},"error":${JSON.stringify(error.error)}}`;
}

/** The heads of one request's frames, made once per request. */
export class StreamFrames {
  readonly #chunkHead: string;
  readonly #doneHead: string;
  readonly #errorHead: string;

  constructor(idJson: string) {
    this.#chunkHead = `{"type":"chunk","id":${idJson},"seq":`;
    this.#doneHead = `{"type":"done","id":${idJson},"seq":`;
    this.#errorHead = `{"type":"error","id":${idJson},"seq":`;
  }

  /**
   * `chunk {id, seq, data}`, `done {id, seq, usage, cost}` or `error {id, seq, error}`.
   * The done and error entries are JSON objects (`{"usage":…,"cost":…}`,
   * `{"error":…}`) whose members become the message's own after the seq.
   */
  of(entry: LogEntry): string {
    switch (entry.kind) {
      case 'chunk':
        return this.#chunkHead + entry.seq + ',"data":' + entry.json + '}';
      case 'done':
        return this.#doneHead + entry.seq + ',' + entry.json.slice(1);
      case 'error':
        return this.#errorHead + entry.seq + ',' + entry.json.slice(1);
    }
  }
}
