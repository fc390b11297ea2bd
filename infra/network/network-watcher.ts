// The Network Watcher of one region: adopted (the default) or created by the stack.
//
// Why adopt by reading, not by creating or importing: Azure allows one watcher per subscription and
// region and usually creates `NetworkWatcher_<region>` in `NetworkWatcherRG` by itself. Creating a
// second one fails (NetworkWatcherCountLimitReached), and azure-native refuses to create one that
// exists. Importing it would make the stack its owner (an import with retainOnDelete still lets
// `pulumi up` rewrite its tags, and one forgotten option deletes a watcher other teams' flow logs
// live under). `NetworkWatcher.get` only reads it: the stack never updates or deletes it, and `up`
// fails early with Azure's "not found" when the region has none (then use networkWatcher: create).
// A watcher of another name or group (`networkWatchers.<region>`) is read the same way, by its id,
// and its reported location must be the region it is configured for.
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { normalizeRegion } from "../config/regions";
import type { ConfiguredWatcher } from "../config/watcher-config";

export const ADOPTED_WATCHER_RESOURCE_GROUP = "NetworkWatcherRG";

/** Azure's own naming of the automatic watcher; we use it for created ones too. */
export function watcherName(region: string): string {
  return `NetworkWatcher_${region}`;
}

/** ARM id of the watcher Azure creates automatically in a subscription and region. */
export function adoptedWatcherId(subscriptionId: string, region: string): string {
  return (
    `/subscriptions/${subscriptionId}/resourceGroups/${ADOPTED_WATCHER_RESOURCE_GROUP}` + `/providers/Microsoft.Network/networkWatchers/${watcherName(region)}`
  );
}

/**
 * The name of a configured watcher once Azure has reported its location; throws, naming the config
 * key, when it serves another region (the engine then stops before any flow log depends on it).
 */
export function checkedWatcherName(configured: ConfiguredWatcher, region: string, watcherName: string, location: string | undefined): string {
  if (normalizeRegion(location ?? "") !== region) {
    throw new Error(
      `${configured.key}: found the watcher ${configured.id} in ${JSON.stringify(location)}, expected a watcher in ${region} ` +
        "(there is one per subscription and region; `az network watcher list` shows them)",
    );
  }
  return watcherName;
}

export interface NetworkWatcherArgs {
  /** Region the watcher serves. Changing it means another watcher (replacement). */
  readonly region: string;
  /** "existing" (default): read NetworkWatcher_<region> in NetworkWatcherRG; "create": the stack owns one. */
  readonly mode: "existing" | "create";
  /** `networkWatchers.<region>`: the existing watcher to read instead; overrides `mode`. Default none. */
  readonly configured?: ConfiguredWatcher;
  /** Subscription of the targets; used to build the adopted watcher's id. */
  readonly subscriptionId: string;
  /** Resource group for a created watcher (the stack's in that subscription); required to create, ignored when adopting. Change replaces. */
  readonly resourceGroupName?: pulumi.Input<string>;
  /** Tags of a created watcher; an adopted one is never modified. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class NetworkWatcher extends pulumi.ComponentResource {
  /** The watcher's name: flow logs are its children. */
  public readonly watcherName: pulumi.Output<string>;
  /** The watcher's resource group: flow logs live there. */
  public readonly resourceGroupName: pulumi.Output<string>;
  public readonly watcherId: pulumi.Output<string>;
  /** True when the watcher is read, not owned: `pulumi destroy` leaves it alone. */
  public readonly adopted: boolean;

  constructor(name: string, args: NetworkWatcherArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:NetworkWatcher", name, args, opts);
    this.adopted = args.configured !== undefined || args.mode === "existing";
    if (args.configured) {
      const configured = args.configured;
      const watcher = network.NetworkWatcher.get(`${name}-adopted`, configured.id, { parent: this });
      // Flow logs take the name from here: a watcher in another region stops them before any is created.
      this.watcherName = pulumi
        .all([watcher.name, watcher.location])
        .apply(([watcherName, location]) => checkedWatcherName(configured, args.region, watcherName, location));
      this.resourceGroupName = pulumi.output(configured.resourceGroup);
      this.watcherId = watcher.id;
    } else if (this.adopted) {
      const watcher = network.NetworkWatcher.get(`${name}-adopted`, adoptedWatcherId(args.subscriptionId, args.region), {
        parent: this,
      });
      this.watcherName = watcher.name;
      this.resourceGroupName = pulumi.output(ADOPTED_WATCHER_RESOURCE_GROUP);
      this.watcherId = watcher.id;
    } else {
      if (args.resourceGroupName === undefined) throw new Error(`${name}: creating a Network Watcher needs resourceGroupName`);
      const watcher = new network.NetworkWatcher(
        `${name}-watcher`,
        {
          networkWatcherName: watcherName(args.region),
          resourceGroupName: args.resourceGroupName,
          location: args.region,
          tags: args.tags,
        },
        { parent: this },
      );
      this.watcherName = watcher.name;
      this.resourceGroupName = pulumi.output(args.resourceGroupName);
      this.watcherId = watcher.id;
    }
    this.registerOutputs({ watcherName: this.watcherName, resourceGroupName: this.resourceGroupName, watcherId: this.watcherId });
  }
}
