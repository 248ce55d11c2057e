import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createStaticAnswer, type StaticAnswer } from "./static-answer.js";

/**
 * The files of `swagger-ui-dist` the docs page loads, with their content
 * types. A fixed list, not a folder served as is: nothing else of
 * node_modules is reachable over HTTP, and each type is right, which
 * `X-Content-Type-Options: nosniff` requires for scripts and styles.
 */
export const DOCS_ASSET_TYPES: Readonly<Record<string, string>> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** Vendor files keep their URL across upgrades, so browsers revalidate them after an hour. */
const ASSET_CACHE = "public, max-age=3600";

/** Loads a docs asset by file name; undefined for a name outside {@link DOCS_ASSET_TYPES}. */
export type DocsAssetLoader = (name: string) => Promise<StaticAnswer> | undefined;

/**
 * A loader of the `swagger-ui-dist` files from wherever Node resolves the
 * package (node_modules, from source or from dist/). The folder is found
 * now, so a missing package fails the server's start, not a later page
 * view; each file is read and gzipped on its first request and then kept in
 * memory (about 2.4 MB for the three), so a server nobody opens `/docs` on
 * pays nothing.
 */
export function createDocsAssetLoader(): DocsAssetLoader {
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const loaded = new Map<string, Promise<StaticAnswer>>();
  return (name) => {
    const type = Object.hasOwn(DOCS_ASSET_TYPES, name) ? DOCS_ASSET_TYPES[name] : undefined;
    if (type === undefined) return undefined;
    let answer = loaded.get(name);
    if (answer === undefined) {
      answer = readFile(join(dir, name)).then((bytes) => createStaticAnswer(bytes, type, ASSET_CACHE));
      // A failed read is not kept: the next request tries again.
      answer.catch(() => loaded.delete(name));
      loaded.set(name, answer);
    }
    return answer;
  };
}
