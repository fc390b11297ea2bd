// A small evaluator of Azure Policy rule conditions ("if" blocks), enough for the definitions in
// alz-conditions.ts: allOf / anyOf / not; field and value conditions; count over a field array with
// `where`; the operators equals, notEquals, like, notLike, contains, notContains, in, notIn, exists,
// less, lessOrEquals, greater, greaterOrEquals (names case-insensitive, as Azure reads them).
//
// Semantics as Microsoft's "Azure Policy definition structure" describes them: string comparisons
// ignore case; a missing field equals nothing (so notEquals and notIn hold for it); a field alias with
// [*] outside a count holds when every element does; `like` takes `*` wildcards. Aliases resolve
// against the ARM request body: `<type>/<path>` is `properties.<path>` (or `sku.*`, top-level), a bare
// name (`type`, `name`, `identity.type`) is the top-level field, an alias of another type is missing.
// Template expressions: only `[requestContext().apiVersion]`, `[field('…')]` and
// `[subscription().tenantId]`; anything else throws, so an unsupported rule cannot pass silently.

/** What a PUT would send to ARM for one resource, as the policy engine sees it. */
export interface ArmRequest {
  /** The logical name the program registered it under. */
  readonly logicalName: string;
  /** ARM resource type, e.g. Microsoft.Storage/storageAccounts. */
  readonly type: string;
  readonly apiVersion: string;
  /** The request body: id, name, type, location, tags, sku, kind, identity and properties. */
  readonly body: Readonly<Record<string, unknown>>;
}

export type Condition = Readonly<Record<string, unknown>>;

/** The tenant of the deployment, for `[subscription().tenantId]`. */
export const TENANT_ID = "00000000-0000-0000-0000-00000000feed";

/** Marks a field pinned to one element of a count: what follows is a concrete body path. */
const PINNED = "@body:";

const TOP_LEVEL = ["sku", "kind", "identity", "location", "tags", "name", "type", "id", "zones", "extendedlocation"];

/** The body path an alias names for `request`, or undefined when it belongs to another type. */
function aliasPath(request: ArmRequest, alias: string): string | undefined {
  if (alias.startsWith(PINNED)) return alias.slice(PINNED.length);
  if (!alias.includes("/")) return alias;
  const prefix = `${request.type}/`.toLowerCase();
  if (!alias.toLowerCase().startsWith(prefix)) return undefined;
  const rest = alias.slice(prefix.length);
  if (rest.includes("/")) return undefined; // a child type's alias
  return TOP_LEVEL.includes(rest.split(/[.[]/)[0].toLowerCase()) ? rest : `properties.${rest}`;
}

/** Values at a concrete path (no [*]); keys matched case-insensitively. */
function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split(/\.|(?=\[)/)) {
    if (current === undefined || current === null) return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    if (index) {
      current = Array.isArray(current) ? current[Number(index[1])] : undefined;
      continue;
    }
    if (typeof current !== "object") return undefined;
    const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    current = key === undefined ? undefined : (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Every concrete path an alias with [*] stands for, e.g. a[*].b[*] -> a[0].b[0], a[0].b[1], ... */
function expand(body: unknown, path: string): string[] {
  const star = path.indexOf("[*]");
  if (star < 0) return [path];
  const head = path.slice(0, star);
  const list = at(body, head);
  if (!Array.isArray(list)) return [];
  return list.flatMap((_, i) => expand(body, `${head}[${i}]${path.slice(star + 3)}`));
}

/** A field's value (undefined when missing); for an alias with [*], the array of its elements' values. */
export function fieldValue(request: ArmRequest, alias: string): unknown {
  const path = aliasPath(request, alias);
  if (path === undefined) return undefined;
  return path.includes("[*]") ? expand(request.body, path).map((p) => at(request.body, p)) : at(request.body, path);
}

const text = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v)).toLowerCase();
const like = (value: string, pattern: string): boolean =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  ).test(value);

