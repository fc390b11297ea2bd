// Parses `networkWatchers`: the existing Network Watcher to use per subscription and region, for
// organisations whose watcher is not Azure's automatic `NetworkWatcher_<region>` in `NetworkWatcherRG`
// (there is one per subscription and region, so creating another fails). Two forms:
//   {"<subscription guid>": {"<region>": "<watcher id>"}}  any subscription of the estate;
//   {"<region>": "<watcher id>"}                           the default subscription (the form before estates).
// Pairs not listed keep the `networkWatcher` mode. The id's region can only be checked against Azure:
// network-watcher.ts does that when it reads the watcher, naming the same key.
import { readConfigObject } from "./config-object";
import { GUID } from "./arm-id";
import { isAzureRegion, normalizeRegion } from "./regions";

export interface ConfiguredWatcher {
  /** The config key, e.g. `networkWatchers.westeurope` or `networkWatchers.<subscription>.westeurope`. */
  readonly key: string;
  readonly id: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** Subscription -> region -> the watcher to read there. */
export type ConfiguredWatchers = Readonly<Record<string, Readonly<Record<string, ConfiguredWatcher>>>>;

const WATCHER_ID =
  /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourceGroups\/([-\w.()]{0,89}[-\w()])\/providers\/Microsoft\.Network\/networkWatchers\/([A-Za-z0-9](?:[-\w.]{0,78}\w)?)$/i;
const EXPECTED_ID = "the ARM id /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/networkWatchers/<name> of the watcher in that region";
const EXPECTED_OBJECT =
  'an object mapping a subscription to regions and watcher ids, e.g. {"<subscription guid>": {"westeurope": "/subscriptions/.../networkWatchers/nw-weu"}}';
const show = (v: unknown): string => JSON.stringify(v);

/** `raw` is the JSON the engine passes; `defaultSubscription` the shared resources' (the per-region form's). */
export function parseNetworkWatchers(raw: string | undefined, defaultSubscription: string | undefined, problems: string[]): ConfiguredWatchers {
  const value = readConfigObject("networkWatchers", raw, EXPECTED_OBJECT, problems);
  if (!value) return {};
  const watchers: Record<string, Record<string, ConfiguredWatcher>> = {};
  const add = (subscription: string, region: string, key: string, id: unknown, fix: string): void => {
    const m = typeof id === "string" ? WATCHER_ID.exec(id.trim()) : null;
    if (!m) {
      problems.push(`${key}: found ${show(id)}, expected ${EXPECTED_ID}`);
      return;
    }
    if (m[1].toLowerCase() !== subscription) {
      problems.push(`${key}: found a watcher of subscription ${m[1].toLowerCase()}, expected one of subscription ${subscription} ${fix}`);
      return;
    }
    const earlier = watchers[subscription]?.[region];
    if (earlier) {
      problems.push(
        `${key}: found a second watcher for subscription ${subscription} in ${region}, besides ${earlier.key}; expected one per subscription and region (remove one of them)`,
      );
      return;
    }
    (watchers[subscription] ??= {})[region] = { key, id: (id as string).trim(), resourceGroup: m[2], name: m[3] };
  };
  for (const [outer, inner] of Object.entries(value as Record<string, unknown>)) {
    const key = `networkWatchers.${outer}`;
    if (GUID.test(outer)) {
      if (typeof inner !== "object" || inner === null || Array.isArray(inner)) {
        problems.push(`${key}: found ${show(inner)}, expected an object mapping a region of subscription ${outer.toLowerCase()} to a watcher id`);
        continue;
      }
      for (const [region, id] of Object.entries(inner as Record<string, unknown>)) {
        if (!isAzureRegion(region)) problems.push(`${key}.${region}: found the key ${show(region)}, expected an Azure region name such as westeurope`);
        else add(outer.toLowerCase(), normalizeRegion(region), `${key}.${region}`, id, "(the subscription it is listed under)");
      }
    } else if (!isAzureRegion(outer)) {
      problems.push(`${key}: found the key ${show(outer)}, expected a subscription guid or an Azure region name such as westeurope`);
    } else if (defaultSubscription !== undefined) {
      add(
        defaultSubscription,
        normalizeRegion(outer),
        key,
        inner,
        `(the default subscription, azure-native:subscriptionId); for another subscription's watcher set networkWatchers.<subscription guid>.${outer}`,
      );
    }
  }
  return watchers;
}

/** Warnings for listed watchers no target uses; `used` holds `<subscription>/<region>` pairs. */
export function unusedWatcherWarnings(watchers: ConfiguredWatchers, used: ReadonlySet<string>): string[] {
  return Object.entries(watchers).flatMap(([subscription, regions]) =>
    Object.entries(regions)
      .filter(([region]) => !used.has(`${subscription}/${region}`))
      .map(([region, w]) => `${w.key} is set but no target is in subscription ${subscription} and ${region}: it is not used.`),
  );
}
