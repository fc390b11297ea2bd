// A small evaluator for the exact KQL subset the alert rules and `forwarderLogQuery` use, so tests
// can run the query text the program deploys against sample rows of the real table schemas
// (schemas.ts). KQL itself cannot run here (no Log Analytics, no Kusto emulator on npm); the
// nearest honest thing is to evaluate the very string Azure receives, with Kusto's rules where they
// decide an alert: a table that does not exist fails the query (SEM0100) unless it is a leg of
// `union isfuzzy=true`; a column that does not exist fails it too; `==` is case-sensitive, `in~`,
// `=~` and `contains` are not; aggregates over no rows give Kusto's defaults (count and sum 0,
// make_set []); a summarize without `by` over no rows still gives one row. Anything outside the
// subset throws (parser.ts), so a query that outgrows it fails its test instead of passing blindly.
import { parse, type Assignment, type Expr, type Operator, type Source, type Tabular } from "./parser";

export type Row = Record<string, unknown>;
export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}
/** The tables a workspace holds (a table with no rows yet may be absent: then it does not exist). */
export type Workspace = Readonly<Record<string, Table>>;

export class KqlError extends Error {}

const unresolved = (kind: string, name: string): KqlError => new KqlError(`SEM0100: 'Failed to resolve ${kind} expression named '${name}'`);

interface Scope {
  readonly workspace: Workspace;
  readonly now: Date;
  readonly tabulars: Map<string, Table>;
  readonly scalars: Map<string, unknown>;
}

/** Runs `query` on `workspace` at `now`; throws KqlError where Log Analytics would fail the query. */
export function evaluate(query: string, workspace: Workspace, now: Date): Table {
  const parsed = parse(query);
  const scope: Scope = { workspace, now, tabulars: new Map(), scalars: new Map() };
  for (const l of parsed.lets) {
    if (l.tabular) scope.tabulars.set(l.name, tabular(l.tabular, scope));
    else scope.scalars.set(l.name, scalar(l.scalar!, {}, [], scope));
  }
  return tabular(parsed.body, scope);
}

function tabular(t: Tabular, scope: Scope): Table {
  return t.operators.reduce((table, op) => apply(op, table, scope), source(t.source, scope));
}

function source(s: Source, scope: Scope): Table {
  switch (s.type) {
    case "name": {
      const table = scope.tabulars.get(s.name) ?? scope.workspace[s.name];
      if (!table) throw unresolved("table or column", s.name);
      return table;
    }
    case "union": {
      const tables: Table[] = [];
      for (const leg of s.legs) {
        try {
          tables.push(tabular(leg, scope));
        } catch (error) {
          if (!(s.fuzzy && error instanceof KqlError)) throw error;
        }
      }
      if (tables.length === 0) throw unresolved("table or column", "every leg of the union");
      const columns = [...new Set(tables.flatMap((t) => t.columns))];
      return { columns, rows: tables.flatMap((t) => t.rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])))) };
    }
    case "datatable": {
      const columns = s.columns.map((c) => c.name);
      const values = s.values.map((v) => scalar(v, {}, [], scope));
      if (values.length % columns.length !== 0) throw new KqlError("datatable: values do not fill whole rows");
      const rows: Row[] = [];
      for (let i = 0; i < values.length; i += columns.length) rows.push(Object.fromEntries(columns.map((c, j) => [c, values[i + j]])));
      return { columns, rows };
    }
    case "print": {
      const named = s.assignments.map((a, i) => [a.name ?? `print_${i}`, scalar(a.expr, {}, [], scope)] as const);
      return { columns: named.map(([n]) => n), rows: [Object.fromEntries(named)] };
    }
  }
}

