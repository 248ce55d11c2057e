/**
 * `npm run build:dashboard` (part of `npm run build`): writes the dashboard
 * bundle into dist/dashboard and says what it wrote.
 */
import { relative } from "node:path";
import { buildDashboard } from "./build-dashboard.js";

const built = await buildDashboard();
console.log(
  `dashboard: ${relative(process.cwd(), built.outDir) || "."}/{${built.script},${built.stylesheet}} (${Math.round(built.bytes / 1024)} KiB), served at /ui`,
);
