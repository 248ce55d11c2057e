/**
 * A request for a concurrency lease: task `taskId` of `type` wants to run
 * under concurrency key `key`, where at most `max` tasks of (type, key) may
 * hold an unexpired lease at once.
 */
export interface LeaseRequest {
  type: string;
  key: string;
  taskId: string;
  max: number;
  /** Who holds it (the worker's name): only that holder renews or releases it. */
  holder: string;
  /** The lease expires this long after it is taken (or last renewed) unless renewed again. */
  ttlMs: number;
}

/** Whether a lease was granted; when not, how many unexpired leases hold the key. */
export type LeaseResult = { granted: true } | { granted: false; held: number };

/** A lease as its holder names it, to renew or release. */
export interface LeaseRef {
  taskId: string;
  holder: string;
}

/** A request for one token of a type's rate limit (a token bucket). */
export interface TokenRequest {
  type: string;
  /** Tokens added per second (> 0). */
  perSecond: number;
  /** Most tokens the bucket holds (>= 1); a new bucket starts full. */
  burst: number;
}

/** Whether a token was taken; when not, how long until the next one is there. */
export type TokenResult = { granted: true } | { granted: false; waitMs: number };

/**
 * Shared state of concurrency keys and rate limits, kept in the store so
 * that every worker process sees the same (see docs/workflows.md). All
 * times are the store's clock. Calls take arrays so a worker batches them;
 * results come back in input order.
 */
export interface LimitStore {
  /**
   * Takes concurrency leases, atomically per (type, key) across processes.
   * Expired leases of the keys are dropped first. A task that holds an
   * unexpired lease already (a redelivery of it) gets it again, renewed and
   * held by the new `holder`; otherwise it is granted while fewer than
   * `max` unexpired leases hold its key. Requests are decided in input
   * order, so one batch never grants a key more than `max`.
   * @throws RangeError when a `max` or `ttlMs` is not a whole number >= 1.
   */
  acquireLeases(requests: readonly LeaseRequest[]): Promise<LeaseResult[]>;

  /**
   * Pushes the expiry of leases this holder still has to `ttlMs` from now.
   * Returns, per lease, whether it was still held by that holder (an expired
   * lease is still renewed if nobody took it meanwhile).
   */
  renewLeases(leases: readonly LeaseRef[], ttlMs: number): Promise<boolean[]>;

  /** Gives leases back; a lease another holder took over meanwhile is left alone. */
  releaseLeases(leases: readonly LeaseRef[]): Promise<void>;

  /**
   * Takes one token per request from its type's bucket, refilled by the
   * time since its last refill at `perSecond` up to `burst` (the newest
   * request's rate and burst apply), in input order, atomically across
   * processes.
   * @throws RangeError when a `perSecond` is not > 0 or a `burst` is < 1.
   */
  takeTokens(requests: readonly TokenRequest[]): Promise<TokenResult[]>;
}
