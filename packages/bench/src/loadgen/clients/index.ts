/** The client for a target's transport. */
import type { TargetEndpoint } from '../../targets/target.ts';
import { SseClient } from './sse-client.ts';
import { WsPlainClient } from './ws-plain-client.ts';
import { WsSluiceClient } from './ws-sluice-client.ts';
import type { StreamClient } from './stream-client.ts';

export type { StreamClient } from './stream-client.ts';

export function clientFor(target: TargetEndpoint): StreamClient {
  switch (target.transport) {
    case 'sse-h1':
    case 'sse-h2c':
      return new SseClient(target);
    case 'ws-sluice':
      return new WsSluiceClient(target, target.streamsPerSocket);
    case 'ws-plain':
      return new WsPlainClient(target);
  }
}
