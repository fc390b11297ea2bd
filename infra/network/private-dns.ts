// Private mode with dns "stack" and no privateDnsZoneId: the `privatelink.blob.<suffix>` zone the
// storage accounts' private endpoints register in, linked to the virtual network the forwarder resolves
// names from (the Container Apps subnet's, with Azure-provided DNS). Outside a landing zone nothing
// else would make these records.
//
// Never under Azure Landing Zones: there the platform's Deploy-Private-DNS-Zones policy registers
// endpoints in the central zone, and Audit-PeDnsZones flags `privatelink.*` zones made in workload
// subscriptions (dns "policy"). A VNet can be linked to one zone of a name only: when it already is
// (a hub's zone), give that zone's id (privateDnsZoneId) instead.
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as pulumi from "@pulumi/pulumi";

export interface BlobPrivateDnsZoneArgs {
  /** `privatelink.blob.<storage suffix of the cloud>`. Change replaces the zone. */
  readonly zoneName: string;
  /** Resource group of the zone (the stack's, in the endpoints' subscription). Change replaces it. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** ARM id of the VNet to link (records resolve there). Change replaces the link. */
  readonly vnetId: string;
  /** Tags. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Name of the zone's link to a VNet: one per VNet, from its name (at most 80 characters). */
export function vnetLinkName(vnetId: string): string {
  return `link-${vnetId.split("/").pop()}`.slice(0, 80);
}

export class BlobPrivateDnsZone extends pulumi.ComponentResource {
  /** ARM id of the zone, for the endpoints' zone groups. */
  public readonly zoneId: pulumi.Output<string>;
  /** The zone and its link: names resolve once both exist. */
  public readonly resolvable: pulumi.Resource[];

  constructor(name: string, args: BlobPrivateDnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:BlobPrivateDnsZone", name, args, opts);
    const zone = new privatedns.PrivateZone(
      `${name}-zone`,
      { privateZoneName: args.zoneName, resourceGroupName: args.resourceGroupName, location: "Global", tags: args.tags },
      { parent: this },
    );
    const link = new privatedns.VirtualNetworkLink(
      `${name}-link`,
      {
        privateZoneName: zone.name,
        resourceGroupName: args.resourceGroupName,
        virtualNetworkLinkName: vnetLinkName(args.vnetId),
        location: "Global",
        // The endpoints' records come from their zone groups; nothing in the VNet registers itself here.
        registrationEnabled: false,
        virtualNetwork: { id: args.vnetId },
        tags: args.tags,
      },
      { parent: this },
    );
    this.zoneId = zone.id;
    this.resolvable = [zone, link];
    this.registerOutputs({ zoneId: this.zoneId });
  }
}
