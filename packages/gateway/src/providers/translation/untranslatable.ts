import { ErrorCodes } from '@sluice/protocol';
import { InvalidRequestError } from '../../errors/index.ts';

/**
 * A request field the provider cannot be given faithfully: a 400 that
 * names the field, never a silent drop.
 */
export class UntranslatableError extends InvalidRequestError {
  constructor(field: string, why: string) {
    super(`${field}: ${why}`, field, ErrorCodes.unsupportedParameter);
  }
}
