/**
 * Runs one dependency check and reports "ok", or `down: <message>` when it
 * rejects or has not answered within `timeoutMs` (a hung connection must not
 * hang a readiness probe). Never rejects.
 */
export async function checkWithin(check: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // check() may throw synchronously; calling it inside the async chain turns that into a rejection.
    await Promise.race([Promise.resolve().then(check), late]);
    return "ok";
  } catch (e) {
    return `down: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    clearTimeout(timer);
  }
}
