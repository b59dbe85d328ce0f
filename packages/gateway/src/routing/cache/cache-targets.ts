import type { ModelPrice } from '@sluice/protocol';
import type { Provider } from '../../providers/types.ts';
import type { RouteTarget } from '../route-target.ts';
import { CacheMissError } from './cache-miss.ts';
import type { CacheStore } from './cache-store.ts';
import { Recording } from './recording.ts';
import { ReplayStream } from './replay-stream.ts';

const FREE: ModelPrice = { input: 0, output: 0 };

/** A target that answers from the response cache: free, no health, and a miss moves on to the real targets. */
function cacheTarget(alias: string, provider: Provider): RouteTarget {
  return { provider, upstreamModel: alias, label: 'cache', price: FREE, weight: 1, cached: true };
}

/** The stored answer for `key`, looked up when the generation starts. */
export function storedAnswerTarget(alias: string, store: CacheStore, key: string): RouteTarget {
  return cacheTarget(alias, {
    id: 'cache',
    open: async (_request, signal) => {
      const answer = await store.get(key);
      if (answer === null) throw new CacheMissError();
      return new ReplayStream(Recording.finished(answer.events), signal);
    },
    close: async () => {},
  });
}

/** The generation already running for the same request, followed from its first event. */
export function runningAnswerTarget(alias: string, recording: Recording): RouteTarget {
  return cacheTarget(alias, {
    id: 'cache',
    open: async (_request, signal) => {
      if (recording.failedEmpty) throw new CacheMissError();
      return new ReplayStream(recording, signal);
    },
    close: async () => {},
  });
}
