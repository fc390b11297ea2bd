// One Microsoft.Network resource read by id from Azure Resource Manager, with the deploying
// identity's token and arm-list.ts's retries: the base of the readers that check a target's region
// (target-locations.ts) and the private subnets' VNets (network-reader.ts) at preview time.
import { DEFAULT_RETRY, getResource, type RetryPolicy } from "./arm-list";
import { NETWORK_API_VERSION, type TokenSource } from "./vnet-lister";

export class NetworkResourceReader {
  constructor(
    private readonly endpoint: string,
    private readonly token: TokenSource,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** The resource's ARM document; rejects with an ArmListError for what ARM answers, or the token's error. */
  protected async read(id: string, what: string): Promise<unknown> {
    return getResource(`${this.endpoint}${id}?api-version=${NETWORK_API_VERSION}`, await this.token(), { what, scope: id }, this.retry);
  }
}
