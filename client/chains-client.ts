import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { ChainService, type Chain } from "../gen/tstasks/v1/chain_service_pb.js";
import { chainFromProto, type ChainInfo } from "./chain-info.js";
import type { CallHelpers } from "./schedules-client.js";

/** One step of `chains.submit`. */
export interface ChainStepSpec {
  /** Task type, e.g. "test.main.add". */
  type: string;
  /** The step's fixed args; after the first step, the previous result is added as `inputField`. */
  args?: Record<string, unknown>;
  /** The argument receiving the previous step's result: required after the first step, not allowed on it. */
  inputField?: string;
  /** Retries of this step's task, overriding the type's default (0 to 25). */
  maxRetries?: number;
  /** One attempt's limit in ms (default: the type's). */
  timeoutMs?: number;
}

/** Options of `chains.submit`. */
export interface SubmitChainOptions {
  /** Submitting again with the same key (per user) answers the chain submitted first and stores nothing. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * `client.chains`: ChainService. A chain runs its steps one after the other,
 * each step's result becoming an argument of the next; a failed step fails
 * the chain. Ownership as for tasks: a chain submitted with a token is its
 * user's (others get NotFound, admins see all); an anonymous chain is
 * readable by anyone with its id. Reads are retried on `Unavailable`,
 * changes are not (a submit with an `idempotencyKey` is, being safe then).
 */
export interface ChainsClient {
  /**
   * Submits a chain of 2 to 100 steps and answers it (RUNNING). InvalidArgument names the step
   * (`steps[1].args.y`); PermissionDenied for a protected type the token does not allow.
   */
  submit(steps: readonly ChainStepSpec[], options?: SubmitChainOptions): Promise<ChainInfo>;
  /** The chain with its steps. NotFound when unknown or someone else's. */
  get(id: string, options?: { signal?: AbortSignal }): Promise<ChainInfo>;
  /**
   * The chain now, then each time it changes, until it is final (the last value). Stop early with
   * `signal` or by leaving the loop.
   */
  watch(id: string, options?: { signal?: AbortSignal }): AsyncIterable<ChainInfo>;
  /** Cancels the step that waits or runs: the chain ends REVOKED. FailedPrecondition when final already. */
  cancel(id: string, options?: { signal?: AbortSignal }): Promise<ChainInfo>;
  /** Runs the failed (or cancelled) step of a FAILURE or REVOKED chain again; FailedPrecondition otherwise. */
  retry(id: string, options?: { signal?: AbortSignal }): Promise<ChainInfo>;
}

function chainOf(response: { chain?: Chain }): ChainInfo {
  if (!response.chain) throw new ConnectError("the server answered without a chain", Code.Internal);
  return chainFromProto(response.chain);
}

/** The {@link ChainsClient} over `transport`. */
export function createChainsClient(transport: Transport, { call, safely }: CallHelpers): ChainsClient {
  const chains = createClient(ChainService, transport);
  return {
    async submit(steps, o = {}) {
      const request = {
        steps: steps.map((s) => ({
          type: s.type,
          args: (s.args ?? {}) as never,
          inputField: s.inputField ?? "",
          maxRetries: s.maxRetries,
          timeoutMs: s.timeoutMs ?? 0,
        })),
        idempotencyKey: o.idempotencyKey ?? "",
      };
      const send = () => chains.submitChain(request, call(o.signal));
      return chainOf(await (o.idempotencyKey ? safely(send, o.signal) : send()));
    },
    async get(id, o = {}) {
      return chainOf(await safely(() => chains.getChain({ id }, call(o.signal)), o.signal));
    },
    async *watch(id, o = {}) {
      // A stream has no deadline: it lasts as long as the chain runs.
      for await (const message of chains.watchChain({ id }, { signal: o.signal })) yield chainOf(message);
    },
    async cancel(id, o = {}) {
      return chainOf(await chains.cancelChain({ id }, call(o.signal)));
    },
    async retry(id, o = {}) {
      return chainOf(await chains.retryChain({ id }, call(o.signal)));
    },
  };
}
