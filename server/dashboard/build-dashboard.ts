/**
 * Builds the dashboard's browser bundle with esbuild: the Preact app under
 * `app/` (with the project's browser client, connect-web and uPlot) into one
 * hashed script and one hashed stylesheet, plus the `index.html` that loads
 * them. Run by `npm run build` (through `build:dashboard`); the server serves
 * the folder at `/ui` (see `dashboard-route.ts`).
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { build } from "esbuild";
import { ASSET_TYPES } from "./dashboard-files.js";
import { DASHBOARD_INDEX, DASHBOARD_PATH, defaultDashboardDir } from "./dashboard-page.js";
import { indexHtml } from "./index-html.js";

/** The app's entry module. */
export const DASHBOARD_ENTRY = join(import.meta.dirname, "app", "main.tsx");

/** Options of {@link buildDashboard}. */
export interface BuildDashboardOptions {
  /** Where to write. Default: `dist/dashboard` of this installation, which the server reads. */
  outDir?: string;
}

/** What {@link buildDashboard} wrote. */
export interface DashboardBuild {
  outDir: string;
  /** File names (in `outDir`) of the script and the stylesheet. */
  script: string;
  stylesheet: string;
  /** Bytes of the script and the stylesheet together, before compression. */
  bytes: number;
}

/**
 * Builds the bundle into `outDir` without a moment where a running server
 * would find it half written: the new hashed files are added beside the old
 * ones, then `index.html` is replaced in one rename, then files of earlier
 * builds are removed. Throws esbuild's error (with its messages) when the
 * app does not compile.
 */
export async function buildDashboard(options: BuildDashboardOptions = {}): Promise<DashboardBuild> {
  const outDir = options.outDir ?? defaultDashboardDir();
  const result = await build({
    entryPoints: { app: DASHBOARD_ENTRY },
    outdir: outDir,
    entryNames: "[name]-[hash]",
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: ["chrome111", "firefox115", "safari16.4"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
  });
  const files = result.outputFiles.map((f) => ({ name: basename(f.path), contents: f.contents }));
  const script = files.find((f) => extname(f.name) === ".js")?.name;
  const stylesheet = files.find((f) => extname(f.name) === ".css")?.name;
  if (!script || !stylesheet) throw new Error(`the dashboard build wrote ${files.map((f) => f.name).join(", ")}: no script or no stylesheet`);

  await mkdir(outDir, { recursive: true });
  await Promise.all(files.map((f) => writeFile(join(outDir, f.name), f.contents)));
  const staged = join(outDir, `.${DASHBOARD_INDEX}.${process.pid}.tmp`);
  await writeFile(staged, indexHtml(`${DASHBOARD_PATH}/${script}`, `${DASHBOARD_PATH}/${stylesheet}`));
  await rename(staged, join(outDir, DASHBOARD_INDEX));

  const kept = new Set(files.map((f) => f.name));
  for (const name of await readdir(outDir)) {
    if (!kept.has(name) && Object.hasOwn(ASSET_TYPES, extname(name))) await rm(join(outDir, name), { force: true });
  }
  return { outDir, script, stylesheet, bytes: files.reduce((n, f) => n + f.contents.length, 0) };
}
