import type { GatewayError } from '../errors/index.ts';
import type { StreamEvent } from '../events/stream-event.ts';

/**
 * Decides, event by event, whether a generation may release more output
 * (a budget does). `pass` answers at once on the token path: `true` to
 * release the event, a promise to hold it until the gate knows more (then
 * ask again), or `false` when no more output may go, with `refusal` as the
 * stream's end.
 */
export interface OutputGate {
  pass(event: StreamEvent): boolean | Promise<void>;
  readonly refusal: GatewayError | undefined;
}