function compare(op: string, actual: unknown, expected: unknown): boolean {
  const missing = actual === undefined || actual === null;
  switch (op) {
    case "equals":
      return !missing && text(actual) === text(expected);
    case "notequals":
      return missing || text(actual) !== text(expected);
    case "in":
      return !missing && (expected as unknown[]).some((e) => text(e) === text(actual));
    case "notin":
      return missing || !(expected as unknown[]).some((e) => text(e) === text(actual));
    case "like":
      return !missing && like(text(actual), text(expected));
    case "notlike":
      return missing || !like(text(actual), text(expected));
    case "contains":
      return !missing && text(actual).includes(text(expected));
    case "notcontains":
      return missing || !text(actual).includes(text(expected));
    case "exists":
      return !missing === (text(expected) === "true");
    case "less":
    case "lessorequals":
    case "greater":
    case "greaterorequals": {
      if (missing) return false;
      const [a, b] = typeof actual === "number" ? [actual, Number(expected)] : [text(actual), text(expected)];
      return op === "less" ? a < b : op === "lessorequals" ? a <= b : op === "greater" ? a > b : a >= b;
    }
    default:
      throw new Error(`policy-rule: operator ${op} is not implemented`);
  }
}

function expression(request: ArmRequest, value: unknown): unknown {
  if (typeof value !== "string" || !value.startsWith("[")) return value;
  if (value === "[requestContext().apiVersion]") return request.apiVersion;
  if (value === "[subscription().tenantId]") return TENANT_ID;
  const field = /^\[field\('([^']+)'\)\]$/.exec(value);
  if (field) return fieldValue(request, field[1]);
  throw new Error(`policy-rule: the expression ${value} is not implemented; encode this rule as a predicate`);
}

const key = (condition: Condition, name: string): string | undefined => Object.keys(condition).find((k) => k.toLowerCase() === name);

/** Whether `condition` holds for `request`. */
export function evaluate(condition: Condition, request: ArmRequest): boolean {
  const allOf = key(condition, "allof");
  if (allOf) return (condition[allOf] as Condition[]).every((c) => evaluate(c, request));
  const anyOf = key(condition, "anyof");
  if (anyOf) return (condition[anyOf] as Condition[]).some((c) => evaluate(c, request));
  const not = key(condition, "not");
  if (not) return !evaluate(condition[not] as Condition, request);
  const operator = Object.keys(condition).find((k) => !["field", "value", "count"].includes(k.toLowerCase()));
  if (!operator) throw new Error(`policy-rule: no operator in ${JSON.stringify(condition)}`);
  const op = operator.toLowerCase();
  const expected = expression(request, condition[operator]);
  const count = key(condition, "count");
  if (count) return compare(op, countOf(condition[count] as Condition, request), expected);
  const field = key(condition, "field");
  if (field) {
    const alias = condition[field] as string;
    const actual = fieldValue(request, alias);
    // [*] outside a count: every element must hold (an empty array holds vacuously).
    if (alias.includes("[*]")) return (actual as unknown[]).every((v) => compare(op, v, expected));
    return compare(op, actual, expected);
  }
  return compare(op, expression(request, condition[key(condition, "value")!]), expected);
}

/** `count: {field: "…[*]", where?}`: how many elements there are, or satisfy `where`. */
function countOf(count: Condition, request: ArmRequest): number {
  const alias = count.field;
  if (typeof alias !== "string") throw new Error("policy-rule: only field counts are implemented");
  const path = aliasPath(request, alias);
  if (path === undefined) return 0;
  const elements = expand(request.body, path);
  if (!count.where) return elements.length;
  // Each element is evaluated with the count's alias pinned to it: a where field under that alias reads that element.
  return elements.filter((concrete) => evaluate(pin(count.where as Condition, alias, concrete), request)).length;
}

/** `condition` with every field under `alias` reading the element at `concrete` (a body path). */
function pin(condition: unknown, alias: string, concrete: string): Condition {
  if (Array.isArray(condition)) return condition.map((c) => pin(c, alias, concrete)) as unknown as Condition;
  if (typeof condition !== "object" || condition === null) return condition as Condition;
  return Object.fromEntries(
    Object.entries(condition).map(([k, v]) => [
      k,
      k.toLowerCase() === "field" && typeof v === "string" && v.toLowerCase().startsWith(alias.toLowerCase())
        ? `${PINNED}${concrete}${v.slice(alias.length)}`
        : pin(v, alias, concrete),
    ]),
  );
}
