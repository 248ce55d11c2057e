import type { ChainRecord, InsertedChain, NewChain } from "./chain-record.js";
import type { NewTask } from "./task-record.js";

/**
 * The store's part for chains (see the create-chains migration); TaskStore
 * extends it. A chain moves on by itself, in the store: when a step's task
 * becomes SUCCESS, the same transaction creates the next step's task
 * (PENDING, with an outbox row the outbox dispatcher publishes) or, after the
 * last step, makes the chain SUCCESS; a step's FAILURE or REVOKED ends the
 * chain so; a retry of that step (requeueTask, requeueTaskBatch) makes it
 * RUNNING again. So cancel and retry of a chain are those of its step's task.
 */
export interface ChainStore {
  /**
   * Stores the chain and its first step's task in one transaction: `first`
   * is inserted as insertTasks does (PENDING, with its outbox row: publish
   * it, else the dispatcher does), marked as step 0 of the chain. A chain
   * whose (owner, idempotency key) was used before stores nothing: the
   * report names the earlier chain.
   * @throws InvalidTaskIdError when the chain's or the task's id is not a UUID.
   */
  insertChain(chain: NewChain, first: NewTask): Promise<InsertedChain>;

  /** One chain with each step's task state, or undefined when the id is unknown (or not a UUID). */
  getChain(id: string): Promise<ChainRecord | undefined>;
}
