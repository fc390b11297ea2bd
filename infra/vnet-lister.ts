// Lists the virtual networks of a subscription or resource group, for `{scope}` target selections.
//
// Why ARM's REST API and not an invoke: azure-native 3.x has no function listing the VNets of a
// scope (resources/, network/ and resourcegraph/ have none). The token is the deploying identity's
// own (azure-native's getClientToken in `pulumi up`, the local credential in `npm run plan`), so
// the listing sees what the deployment may touch. Paging, retries and errors are arm-list.ts's.
import { ArmListError, DEFAULT_RETRY, listAll, type RetryPolicy } from "./arm-list";
import { normalizeRegion } from "./regions";

/** ARM api-version of the Microsoft.Network list calls. */
export const NETWORK_API_VERSION = "2024-05-01";

export interface ListedVnet {
  readonly id: string;
  /** Normalized region, as ARM reports it. */
  readonly location: string;
}

/** A scope's VNets, or why they could not be looked up without failing (npm run plan without credentials). */
export type ScopeListing = { readonly vnets: readonly ListedVnet[] } | { readonly unresolved: string };

export interface VnetLister {
  /** `scope` is `/subscriptions/<guid>[/resourceGroups/<group>]`; rejects with an ArmListError. */
  list(scope: string): Promise<ScopeListing>;
}

/** Gives an ARM bearer token. */
export type TokenSource = () => Promise<string>;

export class ArmVnetLister implements VnetLister {
  constructor(
    private readonly endpoint: string,
    private readonly token: TokenSource,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async list(scope: string): Promise<ScopeListing> {
    const url = `${this.endpoint}${scope}/providers/Microsoft.Network/virtualNetworks?api-version=${NETWORK_API_VERSION}`;
    const entries = (await listAll(url, await this.token(), { what: "VNets", scope }, this.retry)) as Array<{ id?: unknown; location?: unknown }>;
    const vnets = entries.map((vnet) => {
      if (typeof vnet.id !== "string" || typeof vnet.location !== "string") {
        throw new ArmListError(`listing the VNets of ${scope} returned an entry without id or location: ${JSON.stringify(vnet).slice(0, 200)}`);
      }
      return { id: vnet.id, location: normalizeRegion(vnet.location) };
    });
    return { vnets };
  }
}
