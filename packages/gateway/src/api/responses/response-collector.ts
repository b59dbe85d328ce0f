import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink } from '../../streams/subscription.ts';
import type { ResponseObject } from './response-object.ts';

/**
 * The sink of a `stream: false` request: a Responses stream ends with the
 * whole response (`response.completed` or `.incomplete`), which is the answer.
 */
export class ResponseCollector implements StreamSink {
  #response: ResponseObject | undefined;

  write(entry: LogEntry): boolean {
    if (entry.kind === 'done') this.#response = (JSON.parse(entry.json) as { response: ResponseObject }).response;
    return true;
  }

  onDrain(): void {}
  end(): void {}

  response(): ResponseObject {
    if (this.#response === undefined) throw new Error('the stream ended without its response');
    return this.#response;
  }
}
