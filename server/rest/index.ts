export { createRestHandler, defaultMaxBodyBytes } from "./rest-handler.js";
export type { RestHandlerOptions, RestNodeHandler, RestService } from "./rest-handler.js";
export { restStatusForCode, codeName } from "./http-status.js";
export { restErrorBody } from "./error-response.js";
export type { RestErrorBody } from "./error-response.js";