function apply(op: Operator, table: Table, scope: Scope): Table {
  const value = (e: Expr, row: Row) => scalar(e, row, table.columns, scope);
  switch (op.type) {
    case "where":
      // Resolve columns even when there are no rows: Kusto fails at compile time.
      checkColumns(op.predicate, table.columns, scope);
      return { columns: table.columns, rows: table.rows.filter((r) => value(op.predicate, r) === true) };
    case "extend": {
      let columns = [...table.columns];
      let rows = table.rows.map((r) => ({ ...r }));
      for (const a of op.assignments) {
        const name = nameOf(a);
        checkColumns(a.expr, columns, scope);
        rows = rows.map((r) => ({ ...r, [name]: scalar(a.expr, r, columns, scope) }));
        if (!columns.includes(name)) columns = [...columns, name];
      }
      return { columns, rows };
    }
    case "project": {
      for (const a of op.assignments) checkColumns(a.expr, table.columns, scope);
      const names = op.assignments.map(nameOf);
      return { columns: names, rows: table.rows.map((r) => Object.fromEntries(op.assignments.map((a, i) => [names[i], value(a.expr, r)]))) };
    }
    case "summarize":
      return summarize(op.aggregates, op.by, table, scope);
    case "order": {
      if (!table.columns.includes(op.column)) throw unresolved("column", op.column);
      const sign = op.descending ? -1 : 1;
      return { columns: table.columns, rows: [...table.rows].sort((a, b) => sign * compare(a[op.column], b[op.column])) };
    }
    case "count":
      return { columns: ["Count"], rows: [{ Count: table.rows.length }] };
    case "join": {
      const right = tabular(op.right, scope);
      if (!table.columns.includes(op.on)) throw unresolved("column", op.on);
      if (!right.columns.includes(op.on)) throw unresolved("column", op.on);
      // Right-hand columns that clash get Kusto's numeric suffix (AccountName1).
      const renamed = right.columns.map((c) => {
        if (!table.columns.includes(c)) return c;
        for (let n = 1; ; n++) if (!table.columns.includes(`${c}${n}`)) return `${c}${n}`;
      });
      const columns = [...table.columns, ...renamed];
      const rows = table.rows.flatMap((l) => {
        const matches = right.rows.filter((r) => l[op.on] !== null && r[op.on] === l[op.on]);
        const pad = (r: Row | undefined) => ({ ...l, ...Object.fromEntries(right.columns.map((c, i) => [renamed[i], r ? r[c] : null])) });
        return matches.length > 0 ? matches.map(pad) : [pad(undefined)];
      });
      return { columns, rows };
    }
  }
}

function nameOf(a: Assignment): string {
  if (a.name) return a.name;
  if (a.expr.type === "column") return a.expr.name;
  throw new KqlError("an expression without a name: give it one (name = expr)");
}

/** Every column an expression names exists (or is a let scalar): Kusto checks at compile time. */
function checkColumns(e: Expr, columns: readonly string[], scope: Scope): void {
  if (e.type === "column" && !columns.includes(e.name) && !scope.scalars.has(e.name)) throw unresolved("column", e.name);
  if (e.type === "member") checkColumns(e.target, columns, scope);
  if (e.type === "call") e.args.forEach((x) => checkColumns(x, columns, scope));
  if (e.type === "binary") [e.left, e.right].forEach((x) => checkColumns(x, columns, scope));
  if (e.type === "list") e.items.forEach((x) => checkColumns(x, columns, scope));
}

const AGGREGATE_DEFAULTS: Readonly<Record<string, () => unknown>> = { count: () => 0, sum: () => 0, dcount: () => 0, make_set: () => [] };

function summarize(aggregates: readonly Assignment[], by: readonly Assignment[], table: Table, scope: Scope): Table {
  for (const a of [...aggregates, ...by]) checkColumns(a.expr, table.columns, scope);
  const keyNames = by.map(nameOf);
  const aggNames = aggregates.map((a, i) => a.name ?? `${a.expr.type === "call" ? a.expr.name : "agg"}_${i === 0 ? "" : i}`);
  const groups = new Map<string, { key: unknown[]; rows: Row[] }>();
  for (const row of table.rows) {
    const key = by.map((b) => scalar(b.expr, row, table.columns, scope));
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, rows: [] };
    group.rows.push(row);
    groups.set(id, group);
  }
  // Without `by`, no rows still give one row of defaults.
  if (by.length === 0 && groups.size === 0) groups.set("[]", { key: [], rows: [] });
  const rows = [...groups.values()].map(({ key, rows: members }) => ({
    ...Object.fromEntries(keyNames.map((n, i) => [n, key[i]])),
    ...Object.fromEntries(aggregates.map((a, i) => [aggNames[i], aggregate(a.expr, members, table.columns, scope)])),
  }));
  return { columns: [...keyNames, ...aggNames], rows };
}

