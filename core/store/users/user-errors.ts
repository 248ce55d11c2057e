/** createUser: a user of that name exists already; nothing was changed. */
export class UserExistsError extends Error {
  override name = "UserExistsError";
  constructor(
    readonly userName: string,
    options?: ErrorOptions,
  ) {
    super(`user ${JSON.stringify(userName)} exists already`, options);
  }
}

/** createUser: the name breaks the naming rule (1..64 letters, digits, `.`, `_`, `-`, `@`). */
export class InvalidUserNameError extends Error {
  override name = "InvalidUserNameError";
  constructor(readonly userName: string) {
    super(
      `invalid user name ${JSON.stringify(userName)}: use 1 to 64 letters, digits, ".", "_", "-" or "@"`,
    );
  }
}
