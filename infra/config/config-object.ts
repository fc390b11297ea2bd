// Reads a stack key that holds an object (the engine passes it as JSON; `pulumi config set` without
// --path passes a plain string), so each such key reports a non-object the same way.

/** The object `raw` holds; undefined when unset, or (with a problem naming `key`) when it is no object. */
export function readConfigObject(key: string, raw: string | undefined, expected: string, problems: string[]): Record<string, unknown> | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${key}: found ${JSON.stringify(value)}, expected ${expected}`);
    return undefined;
  }
  return value as Record<string, unknown>;
}
