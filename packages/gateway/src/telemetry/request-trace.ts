import { defaultTextMapSetter, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import type { GatewayError } from '../errors/index.ts';
import type { StreamEvent } from '../events/stream-event.ts';
import type { RouteTarget } from '../routing/router.ts';
import type { Settlement } from '../streams/generation.ts';
import { ContentCapture, inputMessages } from './content-capture.ts';
import { OPERATION } from './genai-conventions.ts';
import type { AttemptTrace, RequestStart, RequestTrace } from './types.ts';

export interface OtelRequestTraceOptions {
  tracer: Tracer;
  propagator: TextMapPropagator;
  /** The client's trace context, or the root. */
  parent: Context;
  start: RequestStart;
  providerNames: ReadonlyMap<string, string>;
  captureContent: boolean;
}

/**
 * One request as spans: a server span `chat {model}` with the GenAI
 * attributes, and a client span per upstream attempt under it, so retries and
 * failovers show as siblings. The attempt that streams ends with the request.
 */
export class OtelRequestTrace implements RequestTrace {
  readonly contentObserver: ((event: StreamEvent) => void) | null;
  readonly #span: Span;
  readonly #context: Context;
  readonly #options: OtelRequestTraceOptions;
  readonly #content: ContentCapture | null;
  #attempt: Span | undefined;
  #attempts = 0;

  constructor(options: OtelRequestTraceOptions) {
    this.#options = options;
    const { request, streamId, api, key } = options.start;
    const attributes: Attributes = {
      'gen_ai.operation.name': OPERATION,
      'gen_ai.request.model': request.model,
      'sluice.stream.id': streamId,
      'sluice.api': api,
      'sluice.key': key,
    };
    if (request.max_completion_tokens ?? request.max_tokens) attributes['gen_ai.request.max_tokens'] = (request.max_completion_tokens ?? request.max_tokens) as number;
    if (typeof request.temperature === 'number') attributes['gen_ai.request.temperature'] = request.temperature;
    if (typeof request.top_p === 'number') attributes['gen_ai.request.top_p'] = request.top_p;
    if (typeof request.seed === 'number') attributes['gen_ai.request.seed'] = request.seed;
    if (options.captureContent) attributes['gen_ai.input.messages'] = inputMessages(request);
    this.#span = options.tracer.startSpan(`${OPERATION} ${request.model}`, { kind: SpanKind.SERVER, attributes }, options.parent);
    this.#context = trace.setSpan(options.parent, this.#span);
    this.#content = options.captureContent ? new ContentCapture() : null;
    const content = this.#content;
    this.contentObserver = content === null ? null : (event) => content.observe(event);
  }

  attempt(target: RouteTarget): AttemptTrace {
    this.#attempts++;
    const span = this.#options.tracer.startSpan(
      `${OPERATION} ${target.upstreamModel}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': OPERATION,
          'gen_ai.provider.name': this.#options.providerNames.get(target.provider.id) ?? '_OTHER',
          'gen_ai.request.model': target.upstreamModel,
          'sluice.provider.id': target.provider.id,
          'sluice.deployment': target.label,
          'sluice.attempt': this.#attempts,
        },
      },
      this.#context,
    );
    this.#attempt = span;
    const headers: Record<string, string> = {};
    this.#options.propagator.inject(trace.setSpan(this.#context, span), headers, defaultTextMapSetter);
    return {
      headers,
      failed: (error) => {
        endWithError(span, error);
        if (this.#attempt === span) this.#attempt = undefined;
      },
    };
  }

  firstToken(): void {
    this.#span.addEvent('sluice.first_token');
  }

  resumed(after: number): void {
    this.#span.addEvent('sluice.resume', { 'sluice.resume.after': after });
  }

  end(s: Settlement): void {
    const attributes: Attributes = {
      'gen_ai.usage.input_tokens': s.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': s.usage.completion_tokens,
      'gen_ai.response.finish_reasons': s.finishReasons,
      'sluice.retries': s.retries,
      'sluice.resumes': s.resumes,
      'sluice.status': s.status,
      'sluice.cost_usd': s.usage.cost ?? 0,
      'sluice.usage.estimated': s.usage.estimated === true,
    };
    if (s.ttftMs !== null) attributes['sluice.time_to_first_token_ms'] = s.ttftMs;
    if (s.provider !== null) attributes['gen_ai.provider.name'] = this.#options.providerNames.get(s.provider) ?? '_OTHER';
    if (s.responseModel !== null) attributes['gen_ai.response.model'] = s.responseModel;
    if (s.target !== null) attributes['sluice.deployment'] = s.target;
    if (this.#content !== null) attributes['gen_ai.output.messages'] = this.#content.outputMessages(s.finishReasons);
    this.#span.setAttributes(attributes);
    const attempt = this.#attempt;
    if (attempt !== undefined) {
      attempt.setAttributes({ 'gen_ai.usage.input_tokens': s.usage.prompt_tokens, 'gen_ai.usage.output_tokens': s.usage.completion_tokens, 'gen_ai.response.finish_reasons': s.finishReasons });
      if (s.responseModel !== null) attempt.setAttribute('gen_ai.response.model', s.responseModel);
      if (s.error !== null && s.status === 'error') endWithError(attempt, s.error);
      else attempt.end();
    }
    if (s.error !== null && s.status === 'error') endWithError(this.#span, s.error);
    else {
      if (s.status === 'cancelled') this.#span.setAttribute('sluice.cancel.reason', s.error?.message ?? 'cancelled');
      this.#span.end();
    }
  }
}

function endWithError(span: Span, error: GatewayError): void {
  span.setAttribute('error.type', error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.end();
}
