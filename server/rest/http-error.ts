import { ConnectError, type Code } from "@connectrpc/connect";

/**
 * A ConnectError that must be answered with a specific HTTP status instead of
 * the one the code maps to: transport-level failures of the REST layer itself
 * (404 no route, 405 wrong verb, 413 body too large, 415 content type), whose
 * status is more precise than the code's. Never raised by implementations.
 *
 * Test with {@link isHttpError}, not `instanceof`: ConnectError defines
 * Symbol.hasInstance so that every ConnectError passes `instanceof HttpError`.
 */
export class HttpError extends ConnectError {
  /** The HTTP status to answer with. */
  readonly httpStatus: number;

  /** @param headers extra response headers, e.g. `Allow` for a 405. */
  constructor(httpStatus: number, code: Code, message: string, headers?: Record<string, string>) {
    super(message, code, headers);
    // `name` stays "ConnectError": ConnectError's Symbol.hasInstance needs it
    // to recognise this subclass as a ConnectError.
    this.httpStatus = httpStatus;
  }
}

/** True when `err` carries an HTTP status of its own (see {@link HttpError}). */
export function isHttpError(err: ConnectError): err is HttpError {
  return typeof (err as Partial<HttpError>).httpStatus === "number";
}