function aggregate(e: Expr, rows: readonly Row[], columns: readonly string[], scope: Scope): unknown {
  if (e.type !== "call") throw new KqlError("summarize takes aggregation functions");
  const values = () => rows.map((r) => scalar(e.args[0], r, columns, scope)).filter((v) => v !== null && v !== undefined);
  if (rows.length === 0 && e.name in AGGREGATE_DEFAULTS) return AGGREGATE_DEFAULTS[e.name]();
  switch (e.name) {
    case "count":
      return rows.length;
    case "sum":
      return values().reduce((s: number, v) => s + Number(v), 0);
    case "max":
      return values().reduce((m: unknown, v) => (m === null || compare(v, m) > 0 ? v : m), null);
    case "min":
      return values().reduce((m: unknown, v) => (m === null || compare(v, m) < 0 ? v : m), null);
    case "dcount":
      return new Set(values().map((v) => JSON.stringify(v))).size;
    case "make_set":
      return [...new Set(values().map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v) as unknown);
    default:
      throw new KqlError(`aggregation ${e.name}() is not in the subset`);
  }
}

function compare(a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x !== typeof y) throw new KqlError(`cannot compare ${typeof x} with ${typeof y}`);
  return (x as number | string) < (y as number | string) ? -1 : (x as number | string) > (y as number | string) ? 1 : 0;
}

const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === "";

function scalar(e: Expr, row: Row, columns: readonly string[], scope: Scope): unknown {
  const value = (x: Expr) => scalar(x, row, columns, scope);
  switch (e.type) {
    case "literal":
      return e.value;
    case "timespan":
      return { timespanMs: e.ms };
    case "list":
      return e.items.map(value);
    case "column":
      if (columns.includes(e.name)) return row[e.name] ?? null;
      if (scope.scalars.has(e.name)) return scope.scalars.get(e.name);
      throw unresolved("column", e.name);
    case "member": {
      const target = value(e.target);
      return typeof target === "object" && target !== null && !(target instanceof Date) ? ((target as Row)[e.key] ?? null) : null;
    }
    case "binary":
      return binary(e.op, value(e.left), value(e.right));
    case "call":
      return call(e, value, scope);
  }
}

function binary(op: string, a: unknown, b: unknown): unknown {
  const lower = (v: unknown) => String(v ?? "").toLowerCase();
  switch (op) {
    case "and":
      return a === true && b === true;
    case "or":
      return a === true || b === true;
    case "==":
      return a !== null && b !== null && compare(a, b) === 0;
    case "!=":
      return a !== null && b !== null && compare(a, b) !== 0;
    case "=~":
      return lower(a) === lower(b);
    case "<":
    case ">":
    case "<=":
    case ">=": {
      if (a === null || b === null) return false;
      const c = compare(a, b);
      return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
    }
    case "contains":
      return lower(a).includes(lower(b));
    case "startswith":
      return lower(a).startsWith(lower(b));
    case "in":
      return (b as unknown[]).some((x) => x === a);
    case "in~":
      return (b as unknown[]).some((x) => lower(x) === lower(a));
    case "+":
    case "-":
      if (typeof a !== "number" || typeof b !== "number") throw new KqlError(`${op} on non-numbers is not in the subset`);
      return op === "+" ? a + b : a - b;
    default:
      throw new KqlError(`operator ${op} is not in the subset`);
  }
}

function call(e: Extract<Expr, { type: "call" }>, value: (x: Expr) => unknown, scope: Scope): unknown {
  const args = e.args.map(value);
  switch (e.name) {
    case "toscalar": {
      const t = tabular(e.tabular!, scope);
      return t.rows.length > 0 ? (t.rows[0][t.columns[0]] ?? null) : null;
    }
    case "ago":
      return new Date(scope.now.getTime() - (args[0] as { timespanMs: number }).timespanMs);
    case "now":
      return scope.now;
    case "parse_json":
      if (typeof args[0] !== "string") return args[0] ?? null;
      try {
        return JSON.parse(args[0]) as unknown;
      } catch {
        return args[0];
      }
    case "tostring":
      return args[0] === null || args[0] === undefined ? "" : typeof args[0] === "object" ? JSON.stringify(args[0]) : String(args[0]);
    case "tolong": {
      const n = Number(args[0]);
      return args[0] === null || args[0] === "" || !Number.isFinite(n) ? null : Math.trunc(n);
    }
    case "toupper":
      return String(args[0] ?? "").toUpperCase();
    case "extract": {
      const m = new RegExp(String(args[0])).exec(String(args[2] ?? ""));
      return m ? (m[Number(args[1])] ?? "") : "";
    }
    case "coalesce":
      return args.find((a) => !isEmpty(a)) ?? null;
    case "isnotempty":
      return !isEmpty(args[0]);
    case "isempty":
      return isEmpty(args[0]);
    default:
      throw new KqlError(`function ${e.name}() is not in the subset`);
  }
}
