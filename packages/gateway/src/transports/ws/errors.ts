import { ErrorCodes } from '@sluice/protocol';
import { GatewayError, InvalidRequestError } from '../../errors/index.ts';
import type { StreamApi } from '../../streams/event-encoder.ts';

/**
 * A WebSocket frame that is not a message of the protocol: not JSON, no
 * known `type`, or a field of the wrong shape. `id` is the message's id when
 * it had a readable one, so the client can tell which request it concerns.
 */
export class InvalidMessageError extends InvalidRequestError {
  readonly id: string | null;
  constructor(message: string, id: string | null = null, param: string | null = null) {
    super(message, param, ErrorCodes.invalidMessage);
    this.id = id;
  }
}

export class UnsupportedFrameError extends InvalidRequestError {
  constructor() {
    super('Binary frames are not supported; send JSON as text frames.', null, ErrorCodes.unsupportedFrame);
  }
}

export class TooManyStreamsError extends GatewayError {
  constructor(limit: number) {
    super(429, ErrorCodes.tooManyStreams, 'rate_limit_error', `This socket already carries ${limit} streams, the most it may; wait for one to end or open another socket.`, true);
  }
}

export class DuplicateIdError extends InvalidRequestError {
  constructor(id: string) {
    super(`A request with id ${JSON.stringify(id)} is still running on this socket; ids must be unique among live requests.`, 'id', ErrorCodes.duplicateId);
  }
}

const API_NAMES: Readonly<Record<StreamApi, string>> = { chat: 'chat completions', messages: 'the Anthropic Messages API', responses: 'the OpenAI Responses API' };

/** A resume of a stream that speaks another API than chat completions, the only one WebSocket carries. */
export class UnsupportedStreamApiError extends InvalidRequestError {
  constructor(streamId: string, api: StreamApi) {
    super(`This stream speaks ${API_NAMES[api]}; WebSocket carries chat-completions streams only. Resume it over SSE: GET /v1/streams/${streamId}.`, 'streamId', ErrorCodes.unsupportedStreamApi);
  }
}

/** A plain HTTP request, or an HTTP/2 one, reached the WebSocket endpoint. */
export class UpgradeRequiredError extends GatewayError {
  constructor(message: string) {
    super(426, ErrorCodes.upgradeRequired, 'invalid_request_error', message, false);
  }
}

/** An upgrade request for a path that has no WebSocket. */
export class NoWebSocketHereError extends GatewayError {
  constructor(path: string, wsPath: string) {
    super(404, 'not_found', 'invalid_request_error', `No WebSocket at ${path}; connect to ${wsPath}.`, false);
  }
}
