// Checks the `privateNetworking` subnets against Azure BEFORE anything but the providers is
// registered, as the scope listings are (a read, so it runs in preview too): what Azure would refuse
// only half-way through `up`, after the storage accounts and endpoints exist, is an error naming the
// key and the fix here. The Container Apps subnet must be in the environment's region, /27 or larger,
// delegated to Microsoft.App/environments and have an NSG (Container Apps' own requirements, and
// Azure Landing Zones' Deny-Subnet-Without-Nsg); the endpoints' subnet must be in the same region (the
// endpoints are made there) and not delegated. A subnet without a route table only warns: its egress
// then leaves by Azure's default route, not through a hub firewall.
import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";
import type { PrivateNetworking, SubnetRef } from "../config/private-networking-config";
import { StackConfigError } from "../config/stack-config";
import { ArmListError } from "./arm-list";
import { ArmNetworkReader, type NetworkReader, type SubnetFacts, type VirtualNetworkFacts } from "./network-reader";

/** The delegation a Container Apps environment's subnet needs. */
export const CONTAINER_APPS_DELEGATION = "Microsoft.App/environments";
/** The smallest subnet a workload-profile environment accepts. */
export const MIN_CONTAINER_APPS_PREFIX = 27;
/** Where the subnets to prepare are described. */
export const PRIVATE_NETWORKING_DOC = "docs/private-networking.md";

/**
 * How the program reads the subnets' VNets: ARM with the token of the deploying identity, obtained
 * through the stack's provider. `npm run plan` replaces it (no Pulumi engine, no provider there).
 */
export const privateNetworkCheck = {
  reader: (armEndpoint: string, provider: pulumi.ProviderResource): NetworkReader =>
    new ArmNetworkReader(armEndpoint, async () => (await authorization.getClientToken({}, { provider })).token),
};

/** The prefix length of the subnet's first IPv4 prefix, e.g. 27 for 10.0.0.0/27; undefined without one. */
export function ipv4PrefixLength(prefixes: readonly string[]): number | undefined {
  const v4 = prefixes.map((p) => /^\d{1,3}(?:\.\d{1,3}){3}\/(\d{1,2})$/.exec(p.trim())).find((m) => m !== null);
  return v4 ? Number(v4[1]) : undefined;
}

const az = (subnet: SubnetRef, what: string) => `\`az network vnet subnet update --ids ${subnet.id} ${what}\``;

/** The problems of the Container Apps subnet (key-prefixed), and its warnings. */
function containerAppsProblems(ref: SubnetRef, subnet: SubnetFacts, problems: string[], warnings: string[]): void {
  const length = ipv4PrefixLength(subnet.addressPrefixes);
  if (length !== undefined && length > MIN_CONTAINER_APPS_PREFIX) {
    problems.push(
      `${ref.key}: found ${subnet.addressPrefixes.join(", ")} (/${length}), expected /${MIN_CONTAINER_APPS_PREFIX} or larger: a workload-profile ` +
        `environment needs at least 32 addresses; give the subnet a /${MIN_CONTAINER_APPS_PREFIX} (or larger) range, or choose another subnet`,
    );
  }
  if (!subnet.delegations.some((d) => d.toLowerCase() === CONTAINER_APPS_DELEGATION.toLowerCase())) {
    problems.push(
      `${ref.key}: found the subnet delegated to ${subnet.delegations.length === 0 ? "nothing" : subnet.delegations.join(", ")}, expected a delegation ` +
        `to ${CONTAINER_APPS_DELEGATION} (the environment's subnet is dedicated to it): ${az(ref, `--delegations ${CONTAINER_APPS_DELEGATION}`)}`,
    );
  }
  if (!subnet.networkSecurityGroupId) {
    problems.push(
      `${ref.key}: found no network security group on the subnet, expected one (Azure Landing Zones deny subnets without it, and ` +
        `${PRIVATE_NETWORKING_DOC} lists the rules the environment needs): ${az(ref, "--network-security-group <nsg id>")}`,
    );
  }
  if (!subnet.routeTableId) {
    warnings.push(
      `${ref.key}: the subnet has no route table, so the forwarder's egress leaves by Azure's default route rather than through ` +
        `a hub firewall; to inspect it, route 0.0.0.0/0 to the firewall and allow what ${PRIVATE_NETWORKING_DOC} lists.`,
    );
  }
}

function privateEndpointProblems(ref: SubnetRef, subnet: SubnetFacts, problems: string[]): void {
  if (subnet.delegations.length > 0) {
    problems.push(
      `${ref.key}: found the subnet delegated to ${subnet.delegations.join(", ")}, expected a subnet without delegation: private endpoints ` +
        "cannot go into a delegated subnet; choose another subnet, or remove its delegation",
    );
  }
}

/** Reads each VNet once; throws StackConfigError naming the key of every problem, returns warnings. */
export async function checkPrivateNetwork(network: PrivateNetworking, location: string, reader: NetworkReader): Promise<{ warnings: string[] }> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const subnets = [network.containerAppsSubnet, network.privateEndpointSubnet];
  const vnets = new Map<string, VirtualNetworkFacts | undefined>();
  for (const vnetId of [...new Set(subnets.map((s) => s.vnetId.toLowerCase()))]) {
    const keys = subnets.filter((s) => s.vnetId.toLowerCase() === vnetId);
    try {
      const reading = await reader.virtualNetwork(keys[0].vnetId);
      if ("unresolved" in reading) {
        warnings.push(`privateNetworking: the subnets were not checked against Azure: ${reading.unresolved}.`);
        return { warnings };
      }
      vnets.set(vnetId, reading.vnet);
    } catch (error) {
      if (!(error instanceof ArmListError)) throw error;
      problems.push(`${keys.map((k) => k.key).join(", ")}: ${error.message}`);
    }
  }
  for (const ref of subnets) {
    const vnet = vnets.get(ref.vnetId.toLowerCase());
    if (!vnet) continue;
    const subnet = vnet.subnets.find((s) => s.name.toLowerCase() === ref.name.toLowerCase());
    if (!subnet) {
      problems.push(
        `${ref.key}: found no subnet ${ref.name} in the virtual network ${ref.vnetId}, expected an existing subnet: create it first (${PRIVATE_NETWORKING_DOC}, "Subnets to prepare")`,
      );
      continue;
    }
    if (vnet.location !== location) {
      problems.push(
        `${ref.key}: found a subnet of ${ref.vnetName} in ${vnet.location}, expected one in ${location}, the region of the environment and the ` +
          `private endpoints (azure-native:location); choose a subnet of a VNet in ${location}, or set azure-native:location to ${vnet.location}`,
      );
    }
    if (ref === network.containerAppsSubnet) containerAppsProblems(ref, subnet, problems, warnings);
    else privateEndpointProblems(ref, subnet, problems);
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return { warnings };
}
