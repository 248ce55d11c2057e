/**
 * Hash routing: the server serves one page at /ui, and the part after `#`
 * says what it shows, so every view has a URL that survives a reload and
 * the back button:
 * `#/tasks?type=&status=&created=` (the default), `#/task/<id>`, `#/types`,
 * `#/types/<name>` (its submit form), `#/workers`.
 */
import { useEffect, useState } from "preact/hooks";

/** A view of the dashboard. */
export type Route =
  | { page: "tasks"; query: URLSearchParams }
  | { page: "task"; id: string }
  | { page: "types" }
  | { page: "type"; name: string }
  | { page: "workers" }
  | { page: "unknown"; hash: string };

/** The route of a location hash ("#/task/abc"); an empty hash is the task list. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "tasks")) return { page: "tasks", query };
  if (parts.length === 2 && parts[0] === "task") return { page: "task", id: parts[1]! };
  if (parts.length === 1 && parts[0] === "types") return { page: "types" };
  if (parts.length === 2 && parts[0] === "types") return { page: "type", name: parts[1]! };
  if (parts.length === 1 && parts[0] === "workers") return { page: "workers" };
  return { page: "unknown", hash };
}

/** Links to each view. */
export const href = {
  tasks: (query?: URLSearchParams) => (query && query.size > 0 ? `#/tasks?${query.toString()}` : "#/tasks"),
  task: (id: string) => `#/task/${encodeURIComponent(id)}`,
  types: () => "#/types",
  type: (name: string) => `#/types/${encodeURIComponent(name)}`,
  workers: () => "#/workers",
};

/** Goes to `hash`; `replace` changes the current history entry instead of adding one (filters). */
export function navigate(hash: string, replace = false): void {
  if (replace) history.replaceState(null, "", hash);
  else location.hash = hash;
  // replaceState fires no hashchange: tell the app ourselves.
  if (replace) dispatchEvent(new HashChangeEvent("hashchange"));
}

/** The route of the current location, updated on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}
