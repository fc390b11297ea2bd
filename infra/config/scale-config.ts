// `forwarderScale`: how many forwarder replicas may run. At most one (the default) is polling mode,
// the forwarder listing its sources every 30 s; a maximum above one turns event mode on (Event Grid
// system topics deliver the flow-log accounts' BlobCreated events to a queue, replicas share it and
// Container Apps scales them on its length).

import { readConfigObject } from "./config-object";

/** Container Apps' ceiling for one app's replicas is far above what an estate needs; this bounds a typo. */
export const MAX_FORWARDER_REPLICAS = 100;

export interface ForwarderScale {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** maxReplicas > 1: replicas share the sources, driven by blob events. */
  readonly eventMode: boolean;
}

export const DEFAULT_FORWARDER_SCALE: ForwarderScale = { minReplicas: 1, maxReplicas: 1, eventMode: false };

const EXPECTED = `an object {minReplicas, maxReplicas} of whole numbers with 1 <= minReplicas <= maxReplicas <= ${MAX_FORWARDER_REPLICAS}, e.g. {"minReplicas": 1, "maxReplicas": 4}`;

/** Parses the key (JSON from the engine); an unset key is polling mode with exactly one replica. */
export function parseForwarderScale(raw: string | undefined, problems: string[]): ForwarderScale {
  const before = problems.length;
  const fields = readConfigObject("forwarderScale", raw, EXPECTED, problems);
  if (fields === undefined) return DEFAULT_FORWARDER_SCALE;
  for (const key of Object.keys(fields)) {
    if (key !== "minReplicas" && key !== "maxReplicas")
      problems.push(`forwarderScale.${key}: found an unknown field, expected only minReplicas and maxReplicas`);
  }
  const whole = (key: "minReplicas" | "maxReplicas"): number | undefined => {
    // `pulumi config set --path forwarderScale.maxReplicas 4` may store the number as a string.
    const given = fields[key];
    const n = typeof given === "string" && /^\d+$/.test(given) ? Number(given) : given;
    if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_FORWARDER_REPLICAS) return n;
    problems.push(
      `forwarderScale.${key}: found ${n === undefined ? "nothing" : JSON.stringify(n)}, expected a whole number from 1 to ${MAX_FORWARDER_REPLICAS}` +
        // Scale to zero would leave no replica to run the reconciliation listing, and KEDA wakes none for a lost event.
        (key === "minReplicas" && n === 0 ? " (a replica must stay up: it runs the listing that catches events that never came)" : ""),
    );
    return undefined;
  };
  const minReplicas = whole("minReplicas");
  const maxReplicas = whole("maxReplicas");
  if (minReplicas !== undefined && maxReplicas !== undefined && minReplicas > maxReplicas) {
    problems.push(`forwarderScale: found minReplicas ${minReplicas} above maxReplicas ${maxReplicas}, expected minReplicas <= maxReplicas`);
  }
  if (problems.length > before) return DEFAULT_FORWARDER_SCALE;
  return { minReplicas: minReplicas!, maxReplicas: maxReplicas!, eventMode: maxReplicas! > 1 };
}
