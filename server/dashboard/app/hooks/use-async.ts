import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** The state of a load started by {@link useAsync}. */
export interface AsyncState<T> {
  /** The last successful result (kept while a reload runs, so a refresh does not blank the page). */
  data?: T;
  /** The error of the last load; cleared by the next success. */
  error?: unknown;
  loading: boolean;
  /** Loads again now. */
  reload: () => void;
}

/**
 * Runs `load` when the component mounts and whenever `deps` change (like
 * `useEffect`), and on `reload()`. A load still running when the next one
 * starts, or when the component goes away, has its signal aborted and its
 * outcome ignored, so a slow old answer never overwrites a newer one.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(abort.signal).then(
      (data) => abort.signal.aborted || setState({ data, loading: false }),
      (error: unknown) => abort.signal.aborted || setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => abort.abort();
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
