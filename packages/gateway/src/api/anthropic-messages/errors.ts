import type { GatewayError } from '../../errors/index.ts';

/** Anthropic's error body: `{"type":"error","error":{"type","message"}}`, the same in a response and in an `error` event. */
export function messagesError(error: GatewayError): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: messagesErrorType(error), message: error.message } };
}

/** Anthropic's error `type` for a gateway error, by its HTTP status. */
export function messagesErrorType(error: GatewayError): string {
  switch (error.status) {
    case 400:
    case 409:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    // Overloaded or draining: Anthropic's clients retry it, best elsewhere.
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return error.status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}
