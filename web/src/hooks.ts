import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, keeping what is shown until the answer comes (no flicker, scroll and focus kept). */
  reload: () => void;
}

/** Runs `load` whenever `key` changes; a late answer for an older key is dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const latest = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const run = useCallback(() => {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    loader.current().then(
      (data) => call === latest.current && setState({ data, loading: false }),
      (error: unknown) => call === latest.current && setState((previous) => ({ data: previous.data, error, loading: false })),
    );
  }, []);
  // Runs again only when `key` changes: it names everything `load` depends on.
  useEffect(run, [key]);
  return { data: state.data, error: state.error, loading: state.loading, reload: run };
}
