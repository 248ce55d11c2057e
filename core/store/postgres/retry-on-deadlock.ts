/** SQLSTATE of a detected deadlock: Postgres aborted this statement so the other could go on. */
const DEADLOCK_DETECTED = "40P01";

/**
 * Runs `statement`, running it again (up to `attempts` times in all) when
 * Postgres aborts it as a deadlock victim. Two batch updates that touch the
 * same tasks in different orders (a redelivered message in two workers'
 * batches) can deadlock; the aborted one changed nothing, so a rerun is safe.
 */
export async function retryOnDeadlock<T>(statement: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (err) {
      if (attempt >= attempts || (err as { code?: unknown })?.code !== DEADLOCK_DETECTED) throw err;
    }
  }
}
