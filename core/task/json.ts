/** Any JSON value: what task arguments and results are made of. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, the shape of every task's `args`. */
export type JsonObject = { [key: string]: JsonValue };
