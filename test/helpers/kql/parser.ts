// Parses the KQL subset of evaluate.ts into a small syntax tree. Statements: `let name = <tabular or
// scalar>;` then one tabular expression. Sources: a table or let name, `union [isfuzzy=true] a, (b)`,
// `datatable(col:type, ...)[values]`, `print name = expr, ...`, `( tabular )`. Operators: where,
// extend, project, summarize [aggregates] [by ...], order by, count, join kind=leftouter (...) on col.
// Expressions: literals, columns, `a.b` member access, calls, comparisons (== != < > <= >= contains
// in~ in), and, or, + -. Anything else throws: a query that needs more is not covered by the tests.
import { tokenize, type Token } from "./lexer";

export type Expr =
  | { readonly type: "literal"; readonly value: unknown }
  | { readonly type: "timespan"; readonly ms: number }
  | { readonly type: "column"; readonly name: string }
  | { readonly type: "member"; readonly target: Expr; readonly key: string }
  | { readonly type: "call"; readonly name: string; readonly args: readonly Expr[]; readonly tabular?: Tabular }
  | { readonly type: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly type: "list"; readonly items: readonly Expr[] };

export interface Assignment {
  readonly name?: string;
  readonly expr: Expr;
}

export type Source =
  | { readonly type: "name"; readonly name: string }
  | { readonly type: "union"; readonly fuzzy: boolean; readonly legs: readonly Tabular[] }
  | { readonly type: "datatable"; readonly columns: ReadonlyArray<{ name: string; kind: string }>; readonly values: readonly Expr[] }
  | { readonly type: "print"; readonly assignments: readonly Assignment[] };

export type Operator =
  | { readonly type: "where"; readonly predicate: Expr }
  | { readonly type: "extend"; readonly assignments: readonly Assignment[] }
  | { readonly type: "project"; readonly assignments: readonly Assignment[] }
  | { readonly type: "summarize"; readonly aggregates: readonly Assignment[]; readonly by: readonly Assignment[] }
  | { readonly type: "order"; readonly column: string; readonly descending: boolean }
  | { readonly type: "count" }
  | { readonly type: "join"; readonly kind: "leftouter"; readonly right: Tabular; readonly on: string };

export interface Tabular {
  readonly source: Source;
  readonly operators: readonly Operator[];
}

export interface Let {
  readonly name: string;
  readonly tabular?: Tabular;
  readonly scalar?: Expr;
}

export interface Query {
  readonly lets: readonly Let[];
  readonly body: Tabular;
}

const COMPARISONS = ["==", "!=", "<", ">", "<=", ">=", "=~", "contains", "in~", "in", "startswith"];

