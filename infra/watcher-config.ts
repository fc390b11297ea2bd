// Parses `networkWatchers`: region -> ARM id of the existing Network Watcher to use there, for
// organisations whose watcher is not Azure's automatic `NetworkWatcher_<region>` in `NetworkWatcherRG`
// (there is one per subscription and region, so creating another fails). Regions not listed keep the
// `networkWatcher` mode. The id's region can only be checked against Azure: network-watcher.ts does
// that when it reads the watcher, naming the same key.
import { isAzureRegion, normalizeRegion } from "./regions";

export interface ConfiguredWatcher {
  /** The config key, e.g. `networkWatchers.westeurope`. */
  readonly key: string;
  readonly id: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const WATCHER_ID =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourceGroups\/([-\w.()]{0,89}[-\w()])\/providers\/Microsoft\.Network\/networkWatchers\/([A-Za-z0-9](?:[-\w.]{0,78}\w)?)$/i;
const EXPECTED_ID = "the ARM id /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/networkWatchers/<name> of the watcher in that region";
const show = (v: unknown): string => JSON.stringify(v);

/** `raw` is the JSON the engine passes; `subscriptionId` the targets' (undefined when unknown). */
export function parseNetworkWatchers(
  raw: string | undefined,
  subscriptionId: string | undefined,
  targetRegions: readonly string[],
  problems: string[],
  warnings: string[],
): Readonly<Record<string, ConfiguredWatcher>> {
  if (raw === undefined || raw.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(
      `networkWatchers: found ${show(value)}, expected an object mapping a region to a watcher id, e.g. {"westeurope": "/subscriptions/.../networkWatchers/nw-weu"}`,
    );
    return {};
  }
  const watchers: Record<string, ConfiguredWatcher> = {};
  for (const [region, id] of Object.entries(value as Record<string, unknown>)) {
    const key = `networkWatchers.${region}`;
    if (!isAzureRegion(region)) {
      problems.push(`${key}: found the key ${show(region)}, expected an Azure region name such as westeurope`);
      continue;
    }
    const m = typeof id === "string" ? WATCHER_ID.exec(id.trim()) : null;
    if (!m) {
      problems.push(`${key}: found ${show(id)}, expected ${EXPECTED_ID}`);
      continue;
    }
    if (subscriptionId !== undefined && m[1].toLowerCase() !== subscriptionId) {
      problems.push(
        `${key}: found subscription ${m[1].toLowerCase()}, expected ${subscriptionId} (the targets'): a flow log lives in its target's subscription`,
      );
      continue;
    }
    const normalized = normalizeRegion(region);
    if (!targetRegions.includes(normalized)) warnings.push(`${key} is set but no target is in ${normalized}: it is not used.`);
    watchers[normalized] = { key, id: (id as string).trim(), resourceGroup: m[2], name: m[3] };
  }
  return watchers;
}
