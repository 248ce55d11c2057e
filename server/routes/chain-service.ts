import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { kClientAddress, type CallerResolver } from "../access/caller.js";
import { isAdmin, type Principal } from "../auth/principal.js";
import type { RateLimit } from "../auth/rate-limit.js";
import type { ChainService } from "../../gen/tstasks/v1/chain_service_pb.js";
import { isFinalChainStatus, type ChainRecord } from "../../core/store/chain-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { TaskEventBus } from "../../core/events/task-event-bus.js";
import { isUuid } from "../../core/task/uuid.js";
import { taskFields } from "../../core/log/task-fields.js";
import { defaultLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import type { TaskSubmitter } from "../submit/task-submitter.js";
import type { ServerTaskCounters } from "../metrics/task-counters.js";
import { ChainNotFoundError, RequestInvalidError, TaskStateConflictError } from "../errors/domain-errors.js";
import { buildChainPlan } from "../chains/build-chain-plan.js";
import { watchChain } from "../chains/watch-chain.js";
import { chainToProto } from "./chain-to-proto.js";

/** What the chain service needs. */
export interface ChainServiceDeps {
  store: TaskStore;
  catalog: TaskCatalog;
  /** Publishes the first step (and a retried step); the outbox covers a failed publish. */
  submitter: TaskSubmitter;
  /** Who is calling (verified token or anonymous). */
  caller: CallerResolver;
  /** Submissions per principal (anonymous: per client address); a chain counts as one. Default: no limit. */
  submitLimit?: RateLimit;
  /** Tells workers a task was cancelled (a running step's attempt stops early). */
  publishCancel: (id: string) => Promise<void>;
  /** Cancel and retry publish their step's status change, as CancelTask and RetryTask do. */
  events: Pick<TaskEventBus, "publishEvents">;
  /** How often WatchChain re-reads the chain, in ms. Default 300. */
  watchPollMs?: number;
  /** Deepest nesting accepted in `args`. Default 32. */
  maxArgsDepth?: number;
  /** Where a cancel notice that could not be sent is reported (warn). Default: the process's root logger. */
  log?: Logger;
  /**
   * The server's metrics: a chain's first step counts as submitted, a step a cancel revoked as revoked
   * (as SubmitTask and CancelTask count). Later steps are created in the store, not counted. Default: none.
   */
  counters?: Pick<ServerTaskCounters, "revoked" | "submitted">;
}

/** Times CancelChain follows a chain whose step moved on under it before giving up. */
const CANCEL_ROUNDS = 5;

/**
 * The `tstasks.v1.ChainService` implementation (Connect, gRPC and REST call
 * the same object). Ownership is the tasks': anonymous callers may submit
 * (an anonymous chain is readable by anyone with its id); an owned chain is
 * seen and managed only by its owner or an admin, anyone else gets NotFound.
 *
 * The chain moves on in the store (see ChainStore): this service stores and
 * queues the first step, and cancels or retries the chain through its
 * current step's task, exactly as CancelTask and RetryTask would.
 */
export function createChainService(deps: ChainServiceDeps): ServiceImpl<typeof ChainService> {
  const { store, caller, submitter } = deps;
  const rules = { catalog: deps.catalog, maxArgsDepth: deps.maxArgsDepth ?? 32 };
  const log = deps.log ?? defaultLogger().child({ component: "server" });

  /** The chain if it exists and the caller may see it; else ChainNotFoundError (never "forbidden"). */
  const findChain = async (id: string, ctx: HandlerContext): Promise<ChainRecord> => {
    if (id === "") throw new RequestInvalidError("id is required", { id: "is required: the chain's id" });
    const who = await caller(ctx);
    const chain = isUuid(id) ? await store.getChain(id.toLowerCase()) : undefined;
    if (!chain || !maySeeChain(chain, who)) throw new ChainNotFoundError(id);
    return chain;
  };

  /** The chain as it is now (it exists: it was found a moment ago, and chains are never deleted). */
  const reread = async (id: string): Promise<ChainRecord> => {
    const chain = await store.getChain(id);
    if (!chain) throw new ChainNotFoundError(id);
    return chain;
  };

  return {
    async submitChain(req, ctx) {
      const who = await caller(ctx);
      await deps.submitLimit?.consume(who ? `sub:${who.sub}` : `ip:${ctx.values.get(kClientAddress)}`);
      const { chain, first } = await buildChainPlan(req, who, rules);
      const inserted = await store.insertChain(chain, first);
      if (!inserted.existing) {
        deps.counters?.submitted(first.type, first.queue);
        // Published like a submit's task; if this fails, the outbox dispatcher publishes it.
        const task = await store.getTask(first.id);
        if (task) await submitter.requeue(task);
      }
      return { chain: chainToProto(await reread(inserted.id)) };
    },

    async getChain(req, ctx) {
      return { chain: chainToProto(await findChain(req.id, ctx)) };
    },

    async *watchChain(req, ctx) {
      const chain = await findChain(req.id, ctx);
      for await (const c of watchChain(store, chain, { signal: ctx.signal, pollMs: deps.watchPollMs })) {
        yield { chain: chainToProto(c) };
      }
    },

    async cancelChain(req, ctx) {
      let chain = await findChain(req.id, ctx);
      // The step may succeed (and the next be created) between the read and the revoke: follow it.
      for (let round = 0; round < CANCEL_ROUNDS; round++) {
        if (isFinalChainStatus(chain.status)) {
          throw new TaskStateConflictError(`chain ${req.id} is already ${chain.status}: only a RUNNING chain can be cancelled`);
        }
        const taskId = chain.steps[chain.currentStep]?.taskId;
        const result = taskId ? await store.revokeTask(taskId) : { outcome: "not_found" as const };
        if (result.outcome === "revoked") {
          const t = result.record;
          deps.counters?.revoked(t.type, t.queue);
          deps.publishCancel(t.id).catch((e: unknown) =>
            log.warn({ ...taskFields(t.id, t.type, t.attempts), err: e }, "cancel notice not sent: a running attempt runs on, its result is not recorded"),
          );
          deps.events.publishEvents([{ kind: "status", taskId: t.id, status: "REVOKED", attempt: t.attempts }]);
          return { chain: chainToProto(await reread(chain.id)) };
        }
        chain = await reread(chain.id);
      }
      throw new TaskStateConflictError(`chain ${req.id} kept moving on while being cancelled; try again`);
    },

    async retryChain(req, ctx) {
      const chain = await findChain(req.id, ctx);
      if (chain.status !== "FAILURE" && chain.status !== "REVOKED") {
        throw new TaskStateConflictError(`chain ${req.id} is ${chain.status}: only a FAILURE or REVOKED chain can be retried`);
      }
      const taskId = chain.steps[chain.currentStep]?.taskId;
      const result = taskId ? await store.requeueTask(taskId) : { outcome: "not_found" as const };
      if (result.outcome !== "requeued") {
        throw new TaskStateConflictError(`chain ${req.id}: its step ${chain.currentStep} cannot be retried (its task is ${result.outcome === "not_found" ? "gone" : result.record.status})`);
      }
      await submitter.requeue(result.record);
      deps.events.publishEvents([{ kind: "status", taskId: result.record.id, status: "PENDING", attempt: result.record.attempts }]);
      return { chain: chainToProto(await reread(chain.id)) };
    },
  };
}

/** As for tasks (see maySee): an anonymous chain is anyone's who knows its id; an owned one its owner's and admins'. */
function maySeeChain(chain: ChainRecord, who: Principal | undefined): boolean {
  if (chain.owner === null) return true;
  return who !== undefined && (who.sub === chain.owner || isAdmin(who));
}
