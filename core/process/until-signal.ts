import { watchNpmParent } from "./watch-npm-parent.js";

/** Why the process is asked to stop: a signal, or the npm that started it is gone. */
export type StopReason = NodeJS.Signals | "npm exited";

/**
 * Resolves with the name of the first SIGTERM or SIGINT the process gets,
 * or with "npm exited" when the process was started by an npm script and
 * that npm has exited (killed with SIGKILL, which it cannot forward; see
 * {@link watchNpmParent}). A signal while shutting down exits at once with
 * code 130.
 */
export function untilSignal(): Promise<StopReason> {
  return new Promise((resolve) => {
    const stop = (reason: StopReason): void => {
      npm?.stop();
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      process.once("SIGTERM", () => process.exit(130));
      process.once("SIGINT", () => process.exit(130));
      resolve(reason);
    };
    const onSignal = (signal: NodeJS.Signals): void => stop(signal);
    const npm = watchNpmParent(() => stop("npm exited"));
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
