import { ErrorCodes } from '@sluice/protocol';
import { GatewayError, InternalError, InvalidRequestError, PayloadTooLargeError } from './gateway-error.ts';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/**
 * The one place any thrown value becomes a GatewayError: our own errors pass
 * through, the HTTP framework's input errors get OpenAI wording, anything
 * else is an internal error whose details stay in the log.
 */
export function toGatewayError(error: unknown, bodyLimitBytes: number): GatewayError {
  if (error instanceof GatewayError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(bodyLimitBytes);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequestError('The request body is not valid JSON.', null, ErrorCodes.invalidJson);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new InvalidRequestError('Send the request body as JSON with "Content-Type: application/json".');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequestError('The Content-Length header does not match the body.');
  }
  if (error instanceof SyntaxError) {
    return new InvalidRequestError(`The request body is not valid JSON: ${error.message}.`, null, ErrorCodes.invalidJson);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new InvalidRequestError(e.message ?? 'Bad request.');
  }
  return new InternalError('Internal error.', error);
}
