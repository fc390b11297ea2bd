// infra/estate/private-network-check.ts and network-reader.ts: the privateNetworking subnets read from
// ARM (a loopback stand-in) before anything is created; each thing Azure would refuse half-way through
// `up` is an error naming the key and the fix, every one at once; a VNet read once for both subnets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrivateNetworking, type PrivateNetworking } from "../../../infra/config/private-networking-config";
import { StackConfigError } from "../../../infra/config/stack-config";
import { ArmNetworkReader } from "../../../infra/estate/network-reader";
import { checkPrivateNetwork, ipv4PrefixLength } from "../../../infra/estate/private-network-check";
import { ArmServer, type ArmSubnet } from "../../helpers/arm-server";

const SUB = "77777777-7777-4777-8777-777777777777";
const vnetId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/${name}`;
const NSG = `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/networkSecurityGroups/nsg-aca`;
const ROUTES = `/subscriptions/${SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/routeTables/rt-to-hub`;
const GOOD_ACA: ArmSubnet = {
  name: "snet-aca",
  addressPrefix: "10.20.0.0/27",
  delegations: ["Microsoft.App/environments"],
  networkSecurityGroupId: NSG,
  routeTableId: ROUTES,
};
const GOOD_PE: ArmSubnet = { name: "snet-pe", addressPrefix: "10.20.1.0/28", networkSecurityGroupId: NSG };

let arm: ArmServer;
beforeAll(async () => {
  arm = await ArmServer.start({
    token: "t0ken",
    vnets: [],
    forbidden: [vnetId("vnet-locked").toLowerCase()],
    networks: [
      { id: vnetId("vnet-good"), location: "West Europe", subnets: [GOOD_ACA, GOOD_PE] },
      {
        id: vnetId("vnet-bad"),
        location: "westeurope",
        subnets: [
          { name: "snet-aca", addressPrefixes: ["10.30.0.0/28", "fd00::/64"], delegations: ["Microsoft.Web/serverFarms"] },
          { name: "snet-pe", addressPrefix: "10.30.1.0/28", delegations: ["Microsoft.App/environments"] },
        ],
      },
      { id: vnetId("vnet-neu"), location: "northeurope", subnets: [GOOD_ACA, GOOD_PE] },
      { id: vnetId("vnet-noroute"), location: "westeurope", subnets: [{ ...GOOD_ACA, routeTableId: undefined }, GOOD_PE] },
    ],
  });
});
afterAll(async () => {
  await arm?.stop();
});

const reader = () => new ArmNetworkReader(arm.url, () => Promise.resolve("t0ken"), { attempts: 2, sleep: () => Promise.resolve() });

function network(aca: string, pe: string): PrivateNetworking {
  const problems: string[] = [];
  const parsed = parsePrivateNetworking(
    JSON.stringify({ containerAppsSubnetId: `${vnetId(aca)}/subnets/snet-aca`, privateEndpointSubnetId: `${vnetId(pe)}/subnets/snet-pe`, dns: "policy" }),
    undefined,
    problems,
  );
  expect(problems).toEqual([]);
  return parsed!;
}

async function problemsOf(net: PrivateNetworking, location = "westeurope"): Promise<readonly string[]> {
  try {
    await checkPrivateNetwork(net, location, reader());
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as StackConfigError).problems;
  }
  throw new Error("expected the subnets to be refused");
}

describe("checkPrivateNetwork", () => {
  it("accepts prepared subnets, reading their VNet once, in any case of its region", async () => {
    const before = arm.requests.length;
    expect(await checkPrivateNetwork(network("vnet-good", "vnet-good"), "westeurope", reader())).toEqual({ warnings: [] });
    expect(arm.requests.slice(before)).toEqual([`${vnetId("vnet-good")}?api-version=2024-05-01`]);
  });

  it("refuses a Container Apps subnet smaller than /27, not delegated to Microsoft.App/environments, without an NSG; and a delegated endpoint subnet", async () => {
    const problems = await problemsOf(network("vnet-bad", "vnet-bad"));
    expect(problems).toEqual([
      "privateNetworking.containerAppsSubnetId: found 10.30.0.0/28, fd00::/64 (/28), expected /27 or larger: a workload-profile environment needs at least 32 addresses; give the subnet a /27 (or larger) range, or choose another subnet",
      `privateNetworking.containerAppsSubnetId: found the subnet delegated to Microsoft.Web/serverFarms, expected a delegation to Microsoft.App/environments (the environment's subnet is dedicated to it): \`az network vnet subnet update --ids ${vnetId("vnet-bad")}/subnets/snet-aca --delegations Microsoft.App/environments\``,
      `privateNetworking.containerAppsSubnetId: found no network security group on the subnet, expected one (Azure Landing Zones deny subnets without it, and docs/private-networking.md lists the rules the environment needs): \`az network vnet subnet update --ids ${vnetId("vnet-bad")}/subnets/snet-aca --network-security-group <nsg id>\``,
      "privateNetworking.privateEndpointSubnetId: found the subnet delegated to Microsoft.App/environments, expected a subnet without delegation: private endpoints cannot go into a delegated subnet; choose another subnet, or remove its delegation",
    ]);
  });

  it("refuses subnets in another region than the environment, naming both", async () => {
    const problems = await problemsOf(network("vnet-neu", "vnet-good"));
    expect(problems).toEqual([
      "privateNetworking.containerAppsSubnetId: found a subnet of vnet-neu in northeurope, expected one in westeurope, the region of the environment and the private endpoints (azure-native:location); choose a subnet of a VNet in westeurope, or set azure-native:location to northeurope",
    ]);
  });

  it("names a subnet that does not exist, a VNet that does not exist, and one it may not read", async () => {
    const missingSubnet = network("vnet-good", "vnet-good");
    const renamed = { ...missingSubnet, privateEndpointSubnet: { ...missingSubnet.privateEndpointSubnet, name: "snet-gone" } };
    expect(await problemsOf(renamed)).toEqual([
      `privateNetworking.privateEndpointSubnetId: found no subnet snet-gone in the virtual network ${vnetId("vnet-good")}, expected an existing subnet: create it first (docs/private-networking.md, "Subnets to prepare")`,
    ]);
    const problems = await problemsOf(network("vnet-gone", "vnet-locked"));
    expect(problems[0]).toMatch(
      /^privateNetworking\.containerAppsSubnetId: the virtual network .*vnet-gone does not exist \(404 ResourceNotFound: .*\): check the id, and that subscription 7{8}-.* is in this tenant$/,
    );
    expect(problems[1]).toMatch(
      /^privateNetworking\.privateEndpointSubnetId: the deploying identity may not read the virtual network .*vnet-locked \(403 AuthorizationFailed: .*\); grant it Reader \(or Network Contributor\) on it or its resource group$/,
    );
  });

  it("warns when the Container Apps subnet has no route table (egress does not pass a hub firewall)", async () => {
    const { warnings } = await checkPrivateNetwork(network("vnet-noroute", "vnet-noroute"), "westeurope", reader());
    expect(warnings).toEqual([expect.stringMatching(/^privateNetworking\.containerAppsSubnetId: the subnet has no route table, so the forwarder's egress/)]);
  });

  it("says when the subnets could not be read at all (npm run plan without credentials), and stops there", async () => {
    const unresolved = { virtualNetwork: () => Promise.resolve({ unresolved: "no Azure credentials (none found)" }) };
    expect(await checkPrivateNetwork(network("vnet-bad", "vnet-bad"), "westeurope", unresolved)).toEqual({
      warnings: ["privateNetworking: the subnets were not checked against Azure: no Azure credentials (none found)."],
    });
  });
});

describe("ipv4PrefixLength", () => {
  it("reads the first IPv4 prefix", () => {
    expect(ipv4PrefixLength(["fd00::/64", "10.0.0.0/23"])).toBe(23);
    expect(ipv4PrefixLength([])).toBeUndefined();
  });
});
