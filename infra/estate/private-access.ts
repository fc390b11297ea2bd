// Private mode's places: where every storage account's blob private endpoint is made (the endpoints'
// subnet, in that subnet's subscription, in the stack's group there, through that subscription's
// provider), the DNS zone the stack creates for them when dns is "stack" and no zone is given, and the
// records the endpoints got (for a network team that makes them by hand).
import * as pulumi from "@pulumi/pulumi";
import type { PrivateNetworking } from "../config/private-networking-config";
import { BlobPrivateDnsZone } from "../network/private-dns";
import type { PrivateBlobAccess } from "../storage/private-endpoint";
import type { Subscriptions } from "./subscriptions";

/**
 * How every account is reached; `resolvable` is what the forwarder's names need besides the endpoints
 * (the zone and its VNet link, when the stack makes them).
 */
export function privateBlobAccess(
  parent: pulumi.Resource,
  network: PrivateNetworking,
  location: string,
  subscriptions: Subscriptions,
  tags: Record<string, string>,
): { access: PrivateBlobAccess; resolvable: pulumi.Resource[] } {
  const subscriptionId = network.privateEndpointSubnet.subscriptionId;
  const provider = subscriptions.provider(subscriptionId);
  const resourceGroupName = subscriptions.resourceGroup(subscriptionId).name;
  const zone =
    network.dns === "stack" && !network.privateDnsZoneId
      ? new BlobPrivateDnsZone(
          "blob-dns",
          { zoneName: network.blobDnsZoneName, resourceGroupName, vnetId: network.containerAppsSubnet.vnetId, tags },
          { parent, providers: [provider] },
        )
      : undefined;
  const dnsZoneId = network.dns === "stack" ? (network.privateDnsZoneId ?? zone!.zoneId) : undefined;
  const access = { subnetId: network.privateEndpointSubnet.id, location, resourceGroupName, provider, ...(dnsZoneId ? { dnsZoneId } : {}) };
  return { access, resolvable: zone?.resolvable ?? [] };
}

interface DnsConfig {
  readonly fqdn?: string;
  readonly ipAddresses?: readonly string[];
}

/** FQDN -> private IPs of each account's blob endpoint, sorted, as Azure reports them once made. */
export function privateDnsRecords(stores: ReadonlyArray<{ readonly privateEndpoint?: { readonly customDnsConfigs: pulumi.Output<unknown> } }>) {
  return pulumi.all(stores.map((s) => s.privateEndpoint?.customDnsConfigs)).apply((all) => {
    const configs = (all as Array<readonly DnsConfig[] | undefined>).flatMap((c) => c ?? []);
    const records = configs.filter((c) => c.fqdn).map((c) => [c.fqdn!, [...(c.ipAddresses ?? [])].sort()] as const);
    return Object.fromEntries(records.sort(([a], [b]) => a.localeCompare(b)));
  });
}
