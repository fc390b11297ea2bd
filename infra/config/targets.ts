// Parses `targets`: the list of {id, location, flowLogName?} the stack turns flow logs on for, and of
// {scope, location?} selections (every VNet of a subscription or resource group), which
// target-selection.ts resolves before anything is registered. Targets may be in any subscription of
// the tenant. Appends "key: found ..., expected ..." problems and the NSG retirement warnings;
// config.ts reports them.
import { EXPECTED_TARGET_ID, familyOf, parseTargetId, type FlowLogFamily, type TargetKind } from "./arm-id";
import { isAzureRegion, normalizeRegion } from "./regions";
import { regionConflicts } from "./target-regions";

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
  /** For a subnet: the name of its virtual network. */
  readonly parentName?: string;
  /** Name of the flow log under the Network Watcher; set it to adopt an existing flow log. */
  readonly flowLogName?: string;
}

/** A `{scope, location?}` entry: every virtual network of a subscription or resource group. */
export interface ScopeSelection {
  /** Where it came from in the configuration, e.g. `targets[3]`. */
  readonly key: string;
  /** The scope as ARM writes it: `/subscriptions/<guid>[/resourceGroups/<group>]`. */
  readonly scope: string;
  readonly subscriptionId: string;
  readonly resourceGroup?: string;
  /** Only the virtual networks of this region (normalized); all regions when absent. */
  readonly location?: string;
}

export interface ParsedTargets {
  readonly targets: Target[];
  readonly scopes: ScopeSelection[];
}

const SCOPE = /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/resourceGroups\/([-\w.()]{0,89}[-\w()]))?\/?$/i;
const EXPECTED_SCOPE = "/subscriptions/<guid> (every VNet of the subscription) or /subscriptions/<guid>/resourceGroups/<group> (every VNet of the group)";

function parseScope(key: string, fields: Record<string, unknown>, problems: string[]): ScopeSelection | undefined {
  for (const extra of Object.keys(fields).filter((k) => !["scope", "location"].includes(k))) {
    problems.push(
      extra === "id" || extra === "flowLogName"
        ? `${key}.${extra}: found next to scope, expected either {id, location, flowLogName?} (one resource) or {scope, location?} (every VNet of a scope). Choose a single approach.`
        : `${key}.${extra}: found an unknown field, expected only scope and location`,
    );
  }
  const { scope, location } = fields;
  const m = typeof scope === "string" ? SCOPE.exec(scope.trim()) : null;
  if (!m) {
    problems.push(`${key}.scope: found ${show(scope)}, expected ${EXPECTED_SCOPE}`);
    return undefined;
  }
  if (location !== undefined && (typeof location !== "string" || !isAzureRegion(location))) {
    problems.push(
      `${key}.location: found ${show(location)}, expected an Azure region such as westeurope to select only its VNets, or no location for all regions`,
    );
    return undefined;
  }
  const subscriptionId = m[1].toLowerCase();
  return {
    key,
    scope: `/subscriptions/${subscriptionId}${m[2] ? `/resourceGroups/${m[2]}` : ""}`,
    subscriptionId,
    ...(m[2] ? { resourceGroup: m[2] } : {}),
    ...(typeof location === "string" ? { location: normalizeRegion(location) } : {}),
  };
}

/** `raw` is the JSON the engine passes. */
export function parseTargets(raw: string | undefined, problems: string[], warnings: string[]): ParsedTargets {
  const expectedList =
    'a non-empty list of {id, location} or {scope, location?}, e.g. [{"id": "/subscriptions/.../virtualNetworks/vnet1", "location": "westeurope"}]';
  const none = { targets: [], scopes: [] };
  if (raw === undefined || raw.trim() === "") {
    problems.push(`targets: found nothing, expected ${expectedList}`);
    return none;
  }
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    problems.push(`targets: found ${show(raw)}, expected ${expectedList}`);
    return none;
  }
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`targets: found ${show(list)}, expected ${expectedList}`);
    return none;
  }
  const targets: Target[] = [];
  const scopes: ScopeSelection[] = [];
  const seen = new Map<string, string>();
  list.forEach((item: unknown, i) => {
    const key = `targets[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      problems.push(`${key}: found ${show(item)}, expected an object {id, location} or {scope, location?}`);
      return;
    }
    const fields = item as Record<string, unknown>;
    if ("scope" in fields) {
      const selection = parseScope(key, fields, problems);
      const duplicateOf = selection && scopes.find((s) => s.scope.toLowerCase() === selection.scope.toLowerCase() && s.location === selection.location);
      if (duplicateOf) problems.push(`${key}.scope: found the same selection as ${duplicateOf.key}, expected each scope once`);
      else if (selection) scopes.push(selection);
      return;
    }
    for (const extra of Object.keys(fields).filter((k) => !["id", "location", "flowLogName"].includes(k))) {
      problems.push(`${key}.${extra}: found an unknown field, expected only id, location and flowLogName (or scope and location)`);
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
      ...(parsed.parentName !== undefined ? { parentName: parsed.parentName } : {}),
      ...(typeof flowLogName === "string" ? { flowLogName } : {}),
    });
  });
  problems.push(...regionConflicts(targets));
  return { targets, scopes };
}
