import { ErrorCodes, type WireError } from '@sluice/protocol';

export interface GatewayErrorOptions {
  param?: string | null;
  /** Seconds the caller should wait, passed on as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Milliseconds the caller should wait, when an upstream said so exactly. */
  retryAfterMs?: number;
  /** More response headers the error is answered with (a rate limit's `x-ratelimit-*`). */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * Every error sluice raises on purpose. Each has an HTTP status, a stable
 * `code`, an OpenAI error `type` and whether trying again may help; one
 * place (`toWireError`) turns it into the wire shape.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: string;
  readonly retryable: boolean;
  readonly param: string | null;
  readonly retryAfterSeconds: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, type: string, message: string, retryable: boolean, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.type = type;
    this.retryable = retryable;
    this.param = options.param ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers ?? {};
  }

  toWire(): WireError {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export class InvalidRequestError extends GatewayError {
  constructor(message: string, param: string | null = null, code: string = ErrorCodes.invalidRequest) {
    super(400, code, 'invalid_request_error', message, false, { param });
  }
}

/** Refused at the HTTP layer, before any route: malformed, too slow, headers too large, an expectation not met. */
export class HttpRequestError extends GatewayError {
  constructor(status: number, code: string, message: string) {
    super(status, code, 'invalid_request_error', message, false);
  }
}

/** A browser page whose origin is not in `server.corsOrigins` called the gateway (or opened a socket). */
export class OriginNotAllowedError extends GatewayError {
  constructor(origin: string) {
    super(403, ErrorCodes.originNotAllowed, 'permission_error', `Requests from pages at ${JSON.stringify(origin.slice(0, 200))} are not allowed; add the origin to server.corsOrigins.`, false);
  }
}

/** A keyless gateway answers only to loopback names: anything else may be a DNS-rebinding page. */
export class HostNotAllowedError extends GatewayError {
  constructor(host: string) {
    super(403, ErrorCodes.hostNotAllowed, 'permission_error', `Host ${JSON.stringify(host.slice(0, 200))} is not a loopback name; a gateway without keys answers only to localhost, 127.0.0.1 or [::1].`, false);
  }
}

export class AuthenticationError extends GatewayError {
  constructor(message = 'Invalid or missing API key. Pass it as "Authorization: Bearer <key>".') {
    super(401, ErrorCodes.invalidApiKey, 'authentication_error', message, false);
  }
}

export class ModelNotFoundError extends GatewayError {
  constructor(model: string) {
    super(404, ErrorCodes.modelNotFound, 'invalid_request_error', `The model "${model}" does not exist on this gateway. GET /v1/models lists the models it serves.`, false, { param: 'model' });
  }
}

export class StreamNotFoundError extends GatewayError {
  constructor() {
    super(404, ErrorCodes.streamNotFound, 'invalid_request_error', 'No such stream, or it has expired.', false);
  }
}

/** A resume asked for events the log no longer holds. */
export class StreamTruncatedError extends GatewayError {
  constructor(after: number, firstHeld: number) {
    super(410, ErrorCodes.streamTruncated, 'invalid_request_error', `The events after seq ${after} are no longer held (the log starts at ${firstHeld}); the stream cannot be resumed from there.`, false);
  }
}

/** A resume from a seq the stream has not reached: it will never be sent, so waiting for it would hang. */
export class InvalidCursorError extends GatewayError {
  constructor(after: number, lastSeq: number) {
    super(400, ErrorCodes.invalidCursor, 'invalid_request_error', `after: the stream has reached seq ${lastSeq} only, so it cannot be resumed after ${after}.`, false, { param: 'after' });
  }
}

/** The replica running a stream stopped without finishing it. */
export class StreamInterruptedError extends GatewayError {
  constructor() {
    super(502, ErrorCodes.streamInterrupted, 'server_error', 'The replica running this stream stopped before it finished; start the request again.', true);
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limitBytes: number) {
    super(413, ErrorCodes.bodyTooLarge, 'invalid_request_error', `Request body is larger than the limit of ${limitBytes} bytes.`, false);
  }
}

export class RateLimitError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(429, ErrorCodes.rateLimited, 'rate_limit_error', message, true, options);
  }
}

/** The upstream answered with an error status we pass on (4xx other than 429, which is a RateLimitError). */
export class UpstreamHttpError extends GatewayError {
  readonly upstreamStatus: number;
  constructor(upstreamStatus: number, message: string, code: string | null, type: string | null, options: GatewayErrorOptions = {}) {
    const passOn = upstreamStatus >= 400 && upstreamStatus < 500;
    const retryable = upstreamStatus === 408 || upstreamStatus === 409 || upstreamStatus >= 500;
    super(passOn ? upstreamStatus : 502, code ?? ErrorCodes.upstreamError, type ?? 'upstream_error', message, retryable, options);
    this.upstreamStatus = upstreamStatus;
  }
}

/** The upstream could not be reached, or its connection broke. */
export class UpstreamUnavailableError extends GatewayError {
  constructor(message: string, code: string = ErrorCodes.upstreamUnavailable, options: GatewayErrorOptions = {}) {
    super(502, code, 'upstream_error', message, true, options);
  }
}

/** The upstream is temporarily overloaded (Anthropic's 529, Gemini's 503 UNAVAILABLE): try again shortly. */
export class UpstreamOverloadedError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(503, ErrorCodes.upstreamOverloaded, 'upstream_error', message, true, options);
  }
}

/** The provider's safety system refused the prompt before generating anything. */
export class ContentFilterError extends GatewayError {
  constructor(message: string) {
    super(400, ErrorCodes.contentFiltered, 'invalid_request_error', message, false);
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(message: string) {
    super(504, ErrorCodes.upstreamTimeout, 'upstream_error', message, true);
  }
}

/** The upstream sent something that is not the protocol it promised. */
export class UpstreamProtocolError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(502, ErrorCodes.upstreamMalformed, 'upstream_error', message, false, options);
  }
}

export class CancelledError extends GatewayError {
  constructor(message = 'The stream was cancelled.') {
    super(499, ErrorCodes.cancelled, 'cancelled', message, false);
  }
}

export class ShuttingDownError extends GatewayError {
  constructor() {
    super(503, ErrorCodes.shuttingDown, 'server_error', 'The gateway is shutting down; retry on another replica.', true, { retryAfterSeconds: 1 });
  }
}

export class InternalError extends GatewayError {
  constructor(message = 'Internal error.', cause?: unknown) {
    super(500, ErrorCodes.internal, 'server_error', message, false, { cause });
  }
}
