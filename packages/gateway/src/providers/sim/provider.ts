import type { ChatCompletionRequest } from '@sluice/protocol';
import { ErrorCodes } from '@sluice/protocol';
import { z } from 'zod';
import { InvalidRequestError, UpstreamProtocolError, UpstreamUnavailableError, type GatewayError } from '../../errors/index.ts';
import { upstreamStatusError } from '../upstream-error.ts';
import { formatPath } from '../../config/zod-path.ts';
import type { StreamEvent } from '../../events/stream-event.ts';
import { IterableUpstream } from '../iterable-stream.ts';
import type { Provider, UpstreamStream } from '../types.ts';
import { FaultCounter, readSimControls, type SimControls, type SimFault } from './controls.ts';
import { simErrorBody, simPromptTokens } from './generator.ts';
import { simScript } from './script.ts';

/**
 * The simulator as an in-process provider: the embedded default. It raises
 * exactly the errors the OpenAI-compatible adapter raises when it talks to
 * the HTTP simulator with the same fault, so both paths behave alike.
 */
export class SimProvider implements Provider {
  readonly id: string;
  readonly #faults = new FaultCounter();

  constructor(id: string) {
    this.id = id;
  }

  async open(request: ChatCompletionRequest, signal: AbortSignal): Promise<UpstreamStream> {
    const controls = parseControls(request);
    const faulted = this.#faults.applies(controls.fault);
    if (faulted && controls.fault?.status !== undefined) throw statusError(controls.fault);
    signal.throwIfAborted();
    return new IterableUpstream(events(request, controls, faulted, signal), signal);
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

async function* events(request: ChatCompletionRequest, controls: SimControls, faulted: boolean, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  // Like OpenAI, the role arrives with the first token, not before it.
  let started = false;
  for await (const step of simScript(request, controls, faulted, signal)) {
    switch (step.kind) {
      case 'token':
        if (!started) {
          started = true;
          yield { type: 'role', choice: 0, role: 'assistant' };
        }
        yield { type: 'content', choice: 0, text: step.text };
        break;
      case 'drop':
        throw new UpstreamUnavailableError('The upstream closed the connection mid-stream.', ErrorCodes.upstreamDisconnected);
      case 'malformed':
        throw new UpstreamProtocolError('The upstream sent a malformed SSE data line.');
      case 'stall':
        break;
      case 'end': {
        yield { type: 'finish', choice: 0, reason: 'stop' };
        if (controls.usage) {
          const prompt = simPromptTokens(request);
          yield { type: 'usage', usage: { prompt_tokens: prompt, completion_tokens: step.completionTokens, total_tokens: prompt + step.completionTokens } };
        }
      }
    }
  }
}
