/** Synchronous clean-up steps, run last-registered first when the process ends. */
const steps: Array<() => void> = [];
let installed = false;

function runAll(): void {
  while (steps.length > 0) {
    const step = steps.pop();
    try {
      step?.();
    } catch {
      // best effort: one failing step must not skip the others
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  // "exit" listeners must be synchronous, so every step is too.
  process.on("exit", runAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      runAll();
      process.removeListener(signal, onSignal);
      // Re-raise with the default action (so the exit status still names the
      // signal) unless someone else also handles it and decides what to do.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Registers a synchronous step to run when the test process exits normally or
 * is stopped by SIGINT, SIGTERM or SIGHUP (not SIGKILL: nothing can run then).
 * Steps run in reverse order of registration, like `defer`, so a server is
 * killed before its directory is removed.
 *
 * @returns a function that unregisters the step (call it once the resource
 *   has been released the normal way).
 */
export function registerExitCleanup(step: () => void): () => void {
  install();
  steps.push(step);
  return () => {
    const index = steps.lastIndexOf(step);
    if (index >= 0) steps.splice(index, 1);
  };
}
