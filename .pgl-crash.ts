import { createPgliteTaskStore } from "./core/store/pglite/pglite-task-store.js";
import { openPgliteDatabase } from "./core/store/pglite/pglite-database.js";
import { sql } from "kysely";
const dir = process.argv[2]!;
const mode = process.argv[3];
const id = "8a3a0a0e-0000-4000-8000-000000000001";
if (mode === "settings") {
  const d = await openPgliteDatabase({ dataDir: dir });
  for (const s of ["synchronous_commit", "fsync", "wal_sync_method", "full_page_writes", "wal_level", "checkpoint_timeout", "TimeZone"]) {
    console.log(s, (await sql.raw(`show ${s}`).execute(d.db)).rows);
  }
  await d.close();
  process.exit(0);
}
const store = await createPgliteTaskStore({ dataDir: dir });
if (mode === "insert") {
  await store.insertTasks([{ id, type: "t", queue: "q", args: {} }]);
  await store.close();
} else if (mode === "claim") {
  await new Promise((r) => setTimeout(r, 500));
  console.log(await store.startTasks([{ id, worker: "w" }]));
  await new Promise((r) => setTimeout(r, 500));
  process.kill(process.pid, "SIGKILL");
} else {
  console.log("after:", await store.getTask(id));
  await store.close();
}