export function parse(text: string): Query {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (offset = 0): Token | undefined => tokens[pos + offset];
  const fail = (what: string): never => {
    const t = peek();
    throw new Error(`KQL: expected ${what} at ${t ? `${t.at} (${"text" in t ? t.text : t.kind})` : "the end"}`);
  };
  const isWord = (word: string, t = peek()): boolean => t?.kind === "ident" && t.text === word;
  const isPunct = (p: string, t = peek()): boolean => t?.kind === "punct" && t.text === p;
  const word = (w: string): void => void (isWord(w) ? pos++ : fail(`"${w}"`));
  const punct = (p: string): void => void (isPunct(p) ? pos++ : fail(`"${p}"`));
  const ident = (): string => {
    const t = peek();
    if (t?.kind !== "ident") return fail("a name");
    pos++;
    return t.text;
  };

  const tabularStarts = (): boolean => ["union", "datatable", "print"].some((w) => isWord(w)) || isPunct("(");

  function tabular(): Tabular {
    const src = source();
    const operators: Operator[] = [];
    while (isPunct("|")) {
      pos++;
      operators.push(operator());
    }
    return { source: src, operators };
  }

  function source(): Source {
    if (isWord("union")) {
      pos++;
      let fuzzy = false;
      if (isWord("isfuzzy")) {
        pos++;
        punct("=");
        fuzzy = ident() === "true";
      }
      const legs = [leg()];
      while (isPunct(",")) {
        pos++;
        legs.push(leg());
      }
      return { type: "union", fuzzy, legs };
    }
    if (isWord("datatable")) {
      pos++;
      punct("(");
      const columns: Array<{ name: string; kind: string }> = [];
      while (!isPunct(")")) {
        const name = ident();
        punct(":");
        columns.push({ name, kind: ident() });
        if (isPunct(",")) pos++;
      }
      punct(")");
      punct("[");
      const values: Expr[] = [];
      while (!isPunct("]")) {
        values.push(expression());
        if (isPunct(",")) pos++;
      }
      punct("]");
      return { type: "datatable", columns, values };
    }
    if (isWord("print")) {
      pos++;
      return { type: "print", assignments: assignments() };
    }
    if (isPunct("(")) {
      const inner = leg();
      return { type: "union", fuzzy: false, legs: [inner] };
    }
    return { type: "name", name: ident() };
  }

  function leg(): Tabular {
    if (isPunct("(")) {
      pos++;
      const inner = tabular();
      punct(")");
      return inner;
    }
    return { source: { type: "name", name: ident() }, operators: [] };
  }

  function operator(): Operator {
    const name = ident();
    switch (name) {
      case "where":
        return { type: "where", predicate: expression() };
      case "extend":
        return { type: "extend", assignments: assignments() };
      case "project":
        return { type: "project", assignments: assignments() };
      case "summarize": {
        const aggregates = isWord("by") ? [] : assignments();
        let by: Assignment[] = [];
        if (isWord("by")) {
          pos++;
          by = assignments();
        }
        return { type: "summarize", aggregates, by };
      }
      case "order":
      case "sort": {
        word("by");
        const column = ident();
        const descending = !isWord("asc");
        if (isWord("asc") || isWord("desc")) pos++;
        return { type: "order", column, descending };
      }
      case "count":
        return { type: "count" };
      case "join": {
        word("kind");
        punct("=");
        const kind = ident();
        if (kind !== "leftouter") fail("kind=leftouter (the only join kind the subset knows)");
        punct("(");
        const right = tabular();
        punct(")");
        word("on");
        return { type: "join", kind: "leftouter", right, on: ident() };
      }
      default:
        return fail(`a known operator, found "${name}"`);
    }
  }

  function assignments(): Assignment[] {
    const out: Assignment[] = [];
    for (;;) {
      const named = peek()?.kind === "ident" && isPunct("=", peek(1));
      const name = named ? ident() : undefined;
      if (named) punct("=");
      out.push({ ...(name ? { name } : {}), expr: expression() });
      if (!isPunct(",")) return out;
      pos++;
    }
  }

  function expression(): Expr {
    let left = conjunction();
    while (isWord("or")) {
      pos++;
      left = { type: "binary", op: "or", left, right: conjunction() };
    }
    return left;
  }

  function conjunction(): Expr {
    let left = comparison();
    while (isWord("and")) {
      pos++;
      left = { type: "binary", op: "and", left, right: comparison() };
    }
    return left;
  }

  function comparison(): Expr {
    const left = additive();
    const t = peek();
    const op = t && "text" in t && (t.kind === "punct" || t.kind === "ident") && COMPARISONS.includes(t.text) ? t.text : undefined;
    if (!op) return left;
    pos++;
    if (op === "in" || op === "in~") {
      punct("(");
      const items: Expr[] = [];
      while (!isPunct(")")) {
        items.push(expression());
        if (isPunct(",")) pos++;
      }
      punct(")");
      return { type: "binary", op, left, right: { type: "list", items } };
    }
    return { type: "binary", op, left, right: additive() };
  }

  function additive(): Expr {
    let left = postfix();
    while (isPunct("+") || isPunct("-")) {
      const op = (peek() as { text: string }).text;
      pos++;
      left = { type: "binary", op, left, right: postfix() };
    }
    return left;
  }

  function postfix(): Expr {
    let expr = primary();
    while (isPunct(".")) {
      pos++;
      expr = { type: "member", target: expr, key: ident() };
    }
    return expr;
  }

  function primary(): Expr {
    const t = peek();
    if (!t) return fail("an expression");
    if (t.kind === "string") {
      pos++;
      return { type: "literal", value: t.text };
    }
    if (t.kind === "number") {
      pos++;
      return { type: "literal", value: t.value };
    }
    if (t.kind === "timespan") {
      pos++;
      return { type: "timespan", ms: t.ms };
    }
    if (isPunct("(")) {
      pos++;
      const inner = expression();
      punct(")");
      return inner;
    }
    if (isPunct("-") && peek(1)?.kind === "number") {
      pos++;
      return { type: "literal", value: -(tokens[pos++] as { value: number }).value };
    }
    const name = ident();
    if (name === "true" || name === "false") return { type: "literal", value: name === "true" };
    if (!isPunct("(")) return { type: "column", name };
    pos++;
    if (name === "toscalar") {
      const inner = tabular();
      punct(")");
      return { type: "call", name, args: [], tabular: inner };
    }
    const args: Expr[] = [];
    while (!isPunct(")")) {
      args.push(expression());
      if (isPunct(",")) pos++;
    }
    punct(")");
    // Log search alerts accept ago() with a timespan literal only (Azure Monitor docs).
    if (name === "ago" && (args.length !== 1 || args[0].type !== "timespan")) {
      throw new Error("KQL: ago() takes a timespan literal (e.g. ago(1h)) in log search alerts, not a name or an expression");
    }
    return { type: "call", name, args };
  }

  const lets: Let[] = [];
  while (isWord("let")) {
    pos++;
    const name = ident();
    punct("=");
    const next = peek();
    const isTabular = tabularStarts() || (next?.kind === "ident" && next.text !== "toscalar" && (isPunct("|", peek(1)) || isPunct(";", peek(1))));
    lets.push(isTabular ? { name, tabular: tabular() } : { name, scalar: expression() });
    punct(";");
  }
  const body = tabular();
  if (pos !== tokens.length) fail("the end of the query");
  return { lets, body };
}
