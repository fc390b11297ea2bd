// Parses `targets`: the list of {id, location, flowLogName?} the stack turns flow logs on for.
// Appends "key: found ..., expected ..." problems and the NSG retirement warnings; config.ts reports them.
import { EXPECTED_TARGET_ID, familyOf, parseTargetId, type FlowLogFamily, type TargetKind } from "./arm-id";
import { isAzureRegion, normalizeRegion } from "./regions";

export const NSG_RETIREMENT_WARNING = "Azure blocks the creation of new NSG flow logs since 2025-06-30 and retires all NSG flow logs on 2027-09-30";

const FLOW_LOG_NAME = /^[A-Za-z0-9](?:[-\w.]{0,78}\w)?$/;
const show = (v: unknown): string => JSON.stringify(v);

export interface Target {
  /** Where it came from in the configuration, e.g. `targets[2]`. */
  readonly key: string;
  readonly id: string;
  /** Normalized region name, e.g. `westeurope`. */
  readonly location: string;
  readonly kind: TargetKind;
  readonly family: FlowLogFamily;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  /** Name of the flow log under the Network Watcher; set it to adopt an existing flow log. */
  readonly flowLogName?: string;
}

/** `raw` is the JSON the engine passes; `stackSubscription` is azure-native:subscriptionId if set. */
export function parseTargets(raw: string | undefined, stackSubscription: string | undefined, problems: string[], warnings: string[]): Target[] {
  const expectedList = 'a non-empty list of {id, location}, e.g. [{"id": "/subscriptions/.../virtualNetworks/vnet1", "location": "westeurope"}]';
  if (raw === undefined || raw.trim() === "") {
    problems.push(`targets: found nothing, expected ${expectedList}`);
    return [];
  }
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    problems.push(`targets: found ${show(raw)}, expected ${expectedList}`);
    return [];
  }
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`targets: found ${show(list)}, expected ${expectedList}`);
    return [];
  }
  const targets: Target[] = [];
  const seen = new Map<string, string>();
  list.forEach((item: unknown, i) => {
    const key = `targets[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      problems.push(`${key}: found ${show(item)}, expected an object {id, location}`);
      return;
    }
    const fields = item as Record<string, unknown>;
    for (const extra of Object.keys(fields).filter((k) => !["id", "location", "flowLogName"].includes(k))) {
      problems.push(`${key}.${extra}: found an unknown field, expected only id, location and flowLogName`);
    }
    const { id, location, flowLogName } = fields;
    let ok = true;
    if (typeof location !== "string" || !isAzureRegion(location)) {
      problems.push(`${key}.location: found ${show(location)}, expected the Azure region of the target, e.g. westeurope`);
      ok = false;
    }
    if (flowLogName !== undefined && (typeof flowLogName !== "string" || !FLOW_LOG_NAME.test(flowLogName))) {
      problems.push(`${key}.flowLogName: found ${show(flowLogName)}, expected 1-80 letters, digits, '-', '_' or '.'`);
      ok = false;
    }
    if (typeof id !== "string") {
      problems.push(`${key}.id: found ${show(id)}, expected ${EXPECTED_TARGET_ID}`);
      return;
    }
    const parsed = parseTargetId(id.trim());
    if ("error" in parsed) {
      problems.push(`${key}.id: ${parsed.error}`);
      return;
    }
    const duplicateOf = seen.get(id.trim().toLowerCase());
    if (duplicateOf !== undefined) {
      problems.push(`${key}.id: found the same resource as ${duplicateOf}.id, expected each target once (Azure allows one flow log per resource)`);
      return;
    }
    seen.set(id.trim().toLowerCase(), key);
    const expectedSubscription = stackSubscription ?? targets[0]?.subscriptionId;
    if (expectedSubscription !== undefined && parsed.subscriptionId !== expectedSubscription) {
      problems.push(
        `${key}.id: found subscription ${parsed.subscriptionId}, expected ${expectedSubscription} ` +
          `(${stackSubscription ? "azure-native:subscriptionId" : "the subscription of targets[0]"}): one stack covers one subscription`,
      );
      return;
    }
    if (!ok) return;
    if (parsed.kind === "nsg") {
      warnings.push(
        `${key} targets the NSG ${parsed.name}: ${NSG_RETIREMENT_WARNING}. Creating this flow log fails unless it already ` +
          `exists and is adopted (set ${key}.flowLogName to its name and \`pulumi import\` it). For new coverage, target the ` +
          "virtual network or subnet this NSG protects instead (VNet flow logs).",
      );
    }
    targets.push({
      key,
      id: id.trim(),
      location: normalizeRegion(location as string),
      kind: parsed.kind,
      family: familyOf(parsed.kind),
      subscriptionId: parsed.subscriptionId,
      resourceGroup: parsed.resourceGroup,
      name: parsed.name,
      ...(typeof flowLogName === "string" ? { flowLogName } : {}),
    });
  });
  return targets;
}
