/**
 * Small domain errors thrown by TaskStore implementations. They carry no
 * transport meaning; the server maps them to Connect codes in one place.
 */

/** An inserted task id exists already (or appears twice in one batch); nothing of that batch was stored. */
export class DuplicateTaskError extends Error {
  override name = "DuplicateTaskError";
}

/** A task id given to insertTasks is not a UUID (the tasks.id column is a uuid). */
export class InvalidTaskIdError extends Error {
  override name = "InvalidTaskIdError";
  constructor(readonly id: string) {
    super(`task id ${JSON.stringify(id)} is not a UUID`);
  }
}

/** A listTasks query the store cannot run: limit outside 1..1000, or a cursor whose id is not a UUID. */
export class InvalidListQueryError extends Error {
  override name = "InvalidListQueryError";
}
