// A private-mode stack for the infra tests: the harness's default config with `privateNetworking`
// (subnets of a spoke VNet in westeurope), a prebuilt image in a private registry and no sasExpiry, and
// a stand-in for Azure that describes those subnets as a network team would prepare them.
import type { NetworkReader, VirtualNetworkFacts } from "../../infra/estate/network-reader";
import { defaultConfig, SUBSCRIPTION } from "./harness";

const spoke = (sub: string) => `/subscriptions/${sub}/resourceGroups/rg-spoke-net/providers/Microsoft.Network`;
export const SPOKE_VNET = `${spoke(SUBSCRIPTION)}/virtualNetworks/vnet-spoke-weu`;
export const ACA_SUBNET = `${SPOKE_VNET}/subnets/snet-sekoia-aca`;
export const PE_SUBNET = `${SPOKE_VNET}/subnets/snet-sekoia-pe`;
export const REGISTRY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-platform-acr/providers/Microsoft.ContainerRegistry/registries/corpacr`;
export const PRIVATE_IMAGE = `corpacr.azurecr.io/sekoia-flowlogs-forwarder@sha256:${"b".repeat(64)}`;
export const BLOB_ZONE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net`;

/** A VNet whose subnets are as docs/private-networking.md asks: a delegated /27 with an NSG and a route to the hub, and an endpoints' subnet. */
export function preparedVnet(id: string = SPOKE_VNET, location = "westeurope"): VirtualNetworkFacts {
  const nsg = `${id.split("/providers/")[0]}/providers/Microsoft.Network/networkSecurityGroups/nsg-sekoia-aca`;
  return {
    id,
    location,
    subnets: [
      {
        id: `${id}/subnets/snet-sekoia-aca`,
        name: "snet-sekoia-aca",
        addressPrefixes: ["10.40.0.0/27"],
        delegations: ["Microsoft.App/environments"],
        networkSecurityGroupId: nsg,
        routeTableId: `${id.split("/providers/")[0]}/providers/Microsoft.Network/routeTables/rt-to-hub`,
      },
      { id: `${id}/subnets/snet-sekoia-pe`, name: "snet-sekoia-pe", addressPrefixes: ["10.40.0.32/28"], delegations: [], networkSecurityGroupId: nsg },
    ],
  };
}

/** Answers from the VNets given (404-free: an unknown id is a test mistake). */
export function networkOf(...vnets: VirtualNetworkFacts[]): (armEndpoint: string) => NetworkReader {
  return () => ({
    virtualNetwork: (id) => {
      const vnet = vnets.find((v) => v.id.toLowerCase() === id.toLowerCase());
      if (!vnet) throw new Error(`the test's network has no VNet ${id}`);
      return Promise.resolve({ vnet });
    },
  });
}

/** The harness's stack in private mode (dns as given), ready to deploy. */
export function privateConfig(privateNetworking: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...defaultConfig(),
    sasExpiry: undefined,
    forwarderImage: PRIVATE_IMAGE,
    forwarderImageRegistryId: REGISTRY_ID,
    privateNetworking: { containerAppsSubnetId: ACA_SUBNET, privateEndpointSubnetId: PE_SUBNET, dns: "policy", ...privateNetworking },
  };
}
