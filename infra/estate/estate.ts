// How resolved targets map onto what the stack deploys: flow logs per target subscription and region
// (under that subscription's watcher of the region), and flow-log accounts per region in the
// targets' subscription or in the central one (flowLogStorageSubscriptionId). Azure requires a flow
// log's account in its target's region and tenant, not its subscription. Pure functions.
import type { Target } from "../config/targets";
import { containersInUse } from "../storage/sas";

/** Where the flow logs of one subscription and region go. */
export interface FlowLogGroup {
  /** Logical-name base: `<region>`, or `<region>-<subscription>` outside the shared subscription. */
  readonly name: string;
  readonly subscriptionId: string;
  readonly region: string;
  readonly targets: readonly Target[];
  /** The account they write to. */
  readonly storage: StorageGroup;
}

/** One flow-log account: a subscription and region. */
export interface StorageGroup {
  readonly name: string;
  readonly subscriptionId: string;
  readonly region: string;
  /** Containers its flow logs write to, sorted. */
  readonly containers: readonly string[];
}

export interface Estate {
  readonly flowLogGroups: readonly FlowLogGroup[];
  readonly storageGroups: readonly StorageGroup[];
  /** Every subscription holding targets or accounts, sorted. */
  readonly subscriptions: readonly string[];
}

/**
 * Names in the shared subscription are those of the single-subscription stack (`westeurope`), so an
 * upgraded stack keeps its URNs; other subscriptions' carry the subscription, which is unique.
 */
export function groupName(region: string, subscriptionId: string, sharedSubscriptionId: string): string {
  return subscriptionId === sharedSubscriptionId ? region : `${region}-${subscriptionId}`;
}

const byPlace = (a: { subscriptionId: string; region: string }, b: { subscriptionId: string; region: string }): number =>
  a.subscriptionId.localeCompare(b.subscriptionId) || a.region.localeCompare(b.region);

export function groupEstate(targets: readonly Target[], sharedSubscriptionId: string, storageSubscriptionId?: string): Estate {
  const storageOf = (t: Target): string => storageSubscriptionId ?? t.subscriptionId;
  const places = <K extends string>(key: (t: Target) => K): Map<K, Target[]> => {
    const map = new Map<K, Target[]>();
    for (const t of targets) map.set(key(t), [...(map.get(key(t)) ?? []), t]);
    return map;
  };
  const storageGroups = [...places((t) => `${storageOf(t)}/${t.location}`).values()]
    .map((members): StorageGroup => {
      const { location: region } = members[0];
      const subscriptionId = storageOf(members[0]);
      return {
        name: groupName(region, subscriptionId, sharedSubscriptionId),
        subscriptionId,
        region,
        containers: containersInUse(members.map((t) => t.family)),
      };
    })
    .sort(byPlace);
  const flowLogGroups = [...places((t) => `${t.subscriptionId}/${t.location}`).values()]
    .map((members): FlowLogGroup => {
      const { subscriptionId, location: region } = members[0];
      const storage = storageGroups.find((s) => s.subscriptionId === storageOf(members[0]) && s.region === region)!;
      return { name: groupName(region, subscriptionId, sharedSubscriptionId), subscriptionId, region, targets: members, storage };
    })
    .sort(byPlace);
  const subscriptions = [...new Set([...flowLogGroups, ...storageGroups].map((g) => g.subscriptionId))].sort();
  return { flowLogGroups, storageGroups, subscriptions };
}
