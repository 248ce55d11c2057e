/** Releases a hold on an {@link ExclusiveGate}; calling it twice is harmless. */
export type GateRelease = () => void;

/**
 * A readers–writer gate over the tasks a worker runs: ordinary attempts
 * hold it shared (any number at once); a suspect attempt holds it
 * exclusively (it runs alone). Waiting exclusive holds go first: once one
 * waits, new shared holds queue behind it, so it cannot starve.
 */
export interface ExclusiveGate {
  /** Resolves when no exclusive hold is active or waiting. */
  shared(): Promise<GateRelease>;
  /** Resolves when nothing else holds the gate. */
  exclusive(): Promise<GateRelease>;
  /**
   * A shared hold taken at once, even while an exclusive hold waits (which
   * then waits for it too). For work that has begun and must end before an
   * exclusive hold starts: a claim in flight, or given back. Only while no
   * exclusive hold is active (check `busy` in the same tick).
   * @throws Error while an exclusive hold is active.
   */
  pin(): GateRelease;
  /** True while an exclusive hold is active or waiting. */
  readonly busy: boolean;
  /** Resolves once no exclusive hold is active or waiting (after the ones waiting now). */
  clear(): Promise<void>;
}

/** Creates an open {@link ExclusiveGate}. */
export function createExclusiveGate(): ExclusiveGate {
  let sharedHolders = 0;
  let exclusiveHeld = false;
  const waiting: { exclusive: boolean; grant: () => void }[] = [];

  const pump = (): void => {
    while (waiting.length > 0 && !exclusiveHeld) {
      const next = waiting[0]!;
      if (next.exclusive) {
        if (sharedHolders > 0) return;
        exclusiveHeld = true;
      } else {
        sharedHolders++;
      }
      waiting.shift();
      next.grant();
    }
  };

  const release = (exclusive: boolean): GateRelease => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (exclusive) exclusiveHeld = false;
      else sharedHolders--;
      pump();
    };
  };

  const hold = (exclusive: boolean): Promise<GateRelease> =>
    new Promise((resolve) => {
      waiting.push({
        exclusive,
        grant: () => resolve(release(exclusive)),
      });
      pump();
    });

  return {
    shared: () => hold(false),
    exclusive: () => hold(true),
    pin: () => {
      if (exclusiveHeld) throw new Error("pin() while an exclusive hold is active");
      sharedHolders++;
      return release(false);
    },
    get busy() {
      return exclusiveHeld || waiting.some((w) => w.exclusive);
    },
    // A shared hold is granted only when no exclusive one is active or ahead of it.
    clear: async () => (await hold(false))(),
  };
}
