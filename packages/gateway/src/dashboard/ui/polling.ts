import { useEffect, useState } from 'preact/hooks';
import { api } from './api.ts';

/** `GET path` now and every `everyMs`, again whenever `path` changes; the last answer and the last error. */
export function usePolling<T>(path: string, everyMs: number): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<T>(path)
        .then((d) => live && (setData(d), setError(null)))
        .catch((e: Error) => live && setError(e.message));
    void load();
    const timer = setInterval(load, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path]);
  return { data, error };
}
