/** HTTP header names sluice adds to the OpenAI surface. */
export const Headers = {
  streamId: 'x-sluice-stream-id',
  streamToken: 'x-sluice-stream-token',
  resumable: 'x-sluice-resumable',
  lastEventId: 'last-event-id',
  /** The deployment that served a request (`<provider>/<model>` or its id). */
  target: 'x-sluice-target',
  /** A request's routing hint (`cheap`, `strong`, an alias); on a response, the router's decision. */
  route: 'x-sluice-route',
  /** `1` asks for the response cache; on a response, `hit` or `miss`. */
  cache: 'x-sluice-cache',
} as const;

/** WebSocket subprotocols: the multiplexed protocol, and the browser-friendly key carrier. */
export const WS_SUBPROTOCOL = 'sluice.v1';
export const WS_BEARER_PREFIX = 'bearer.';

/** Paths of the public surface, relative to the API base (`…/v1`). */
export const Paths = {
  chatCompletions: '/chat/completions',
  chatStream: '/chat/stream',
  streams: '/streams',
  models: '/models',
} as const;
