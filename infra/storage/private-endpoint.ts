// Private mode (`privateNetworking`): how an account is reached once its public endpoint is off. One
// private endpoint for blob per account, in the endpoints' subnet (its own subscription and region,
// which may differ from the account's: an endpoint reaches an account in any region of the tenant);
// the forwarder reads and writes through it with its identity. Nothing else needs the data plane:
// Network Watcher writes flow logs through the trusted-services exception, and the deployer only
// calls ARM.
//
// DNS: with dns "policy" (Azure Landing Zones) no zone group is made, on purpose: the platform's
// Deploy-Private-DNS-Zones policy adds one (`deployedByPolicy`) pointing at the central zone only when
// the endpoint has none, so one made here would stop it. With dns "stack", a zone group registers the
// endpoint in the given zone.
import * as network from "@pulumi/azure-native/network";
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";

/** Where and how an account's blob private endpoint is made. */
export interface PrivateBlobAccess {
  /** ARM id of the subnet the endpoint goes into. Change replaces the endpoint. */
  readonly subnetId: string;
  /** Region of that subnet's VNet (an endpoint is in its VNet's region). Change replaces the endpoint. */
  readonly location: string;
  /** Resource group of the endpoint: the stack's, in the subnet's subscription. Change replaces it. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** The provider of the subnet's subscription. */
  readonly provider: pulumi.ProviderResource;
  /** Private DNS zone (privatelink.blob.*) to register the endpoint in (dns "stack"); none under dns "policy". */
  readonly dnsZoneId?: pulumi.Input<string>;
}

/**
 * What private mode adds to every account: no public endpoint; network rules that deny everything, with
 * no IP or VNet rule, but (`trustedServices`, the flow-log accounts) Azure's trusted services: Network
 * Watcher writes flow logs through that exception; and two settings Azure Landing Zones' storage
 * guardrails ask for that change nothing here (copies only within the tenant, no SFTP local users). All
 * of them can be changed in place, so switching an existing stack to private mode keeps its accounts
 * and their unread blobs.
 */
export function privateAccountSettings(
  trustedServices: boolean,
): Pick<storage.StorageAccountArgs, "publicNetworkAccess" | "networkRuleSet" | "allowedCopyScope" | "isLocalUserEnabled"> {
  return {
    publicNetworkAccess: storage.PublicNetworkAccess.Disabled,
    networkRuleSet: {
      defaultAction: storage.DefaultAction.Deny,
      bypass: trustedServices ? storage.Bypass.AzureServices : storage.Bypass.None,
      ipRules: [],
      virtualNetworkRules: [],
    },
    allowedCopyScope: storage.AllowedCopyScope.AAD,
    isLocalUserEnabled: false,
  };
}

/** The endpoint's name in Azure, from the account's (names are unique per group). */
export function privateEndpointName(accountName: string): string {
  return `pe-${accountName}-blob`;
}

/**
 * The account's blob private endpoint (and its zone group with dns "stack") as children of `parent`;
 * returns them, for whatever must wait until the account is reachable.
 */
export function blobPrivateEndpoint(
  parent: pulumi.Resource,
  name: string,
  account: storage.StorageAccount,
  access: PrivateBlobAccess,
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>,
): { endpoint: network.PrivateEndpoint; reachable: pulumi.Resource[] } {
  const opts = { parent, provider: access.provider };
  const endpoint = new network.PrivateEndpoint(
    `${name}-blob-endpoint`,
    {
      privateEndpointName: account.name.apply(privateEndpointName),
      customNetworkInterfaceName: account.name.apply((n) => `${privateEndpointName(n)}-nic`),
      resourceGroupName: access.resourceGroupName,
      location: access.location,
      subnet: { id: access.subnetId },
      privateLinkServiceConnections: [{ name: "blob", privateLinkServiceId: account.id, groupIds: ["blob"] }],
      tags,
    },
    opts,
  );
  if (access.dnsZoneId === undefined) return { endpoint, reachable: [endpoint] };
  const zoneGroup = new network.PrivateDnsZoneGroup(
    `${name}-blob-dns`,
    {
      privateEndpointName: endpoint.name,
      resourceGroupName: access.resourceGroupName,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: "blob", privateDnsZoneId: access.dnsZoneId }],
    },
    opts,
  );
  return { endpoint, reachable: [endpoint, zoneGroup] };
}
