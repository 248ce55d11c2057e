import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Finds a field of `message` by its proto name (`page_size`) or its JSON name
 * (`pageSize`), the two spellings proto3 JSON accepts.
 */
export function findField(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.name === name || f.jsonName === name);
}

/**
 * Resolves a dotted field path (`["task", "id"]`) to its chain of fields.
 * Every step but the last must be a singular message field. Throws an
 * InvalidArgument ConnectError that quotes `label` (what the client wrote,
 * e.g. the query parameter name) when the path does not exist.
 */
export function resolveFieldPath(message: DescMessage, path: readonly string[], label: string): DescField[] {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    const field: DescField | undefined = current === undefined ? undefined : findField(current, name);
    if (field === undefined) {
      throw new ConnectError(`unknown field "${label}" for ${message.typeName}`, Code.InvalidArgument);
    }
    chain.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return chain;
}

/**
 * Sets `value` at the field chain in a JSON object, creating intermediate
 * objects. Any existing key for the same field under its other spelling is
 * removed first, so the value set here wins over what the body said.
 */
export function setJsonField(target: Record<string, unknown>, chain: readonly DescField[], value: unknown): void {
  let obj = target;
  for (let i = 0; i < chain.length; i++) {
    const field = chain[i]!;
    const existing = obj[field.name] ?? obj[field.jsonName];
    if (field.jsonName !== field.name) {
      delete obj[field.jsonName];
    }
    if (i === chain.length - 1) {
      obj[field.name] = value;
      return;
    }
    const next: Record<string, unknown> =
      typeof existing === "object" && existing !== null && !Array.isArray(existing)
        ? (existing as Record<string, unknown>)
        : {};
    obj[field.name] = next;
    obj = next;
  }
}
