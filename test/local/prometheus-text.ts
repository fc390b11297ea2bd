// Reads the forwarder's /metrics (Prometheus text format) into one total per metric name, summed over
// labels: the progress view needs "tuples sent", not "tuples sent per kind".

export type MetricTotals = ReadonlyMap<string, number>;

export function sumByName(text: string): MetricTotals {
  const totals = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    // `name{label="value",...} 12` or `name 12`; label values cannot hold a newline.
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{.*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    if (Number.isFinite(value)) totals.set(match[1], (totals.get(match[1]) ?? 0) + value);
  }
  return totals;
}

/** The forwarder's metrics, or undefined while it is not (yet, or any more) serving them. */
export async function scrapeMetrics(port: number): Promise<MetricTotals | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? sumByName(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}
