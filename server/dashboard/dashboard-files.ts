import { readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { createStaticAnswer, type StaticAnswer } from "../openapi/static-answer.js";
import { DASHBOARD_INDEX } from "./dashboard-page.js";

/**
 * Content types of the files the build writes. A fixed list, so that a
 * stray file in the folder is not served with a guessed type (and
 * `X-Content-Type-Options: nosniff` needs the right one for scripts and
 * styles).
 */
export const ASSET_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Asset names carry their content hash, so a cached copy is never stale. */
export const ASSET_CACHE = "public, max-age=31536000, immutable";

/** The page names the assets of one build: browsers revalidate it every time (ETag, 304). */
export const INDEX_CACHE = "no-cache";

/** A file name the folder may hold: one path segment of safe characters, no dot files. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Reads the built dashboard from one folder. */
export interface DashboardFiles {
  /** The page; undefined when the folder holds no build. */
  index(): Promise<StaticAnswer | undefined>;
  /** An asset by file name; undefined for a name that is not a served file of the folder. */
  asset(name: string): Promise<StaticAnswer | undefined>;
}

/**
 * The files of the build in `dir`, read on first request and kept in
 * memory. The page is read again when its size or modification time
 * changes (a rebuild while the server runs); an asset's name is its
 * content's hash, so a loaded asset is kept as it is. Misses are not
 * remembered: a folder built after the server started is served at once.
 */
export function createDashboardFiles(dir: string): DashboardFiles {
  let index: { version: string; answer: Promise<StaticAnswer> } | undefined;
  const assets = new Map<string, Promise<StaticAnswer>>();

  return {
    async index() {
      const path = join(dir, DASHBOARD_INDEX);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      const version = `${info.size}:${info.mtimeMs}`;
      if (index?.version !== version) {
        const answer = readFile(path).then((bytes) => createStaticAnswer(bytes, "text/html; charset=utf-8", INDEX_CACHE));
        index = { version, answer };
        // A failed read is not kept: the next request tries again.
        answer.catch(() => {
          if (index?.answer === answer) index = undefined;
        });
      }
      return index.answer;
    },

    async asset(name) {
      const type = ASSET_NAME.test(name) && Object.hasOwn(ASSET_TYPES, extname(name)) ? ASSET_TYPES[extname(name)] : undefined;
      if (type === undefined) return undefined;
      let answer = assets.get(name);
      if (answer === undefined) {
        const bytes = await readFile(join(dir, name)).catch(() => undefined);
        if (bytes === undefined) return undefined;
        answer = createStaticAnswer(bytes, type, ASSET_CACHE);
        assets.set(name, answer);
      }
      return answer;
    },
  };
}
