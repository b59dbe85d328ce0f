/** The one seam every transport's client implements. */
import type { StreamRecorder } from '../recorder.ts';

export interface StreamClient {
  /**
   * Runs one stream to its end. Never rejects: a failure is recorded on the
   * recorder. When `cancel` fires, the client cancels the way its transport
   * does (abort the request, or a `cancel` message) and the promise settles.
   */
  run(recorder: StreamRecorder, cancel?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export const CANCELLED = 'cancelled by the client';

/** Why a stream was cut short: the abort reason when it is a message, else a plain "cancelled". */
export function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return 'timed out';
  return CANCELLED;
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = (error as { code?: unknown }).code;
    return `${error.name}: ${error.message}${typeof code === 'string' ? ` (${code})` : ''}${cause instanceof Error ? ` <- ${cause.message}` : ''}`;
  }
  return String(error);
}
