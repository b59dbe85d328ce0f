import type { FinishReason, Usage } from '@sluice/protocol';
import type { GatewayError } from '../../errors/index.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import type { EventEncoder, FrameWriter } from '../../streams/event-encoder.ts';
import { clientToolCallId } from '../tool-call-id.ts';
import { OutputItems, type ItemEvents } from './output-items.ts';
import { responseObject, responsesUsage, type ResponseEcho, type ResponseObject, type ResponseStatus } from './response-object.ts';

export interface ResponsesEncoderOptions {
  streamId: string;
  /** When the stream began, in milliseconds. */
  createdAt: number;
  echo: ResponseEcho;
  /** `include: ["reasoning.encrypted_content"]`: reasoning items carry their sealed block. */
  includeEncrypted: boolean;
}

/**
 * StreamEvents as OpenAI's Responses stream: `response.created` and
 * `response.in_progress`, then each output item (reasoning, message,
 * function call) added, streamed and done, then `response.completed` (or
 * `.incomplete`, or `error` and `response.failed`) with the whole response.
 * Every event carries its `sequence_number` (from 0, as OpenAI counts: the
 * log's seq less one) and starts with its `type`, which the SSE dialect
 * names the event by. It keeps the final response, for `store`.
 */
export class ResponsesEncoder implements EventEncoder {
  readonly #options: ResponsesEncoderOptions;
  readonly responseId: string;
  readonly #createdAt: number;
  readonly #items: OutputItems;
  #sequence = 0;
  /** The writer of the call being encoded, for the item events. */
  #out: FrameWriter | undefined;
  readonly #events: ItemEvents = { event: (body) => this.#out!.chunk(`${body},"sequence_number":${this.#sequence++}}`) };
  #started = false;
  #finish: FinishReason | null = null;
  #final: ResponseObject | undefined;

  constructor(options: ResponsesEncoderOptions) {
    this.#options = options;
    this.responseId = responseIdOf(options.streamId);
    this.#createdAt = Math.floor(options.createdAt / 1000);
    this.#items = new OutputItems(options.streamId, options.includeEncrypted);
  }

  /** The response as it ended; undefined while the stream runs. */
  get final(): ResponseObject | undefined {
    return this.#final;
  }

  /** Every output item as it ended, reasoning sealed whatever the client asked: what a continuation needs. */
  get fullOutput(): readonly object[] {
    return this.#items.full;
  }

  /** The response as it starts, before any output. */
  initial(): ResponseObject {
    return this.#response('in_progress', null);
  }

  encode(event: StreamEvent, out: FrameWriter): void {
    if ('choice' in event && event.choice !== 0) return;
    this.#out = out;
    switch (event.type) {
      case 'content':
        if (event.text === '') return;
        this.#start(out);
        return this.#items.text(event.text, this.#events);
      case 'reasoning':
        this.#start(out);
        return this.#items.reasoning(event.text, this.#events);
      case 'reasoning_signature':
        this.#start(out);
        return this.#items.signature(event.signature, this.#events);
      case 'reasoning_redacted':
        this.#start(out);
        return this.#items.redacted(event.data, this.#events);
      case 'tool_call': {
        this.#start(out);
        const { call } = event;
        const callId = clientToolCallId(call.id ?? `call_${this.#options.streamId}_${call.index}`, event.signature);
        return this.#items.functionCall(call.index, callId, call.function?.name ?? '', call.function?.arguments ?? '', this.#events);
      }
      case 'finish':
        this.#finish = event.reason;
        return this.#items.close(event.reason === 'length' ? 'incomplete' : 'completed', this.#events);
      case 'role':
        return this.#start(out);
      case 'usage':
      case 'error':
        return;
    }
  }

  finish(usage: Usage, out: FrameWriter): void {
    this.#out = out;
    this.#start(out);
    this.#items.close('completed', this.#events);
    const incomplete = this.#finish === 'length' ? 'max_output_tokens' : this.#finish === 'content_filter' ? 'content_filter' : null;
    const status: ResponseStatus = incomplete === null ? 'completed' : 'incomplete';
    this.#final = this.#response(status, responsesUsage(usage), incomplete === null ? {} : { incomplete_details: { reason: incomplete } });
    const body = { type: `response.${status}`, response: this.#final, sequence_number: this.#sequence++ };
    out.done(JSON.stringify(body));
  }

  fail(error: GatewayError, out: FrameWriter): void {
    this.#out = out;
    this.#start(out);
    this.#items.close('incomplete', this.#events);
    out.chunk(JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param, sequence_number: this.#sequence++ }));
    this.#final = this.#response(error.code === 'cancelled' ? 'cancelled' : 'failed', null, { error: { code: error.code, message: error.message } });
    out.error(JSON.stringify({ type: 'response.failed', response: this.#final, sequence_number: this.#sequence++ }));
  }

  #start(out: FrameWriter): void {
    if (this.#started) return;
    this.#started = true;
    const response = this.initial();
    out.chunk(JSON.stringify({ type: 'response.created', response, sequence_number: this.#sequence++ }));
    out.chunk(JSON.stringify({ type: 'response.in_progress', response, sequence_number: this.#sequence++ }));
  }

  #response(status: ResponseStatus, usage: ResponseObject['usage'], extra: Partial<ResponseObject> = {}): ResponseObject {
    const completedAt = status === 'completed' ? Math.floor(Date.now() / 1000) : null;
    return responseObject(this.responseId, this.#createdAt, this.#options.echo, { status, output: this.#items.wire, usage, completed_at: completedAt, ...extra });
  }
}

/** A response is named after its stream: `resp_<streamId>`. */
export function responseIdOf(streamId: string): string {
  return `resp_${streamId}`;
}

/** The stream of a response id, or null when the id is not one of sluice's. */
export function streamIdOf(responseId: string): string | null {
  return responseId.startsWith('resp_') ? responseId.slice('resp_'.length) : null;
}
