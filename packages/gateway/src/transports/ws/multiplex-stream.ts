import type { GatewayError } from '../../errors/index.ts';
import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink } from '../../streams/subscription.ts';
import { errorFrame, StreamFrames } from './frames.ts';
import type { SocketChannel } from './socket-channel.ts';

/** How a stream being read is let go of, and how it is cancelled. */
export interface StreamControl {
  stop(): void;
  cancel(): void;
}

/**
 * One live request of a `sluice.v1` socket: the client's id and the sink
 * that frames a stream's entries with it. It is registered under its id
 * before the stream is found (a resume looks it up asynchronously), so a
 * `cancel` that arrives meanwhile is kept and applied once it is bound.
 */
export class MultiplexStream implements StreamSink {
  readonly id: string;
  readonly idJson: string;
  readonly #frames: StreamFrames;
  readonly #channel: SocketChannel;
  readonly #onEnd: (stream: MultiplexStream) => void;
  #control: StreamControl | undefined;
  #cancelAsked = false;
  #ended = false;

  constructor(id: string, channel: SocketChannel, onEnd: (stream: MultiplexStream) => void) {
    this.id = id;
    // Serialised once: every frame of the request repeats it.
    this.idJson = JSON.stringify(id);
    this.#frames = new StreamFrames(this.idJson);
    this.#channel = channel;
    this.#onEnd = onEnd;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The stream is now being read into this sink. */
  bind(control: StreamControl): void {
    if (this.#ended) return;
    this.#control = control;
    if (this.#cancelAsked) control.cancel();
  }

  cancel(): void {
    if (this.#control === undefined) this.#cancelAsked = true;
    else this.#control.cancel();
  }

  /** The socket went away: stop reading. A non-resumable stream with no other reader is cancelled by its generation. */
  leave(): void {
    this.#ended = true;
    this.#control?.stop();
  }

  write(entry: LogEntry): boolean {
    this.#channel.send(this.#frames.of(entry));
    return this.#channel.hasRoom;
  }

  onDrain(resume: () => void): void {
    this.#channel.onDrain(resume);
  }

  /** The end was written, or the stream cannot be read on (the error says why, and is sent without a seq). */
  end(error?: GatewayError): void {
    if (this.#ended) return;
    this.#ended = true;
    if (error !== undefined) this.#channel.send(errorFrame(this.idJson, error.toWire()));
    this.#onEnd(this);
  }
}
