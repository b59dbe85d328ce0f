/**
 * `client.chat.create()`: one non-streaming completion over HTTP, through the
 * same budget, scheduler and retry policy as streams.
 */
import { Paths, costOf, type ChatCompletion, type ChatCompletionRequest } from '@sluice/protocol';
import { abortReason, sleep } from './backoff.ts';
import { completionBound, estimatePromptTokens, estimateRequestTokens } from './cost.ts';
import type { DriverContext } from './driver.ts';
import { APIError, RateLimitError, TimeoutError } from './errors.ts';
import { errorFromResponse, fetchFailure, requestHeaders, type HttpContext } from './http.ts';
import type { Priority } from './scheduler.ts';
import { traceHeaders, type TraceContext } from './trace-context.ts';

export interface CreateOptions {
  signal?: AbortSignal;
  priority?: Priority;
  /** The whole request, generation included (default 10 minutes, as the official SDKs). */
  timeoutMs?: number;
  /** W3C trace context for this request, so the gateway's span joins the caller's trace. */
  trace?: TraceContext;
}

export async function createCompletion(
  context: DriverContext,
  http: HttpContext,
  body: ChatCompletionRequest,
  options: CreateOptions = {},
): Promise<ChatCompletion> {
  const { scheduler, retry, budget, prices, stats } = context;
  const signal = options.signal ?? new AbortController().signal;
  const price = prices.priceOf(body.model);
  const promptTokens = estimatePromptTokens(body);
  const worstCase = price ? costOf({ prompt_tokens: promptTokens, completion_tokens: completionBound(body) ?? 0 }, price) : 0;
  const reservation = budget?.admit(worstCase) ?? null;
  let lease;
  try {
    lease = await scheduler.acquire({ tokens: estimateRequestTokens(body), priority: options.priority, signal });
  } catch (error) {
    reservation?.settle(0);
    stats.recordFailed();
    throw error;
  }
  try {
    for (let retries = 0; ; retries++) {
      if (retries > 0) await lease.again(signal);
      try {
        const completion = await requestOnce(http, { ...body, stream: false }, signal, options.timeoutMs ?? 600_000, (headers) => scheduler.observe(headers), options.trace);
        const cost = completion.usage?.cost ?? (completion.usage ? prices.cost(body.model, completion.usage) : null) ?? 0;
        lease.release(completion.usage?.total_tokens);
        reservation?.settle(cost);
        stats.recordCompleted(completion.usage?.total_tokens ?? 0, cost);
        return completion;
      } catch (error) {
        const decision = retry.decide(error, retries);
        if (error instanceof RateLimitError) scheduler.pause(decision.retry ? decision.delayMs : (error.retryAfterMs ?? 1000));
        if (!decision.retry) throw error;
        await sleep(decision.delayMs, signal);
      }
    }
  } catch (error) {
    lease.release();
    reservation?.settle(0);
    stats.recordFailed();
    throw error;
  }
}

async function requestOnce(
  http: HttpContext,
  body: ChatCompletionRequest,
  outer: AbortSignal,
  timeoutMs: number,
  observe: (headers: Headers) => void,
  trace: TraceContext | undefined,
): Promise<ChatCompletion> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  if (outer.aborted) onAbort();
  const timer = setTimeout(() => controller.abort(new TimeoutError('request', timeoutMs)), timeoutMs);
  const url = `${http.baseURL}${Paths.chatCompletions}`;
  try {
    let response: Response;
    let text: string;
    try {
      response = await http.fetch(url, {
        method: 'POST',
        headers: requestHeaders(http, { 'content-type': 'application/json', accept: 'application/json', ...traceHeaders(trace) }),
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      observe(response.headers);
      if (!response.ok) throw await errorFromResponse(response);
      text = await response.text();
    } catch (error) {
      if (error instanceof APIError) throw error;
      throw controller.signal.aborted ? abortReason(controller.signal) : fetchFailure(error, controller.signal, `request to ${url} failed`);
    }
    let completion: unknown;
    try {
      completion = JSON.parse(text);
    } catch {
      throw new APIError(`the server answered with something that is not JSON: ${text.slice(0, 200)}`, { status: 502, code: 'malformed_response', retryable: false });
    }
    if (typeof completion !== 'object' || completion === null || !Array.isArray((completion as ChatCompletion).choices)) {
      throw new APIError(`the server's answer is not a chat completion: ${text.slice(0, 200)}`, { status: 502, code: 'malformed_response', retryable: false });
    }
    return completion as ChatCompletion;
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
}
