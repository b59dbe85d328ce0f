import type { GenerationObserver } from '../streams/generation.ts';

/** One observer that tells each of these, in order (absent ones left out). */
export function allObservers(...observers: (GenerationObserver | null | undefined)[]): GenerationObserver | undefined {
  const present = observers.filter((observer): observer is GenerationObserver => observer != null);
  if (present.length <= 1) return present[0];
  return {
    observe(event, target) {
      for (const observer of present) observer.observe(event, target);
    },
  };
}
