export { SluiceClient, type SluiceClientOptions } from './client.ts';
export { ChatStream, type StreamOptions } from './stream.ts';
export type { StreamResult } from './driver.ts';
export type { CreateOptions } from './create.ts';
export type { TraceContext } from './trace-context.ts';
export {
  SluiceError,
  APIError,
  AuthenticationError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  ConnectionError,
  StreamInterruptedError,
  BudgetExceededError,
  QueueFullError,
  AbortError,
  type TimeoutPhase,
} from './errors.ts';
export { BudgetGuard } from './budget.ts';
export { PriceTable } from './cost.ts';
export { RetryPolicy, type RetryOptions } from './retry.ts';
export { Scheduler, type SchedulerOptions, type Priority, type Lease } from './scheduler.ts';
export { TokenBucket } from './token-bucket.ts';
export { fullJitterDelay, type BackoffOptions } from './backoff.ts';
export type { ClientStats } from './stats.ts';
export type { Timeouts } from './timeouts.ts';
export type { ReconnectOptions } from './resume.ts';
export type { TransportName } from './transport/types.ts';
export type { WebSocketConstructor, WebSocketLike } from './transport/ws-connection.ts';
export type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatMessage, ModelPrice, Usage } from '@sluice/protocol';
