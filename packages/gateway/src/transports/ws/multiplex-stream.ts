import type { StreamTruncatedError } from '../../errors/index.ts';
import type { Generation } from '../../streams/generation.ts';
import type { LogEntry } from '../../streams/log.ts';
import type { StreamSink, Subscription } from '../../streams/subscription.ts';
import { errorFrame, StreamFrames } from './frames.ts';
import type { SocketChannel } from './socket-channel.ts';

/**
 * One live request of a `sluice.v1` socket: the client's id, the stream it
 * reads, and the sink that frames the stream's entries with that id. It
 * tells its session when the stream's end has been sent.
 */
export class MultiplexStream implements StreamSink {
  readonly id: string;
  readonly idJson: string;
  readonly generation: Generation;
  subscription: Subscription | undefined;
  readonly #frames: StreamFrames;
  readonly #channel: SocketChannel;
  readonly #onEnd: (stream: MultiplexStream) => void;

  constructor(id: string, generation: Generation, channel: SocketChannel, onEnd: (stream: MultiplexStream) => void) {
    this.id = id;
    // Serialised once: every frame of the request repeats it.
    this.idJson = JSON.stringify(id);
    this.generation = generation;
    this.#frames = new StreamFrames(this.idJson);
    this.#channel = channel;
    this.#onEnd = onEnd;
  }

  write(entry: LogEntry): boolean {
    this.#channel.send(this.#frames.of(entry));
    return this.#channel.hasRoom;
  }

  onDrain(resume: () => void): void {
    this.#channel.onDrain(resume);
  }

  end(error?: StreamTruncatedError): void {
    if (error !== undefined) this.#channel.send(errorFrame(this.idJson, error.toWire()));
    this.#onEnd(this);
  }

  /** The socket went away: stop reading. A non-resumable stream with no other reader is cancelled by its generation. */
  leave(): void {
    if (this.subscription !== undefined) this.generation.detach(this.subscription);
  }
}
