import { useEffect, useRef } from "preact/hooks";

/**
 * Calls `fn` every `ms` milliseconds while the component is shown and the
 * browser tab is visible (a hidden tab does not poll the server); `null`
 * pauses it.
 */
export function useInterval(fn: () => void, ms: number | null): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (ms === null) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") fnRef.current();
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
}
