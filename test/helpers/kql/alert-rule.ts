// How Azure Monitor evaluates a log search alert rule (kind LogAlert), as far as our rules use it:
// the query runs over the rule's time range (overrideQueryTimeRange, else windowSize) ending now;
// its rows are split by the dimensions given as `*`; each split is measured (Count: its rows; Total:
// the sum of metricMeasureColumn) and compared with the threshold. A query that fails to evaluate
// throws, which Azure reports as a failed evaluation (and disables the rule after a week of them).
import { evaluate, type Row, type Workspace } from "./evaluate";

export interface RuleInputs {
  readonly windowSize: string;
  readonly overrideQueryTimeRange?: string;
  readonly criteria: {
    readonly allOf: ReadonlyArray<{
      readonly query: string;
      readonly timeAggregation: "Count" | "Total";
      readonly metricMeasureColumn?: string;
      readonly dimensions?: ReadonlyArray<{ readonly name: string; readonly operator: string; readonly values: readonly string[] }>;
      readonly operator: "GreaterThan" | "GreaterThanOrEqual" | "LessThan";
      readonly threshold: number;
    }>;
  };
}

export interface Firing {
  /** The split's dimension values (empty without dimensions). */
  readonly dimensions: Readonly<Record<string, unknown>>;
  readonly value: number;
  readonly rows: readonly Row[];
}

/** ISO-8601 duration (PT5M, PT1H, P1D, P2D) in milliseconds. */
export function isoDurationMs(iso: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m) throw new Error(`not an ISO-8601 duration of days, hours and minutes: ${iso}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
}

/** The splits of `rule` that fire on `workspace` at `now`. */
export function evaluateRule(rule: RuleInputs, workspace: Workspace, now: Date): Firing[] {
  const rangeMs = isoDurationMs(rule.overrideQueryTimeRange ?? rule.windowSize);
  const from = now.getTime() - rangeMs;
  const inRange: Workspace = Object.fromEntries(
    Object.entries(workspace).map(([name, t]) => [
      name,
      { columns: t.columns, rows: t.rows.filter((r) => r.TimeGenerated instanceof Date && r.TimeGenerated.getTime() > from && r.TimeGenerated <= now) },
    ]),
  );
  return rule.criteria.allOf.flatMap((criterion) => {
    const result = evaluate(criterion.query, inRange, now);
    const dims = (criterion.dimensions ?? []).filter((d) => d.operator === "Include").map((d) => d.name);
    for (const d of dims) if (!result.columns.includes(d)) throw new Error(`dimension ${d} is not a column of the query's result`);
    const splits = new Map<string, Row[]>();
    for (const row of result.rows) {
      const key = JSON.stringify(dims.map((d) => row[d]));
      splits.set(key, [...(splits.get(key) ?? []), row]);
    }
    if (dims.length === 0 && splits.size === 0) splits.set("[]", []);
    return [...splits.entries()].flatMap(([key, rows]) => {
      const value = criterion.timeAggregation === "Count" ? rows.length : rows.reduce((s, r) => s + Number(r[criterion.metricMeasureColumn!] ?? 0), 0);
      const fires =
        criterion.operator === "GreaterThan"
          ? value > criterion.threshold
          : criterion.operator === "GreaterThanOrEqual"
            ? value >= criterion.threshold
            : value < criterion.threshold;
      const values = JSON.parse(key) as unknown[];
      return fires ? [{ dimensions: Object.fromEntries(dims.map((d, i) => [d, values[i]])), value, rows }] : [];
    });
  });
}
