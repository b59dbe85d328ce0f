import type { ChatCompletionRequest } from '@sluice/protocol';
import { ErrorCodes } from '@sluice/protocol';
import { z } from 'zod';
import { InvalidRequestError, UpstreamProtocolError, UpstreamUnavailableError, type GatewayError } from '../../errors/index.ts';
import { upstreamStatusError, type IdleLimit } from '../upstream-error.ts';
import { formatPath } from '../../config/zod-path.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import { IterableUpstream } from '../iterable-stream.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, type Provider, type UpstreamStream } from '../types.ts';
import { FaultCounter, readSimControls, type SimControls, type SimFault } from './controls.ts';
import { simErrorBody, simFinishReason, simPromptTokens, simUsage } from './generator.ts';
import { simScript } from './script.ts';
import { signatureProblem, simCallSignature, simSignature } from './signatures.ts';

/**
 * The simulator as an in-process provider: the embedded default. It raises
 * exactly the errors the OpenAI-compatible adapter raises when it talks to
 * the HTTP simulator with the same fault, so both paths behave alike.
 */
export class SimProvider implements Provider {
  readonly id: string;
  readonly #faults = new FaultCounter();
  readonly #idle: IdleLimit;

  constructor(id: string, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS) {
    this.id = id;
    this.#idle = { providerId: id, idleTimeoutMs };
  }

  async open(request: ChatCompletionRequest, signal: AbortSignal): Promise<UpstreamStream> {
    const controls = parseControls(request);
    const problem = signatureProblem(request);
    if (problem !== null) throw upstreamStatusError(400, {}, JSON.stringify({ error: { message: problem, type: 'invalid_request_error', param: 'messages', code: 'invalid_signature' } }));
    const faulted = this.#faults.applies(controls.fault);
    if (faulted && controls.fault?.status !== undefined) throw statusError(controls.fault);
    signal.throwIfAborted();
    return new IterableUpstream(events(request, controls, faulted, signal), signal, this.#idle);
  }

  /** The simulator counts a prompt exactly as it bills it, like a provider that offers counting. */
  async countTokens(request: ChatCompletionRequest): Promise<number> {
    return simPromptTokens(request);
  }

  async close(): Promise<void> {}
}

function parseControls(request: ChatCompletionRequest): SimControls {
  try {
    return readSimControls(request);
  } catch (error) {
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      throw new InvalidRequestError(`sim.${formatPath(issue?.path ?? [])}: ${issue?.message}`, `sim.${formatPath(issue?.path ?? [])}`);
    }
    throw error;
  }
}

/** The same error the HTTP adapter builds from the HTTP simulator's error response. */
function statusError(fault: SimFault): GatewayError {
  const status = fault.status ?? 500;
  const headers = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
  return upstreamStatusError(status, headers, fault.body ?? simErrorBody(status));
}

/**
 * The simulator's answer as events: reasoning (signed once it is complete),
 * text, then tool calls (signed when the answer reasoned), the finish and
 * the usage. Like OpenAI, the role arrives with the first token.
 */
async function* events(request: ChatCompletionRequest, controls: SimControls, faulted: boolean, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  let started = false;
  let reasoning = '';
  let signed = false;
  let args = '';
  for await (const step of simScript(request, controls, faulted, signal)) {
    const produces = step.kind === 'reasoning' || step.kind === 'token' || step.kind === 'tool_call';
    if (produces && !started) {
      started = true;
      yield { type: 'role', choice: 0, role: 'assistant' };
    }
    if (reasoning !== '' && !signed && step.kind !== 'reasoning') {
      signed = true;
      yield { type: 'reasoning_signature', choice: 0, signature: simSignature(reasoning) };
    }
    switch (step.kind) {
      case 'reasoning':
        reasoning += step.text;
        yield { type: 'reasoning', choice: 0, text: step.text };
        break;
      case 'token':
        yield { type: 'content', choice: 0, text: step.text };
        break;
      case 'tool_call':
        args = step.first ? step.arguments : args + step.arguments;
        // The calls of a reasoning answer come whole and signed, as the providers that sign calls send them.
        if (signed) {
          if (step.last) yield { type: 'tool_call', choice: 0, call: { index: step.index, id: step.id, type: 'function', function: { name: step.name, arguments: args } }, signature: simCallSignature(step.id, step.name, args) };
        } else if (step.first) yield { type: 'tool_call', choice: 0, call: { index: step.index, id: step.id, type: 'function', function: { name: step.name, arguments: step.arguments } } };
        else yield { type: 'tool_call', choice: 0, call: { index: step.index, function: { arguments: step.arguments } } };
        break;
      case 'drop':
        throw new UpstreamUnavailableError('The upstream closed the connection mid-stream.', ErrorCodes.upstreamDisconnected);
      case 'malformed':
        throw new UpstreamProtocolError('The upstream sent a malformed SSE data line.');
      case 'stall':
        break;
      case 'end':
        yield { type: 'finish', choice: 0, reason: simFinishReason(controls) };
        if (controls.usage) yield { type: 'usage', usage: simUsage(request, controls, step.completionTokens, step.reasoningTokens) };
    }
  }
}
