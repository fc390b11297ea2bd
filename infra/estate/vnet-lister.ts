// Lists what `{scope}` target selections need from Azure: the virtual networks of a subscription or
// resource group, and the flow logs that already exist in a subscription (Azure allows one per
// target, so target-selection.ts skips a selected VNet that has another's).
//
// Why ARM's REST API and not an invoke: azure-native 3.x has no function listing the VNets of a
// scope (resources/, network/ and resourcegraph/ have none), nor the flow logs of a watcher. The
// token is the deploying identity's own (azure-native's getClientToken in `pulumi up`, the local
// credential in `npm run plan`), so the listing sees what the deployment may touch. Paging, retries
// and errors are arm-list.ts's.
import { ArmListError, DEFAULT_RETRY, listAll, type ListSubject, type RetryPolicy } from "./arm-list";
import { normalizeRegion } from "../config/regions";

/** ARM api-version of the Microsoft.Network list calls. */
export const NETWORK_API_VERSION = "2024-05-01";

export interface ListedVnet {
  readonly id: string;
  /** Normalized region, as ARM reports it. */
  readonly location: string;
}

/** A flow log that exists in Azure. */
export interface ExistingFlowLog {
  readonly id: string;
  readonly name: string;
  readonly targetResourceId: string;
}

/** A scope's VNets, or why they could not be looked up without failing (npm run plan without credentials). */
export type ScopeListing = { readonly vnets: readonly ListedVnet[] } | { readonly unresolved: string };

export interface VnetLister {
  /** `scope` is `/subscriptions/<guid>[/resourceGroups/<group>]`; rejects with an ArmListError. */
  list(scope: string): Promise<ScopeListing>;
  /** The flow logs under the subscription's Network Watchers of these regions; rejects with an ArmListError. */
  flowLogs(subscriptionId: string, regions: readonly string[]): Promise<readonly ExistingFlowLog[]>;
}

/** Gives an ARM bearer token. */
export type TokenSource = () => Promise<string>;

/** The string fields `keys` of each entry; an entry without one is an ArmListError. */
function fields<K extends string>(entries: readonly unknown[], keys: readonly K[], subject: ListSubject): Array<Record<K, string>> {
  return entries.map((entry) => {
    const e = entry as Record<string, unknown>;
    if (keys.some((k) => typeof e[k] !== "string")) {
      throw new ArmListError(
        `listing the ${subject.what} of ${subject.scope} returned an entry without ${keys.join(" or ")}: ${JSON.stringify(entry).slice(0, 200)}`,
      );
    }
    return e as Record<K, string>;
  });
}

export class ArmVnetLister implements VnetLister {
  constructor(
    private readonly endpoint: string,
    private readonly token: TokenSource,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  private async listed<K extends string>(path: string, subject: ListSubject, keys: readonly K[], token: string): Promise<Array<Record<K, string>>> {
    const entries = await listAll(`${this.endpoint}${path}?api-version=${NETWORK_API_VERSION}`, token, subject, this.retry);
    return fields(entries, keys, subject);
  }

  async list(scope: string): Promise<ScopeListing> {
    const vnets = await this.listed(`${scope}/providers/Microsoft.Network/virtualNetworks`, { what: "VNets", scope }, ["id", "location"], await this.token());
    return { vnets: vnets.map((v) => ({ id: v.id, location: normalizeRegion(v.location) })) };
  }

  async flowLogs(subscriptionId: string, regions: readonly string[]): Promise<readonly ExistingFlowLog[]> {
    const token = await this.token();
    const scope = `/subscriptions/${subscriptionId}`;
    const watchers = await this.listed(`${scope}/providers/Microsoft.Network/networkWatchers`, { what: "Network Watchers", scope }, ["id", "location"], token);
    const found: ExistingFlowLog[] = [];
    // A flow log lives under the watcher of its target's region: other regions' cannot hold one.
    for (const watcher of watchers.filter((w) => regions.includes(normalizeRegion(w.location)))) {
      const subject = { what: "flow logs", scope: watcher.id };
      const logs = await this.listed(`${watcher.id}/flowLogs`, subject, ["id", "name"], token);
      const targets = fields(
        logs.map((l) => (l as { properties?: unknown }).properties ?? {}),
        ["targetResourceId"],
        subject,
      );
      found.push(...logs.map((l, i) => ({ id: l.id, name: l.name, targetResourceId: targets[i].targetResourceId })));
    }
    return found;
  }
}
