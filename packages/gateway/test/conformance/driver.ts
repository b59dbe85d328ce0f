import type { RunningGateway, SluiceConfigInput } from '@sluice/gateway';
import type { ChatCompletionChunk, Usage, WireErrorBody } from '@sluice/protocol';

/** What one stream delivered, in a form every transport can be compared by. */
export interface StreamOutcome {
  /** The HTTP status of a request refused before any stream existed (HTTP transports only). */
  status: number | null;
  /** Every OpenAI chunk delivered, in order, the usage chunk included. */
  chunks: ChatCompletionChunk[];
  /** The seq of every numbered item (chunks and the end), in arrival order; null where the transport has none. */
  seqs: number[] | null;
  /** The usage and cost reported when the stream ended well. */
  usage: Usage | null;
  cost: number | null;
  /** How the stream failed, if it did. */
  error: WireErrorBody | null;
}

export type CutKind = 'cancel' | 'disconnect';

export interface OpenStream {
  /** Resolves when the first content token has arrived. */
  firstToken: Promise<void>;
  /** Stop reading: the transport's cancel, or going away. */
  cut(): void;
  /** What arrived, once the stream ended or was cut. */
  outcome: Promise<StreamOutcome>;
}

/** A transport's client side, connected to one gateway. */
export interface TransportClient {
  stream(body: object): Promise<StreamOutcome>;
  open(body: object, cut: CutKind): OpenStream;
  /** Send something that is not JSON where a request belongs; the error it gets. */
  invalidJson(): Promise<{ status: number | null; error: WireErrorBody }>;
  close(): Promise<void>;
}

export interface TransportDriver {
  name: string;
  /** The transport numbers what it delivers. */
  carriesSeq: boolean;
  /** The ways a client of this transport can stop a stream. */
  cutKinds: CutKind[];
  /** The error code for a frame or body that is not JSON. */
  invalidJsonCode: string;
  /** The `server` config the transport needs (protocol, certificate). */
  serverConfig(): SluiceConfigInput['server'];
  connect(gateway: RunningGateway): Promise<TransportClient>;
}

/**
 * Builds a StreamOutcome from the items a transport delivers, and notices
 * the first content token.
 */
export class OutcomeBuilder {
  readonly outcome: StreamOutcome;
  readonly firstToken: Promise<void>;
  #sawToken: (() => void) | undefined;

  constructor(carriesSeq: boolean) {
    this.outcome = { status: null, chunks: [], seqs: carriesSeq ? [] : null, usage: null, cost: null, error: null };
    this.firstToken = new Promise((resolve) => (this.#sawToken = resolve));
  }

  chunk(chunk: ChatCompletionChunk, seq?: number): void {
    this.outcome.chunks.push(chunk);
    this.#seq(seq);
    if (chunk.choices.some((c) => typeof c.delta?.content === 'string' && c.delta.content !== '')) this.#sawToken?.();
    if (chunk.usage) {
      this.outcome.usage = chunk.usage;
      this.outcome.cost = chunk.usage.cost ?? null;
    }
  }

  /** The stream ended well; a transport with its own end message passes its usage and cost. */
  end(seq?: number, usage?: Usage | null, cost?: number | null): void {
    this.#seq(seq);
    if (usage !== undefined) this.outcome.usage = usage;
    if (cost !== undefined) this.outcome.cost = cost;
  }

  fail(error: WireErrorBody, seq?: number, status?: number): void {
    this.#seq(seq);
    this.outcome.error = error;
    if (status !== undefined) this.outcome.status = status;
  }

  #seq(seq: number | undefined): void {
    if (seq !== undefined) this.outcome.seqs?.push(seq);
  }
}

/** The assistant text of an outcome. */
export function outcomeText(outcome: StreamOutcome): string {
  return outcome.chunks.map((chunk) => chunk.choices.map((c) => c.delta?.content ?? '').join('')).join('');
}
