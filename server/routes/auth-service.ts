import type { ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import type { UserStore } from "../../core/store/users/user-store.js";
import type { JsonObject } from "../../core/task/json.js";
import { kClientAddress, requireCaller, type CallerResolver } from "../access/caller.js";
import { UnauthenticatedError } from "../auth/auth-errors.js";
import type { LoginThrottle } from "../auth/login-throttle.js";
import { verifyAgainstDummy, verifyPassword } from "../auth/password-hash.js";
import { mayRun } from "../auth/principal.js";
import type { RateLimit } from "../auth/rate-limit.js";
import type { TokenService } from "../auth/token-service.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import { RequestInvalidError } from "../errors/domain-errors.js";

/** What the auth service needs. */
export interface AuthServiceDeps {
  users: UserStore;
  tokens: TokenService;
  catalog: TaskCatalog;
  caller: CallerResolver;
  /** Token requests per client address. */
  tokenLimit: RateLimit;
  /** Slows down repeated failed logins per user and address. */
  throttle: LoginThrottle;
}

/** The same answer for an unknown user and a wrong password: it must not reveal which. */
const BAD_CREDENTIALS = "invalid user or password";

/**
 * `tstasks.v1.AuthService`: tokens for users of the credential store, the
 * caller's claims and permitted protected types, and the public JWKS.
 */
export function createAuthService(deps: AuthServiceDeps): ServiceImpl<typeof AuthService> {
  const { users, tokens, catalog, caller } = deps;
  return {
    async createToken(req, ctx) {
      const address = ctx.values.get(kClientAddress);
      await deps.tokenLimit.consume(`ip:${address}`);
      const errors: Record<string, string> = {};
      if (req.user === "") errors["user"] = "is required";
      if (req.password === "") errors["password"] = "is required";
      if (Object.keys(errors).length > 0) throw new RequestInvalidError("Input payload validation failed", errors);

      const throttleKey = `${req.user}|${address}`;
      await deps.throttle.check(throttleKey);
      const user = await users.getUser(req.user);
      const ok = user ? await verifyPassword(req.password, user.passwordHash) : await verifyAgainstDummy(req.password);
      if (!user || !ok) {
        await deps.throttle.fail(throttleKey);
        throw new UnauthenticatedError(BAD_CREDENTIALS);
      }
      await deps.throttle.succeed(throttleKey);
      const { token, exp } = await tokens.issue({ name: user.name, allowedTasks: user.allowedTasks, roles: user.roles });
      ctx.responseHeader.set("cache-control", "no-store");
      return { token, exp };
    },

    async getProtected(_req, ctx) {
      const who = await requireCaller(caller, ctx, "GET /protected needs a token");
      const types = await catalog.list();
      return {
        claims: who.claims as JsonObject,
        protectedTasks: types.filter((t) => t.protected && mayRun(who, t.name)).map((t) => t.name),
      };
    },

    getJwks() {
      return { keys: tokens.jwks().keys as JsonObject[] };
    },
  };
}
