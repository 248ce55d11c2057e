/**
 * Makes a benchmark child exit when the benchmark that started it is gone
 * (even SIGKILLed, which runs no clean-up): its parent pid then changes,
 * since orphans are re-parented at once. Checked every 500 ms, unref'd.
 */
export function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 500).unref();
}
