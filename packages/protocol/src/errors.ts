/** The one error shape on the wire, OpenAI's, for HTTP bodies, SSE error events and WS error messages. */
export interface WireErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface WireError {
  error: WireErrorBody;
}

/** Stable error codes sluice itself emits (upstream codes pass through as they are). */
export const ErrorCodes = {
  invalidRequest: 'invalid_request',
  unsupportedParameter: 'unsupported_parameter',
  invalidJson: 'invalid_json',
  invalidMessage: 'invalid_message',
  unsupportedFrame: 'unsupported_frame',
  tooManyStreams: 'too_many_streams',
  duplicateId: 'duplicate_id',
  upgradeRequired: 'upgrade_required',
  originNotAllowed: 'origin_not_allowed',
  hostNotAllowed: 'host_not_allowed',
  requestTimeout: 'request_timeout',
  headersTooLarge: 'headers_too_large',
  malformedRequest: 'malformed_request',
  expectationFailed: 'expectation_failed',
  methodNotAllowed: 'method_not_allowed',
  bodyTooLarge: 'body_too_large',
  invalidApiKey: 'invalid_api_key',
  keyRevoked: 'key_revoked',
  keyExpired: 'key_expired',
  invalidAdminKey: 'invalid_admin_key',
  modelNotAllowed: 'model_not_allowed',
  keyNotFound: 'key_not_found',
  readOnlyKey: 'read_only_key',
  teamNotFound: 'team_not_found',
  teamExists: 'team_exists',
  readOnlyTeam: 'read_only_team',
  modelNotFound: 'model_not_found',
  streamNotFound: 'stream_not_found',
  streamTruncated: 'stream_truncated',
  invalidCursor: 'invalid_cursor',
  streamInterrupted: 'stream_interrupted',
  unsupportedStreamApi: 'unsupported_stream_api',
  rateLimited: 'rate_limit_exceeded',
  budgetExceeded: 'budget_exceeded',
  insufficientQuota: 'insufficient_quota',
  limitsUnavailable: 'limits_unavailable',
  upstreamError: 'upstream_error',
  upstreamUnavailable: 'upstream_unavailable',
  upstreamTimeout: 'upstream_timeout',
  upstreamMalformed: 'upstream_malformed',
  upstreamDisconnected: 'upstream_disconnected',
  upstreamOverloaded: 'upstream_overloaded',
  noHealthyDeployment: 'no_healthy_deployment',
  firstTokenTimeout: 'first_token_timeout',
  contentFiltered: 'content_filter',
  cancelled: 'cancelled',
  shuttingDown: 'shutting_down',
  internal: 'internal_error',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false;
  const inner = (value as { error?: unknown }).error;
  return typeof inner === 'object' && inner !== null && typeof (inner as { message?: unknown }).message === 'string';
}
