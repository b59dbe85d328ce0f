import { ErrorCodes } from '@sluice/protocol';
import { GatewayError } from './gateway-error.ts';

/** `/admin/*` without the admin key (a gateway key is not one). */
export class AdminAuthenticationError extends GatewayError {
  constructor() {
    super(401, ErrorCodes.invalidAdminKey, 'authentication_error', 'The admin API needs the admin key. Pass it as "Authorization: Bearer <admin key>".', false);
  }
}

/** The key of a running stream was revoked (on any replica): the stream is stopped where it is. */
export class KeyRevokedError extends GatewayError {
  constructor() {
    super(401, ErrorCodes.keyRevoked, 'authentication_error', 'This API key was revoked while the stream ran; the stream was stopped.', false);
  }
}

/** The key of a running stream reached its `expiresAt`: the stream is stopped where it is. */
export class KeyExpiredError extends GatewayError {
  constructor(expiresAt: number) {
    super(401, ErrorCodes.keyExpired, 'authentication_error', `This API key expired at ${new Date(expiresAt).toISOString()} while the stream ran; the stream was stopped.`, false);
  }
}

/** The key's `models` allow-list does not cover the model asked for. */
export class ModelNotAllowedError extends GatewayError {
  constructor(model: string) {
    super(403, ErrorCodes.modelNotAllowed, 'permission_error', `This key may not use the model "${model.slice(0, 256)}".`, false, { param: 'model' });
  }
}

export class KeyNotFoundError extends GatewayError {
  constructor(id: string) {
    super(404, ErrorCodes.keyNotFound, 'invalid_request_error', `No key with id "${id.slice(0, 100)}".`, false, { param: 'id' });
  }
}

/** Keys from the config file are changed in the config file. */
export class ReadOnlyKeyError extends GatewayError {
  constructor(id: string) {
    super(409, ErrorCodes.readOnlyKey, 'invalid_request_error', `The key "${id.slice(0, 100)}" comes from the config file and is read-only; change it there.`, false, { param: 'id' });
  }
}

export class TeamNotFoundError extends GatewayError {
  constructor(name: string) {
    super(404, ErrorCodes.teamNotFound, 'invalid_request_error', `No team named "${name.slice(0, 100)}"; create it with POST /admin/teams first.`, false, { param: 'name' });
  }
}

export class TeamExistsError extends GatewayError {
  constructor(name: string) {
    super(409, ErrorCodes.teamExists, 'invalid_request_error', `A team named "${name.slice(0, 100)}" exists already; change it with PATCH /admin/teams/${encodeURIComponent(name)}.`, false, { param: 'name' });
  }
}

/** Teams from the config file are changed in the config file. */
export class ReadOnlyTeamError extends GatewayError {
  constructor(name: string) {
    super(409, ErrorCodes.readOnlyTeam, 'invalid_request_error', `The team "${name.slice(0, 100)}" comes from the config file and is read-only; change it there.`, false, { param: 'name' });
  }
}
