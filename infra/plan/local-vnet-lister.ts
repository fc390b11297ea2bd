// How `npm run plan` lists `{scope}` entries: there is no Pulumi engine to ask for the deploying
// identity's token, so it uses the local Azure credential (DefaultAzureCredential: az login,
// environment, managed identity), read-only. Without one, every scope is reported unresolved, with
// the reason, instead of failing the plan: a reviewer without Azure access still sees the rest. The
// regions of targets given by id are read the same way, and not checked without a credential; the
// privateNetworking subnets too, and reported unchecked without one.
import { AzureAuthorityHosts, DefaultAzureCredential } from "@azure/identity";
import { ARM_ENDPOINTS, type Cloud } from "../config/arm-endpoint";
import { ArmNetworkReader, type NetworkReader } from "../estate/network-reader";
import { ArmTargetLocator, type TargetLocator } from "../estate/target-locations";
import { ArmVnetLister, type TokenSource, type VnetLister } from "../estate/vnet-lister";

const AUTHORITY_HOSTS: Readonly<Record<Cloud, string>> = {
  public: AzureAuthorityHosts.AzurePublicCloud,
  usgovernment: AzureAuthorityHosts.AzureGovernment,
  china: AzureAuthorityHosts.AzureChina,
};

/**
 * Where the local credential signs in for the cloud of the ARM `endpoint`: a token for another
 * cloud's ARM must come from that cloud's Entra ID. A loopback stand-in takes the public cloud's.
 */
export function authorityHost(endpoint: string): string {
  const cloud = (Object.keys(ARM_ENDPOINTS) as Cloud[]).find((c) => ARM_ENDPOINTS[c] === endpoint) ?? "public";
  return AUTHORITY_HOSTS[cloud];
}

/** The local credential's ARM token for `endpoint` (its `/.default` scope), asked for once. */
export function localAzureToken(endpoint: string): TokenSource {
  const credential = new DefaultAzureCredential({ authorityHost: authorityHost(endpoint) });
  let token: Promise<string> | undefined;
  return () => (token ??= credential.getToken(`${endpoint}/.default`).then((t) => t.token));
}

/** The token, asked once, or the first line of why there is none. */
function once(token: TokenSource): () => Promise<{ token: string } | { error: string }> {
  let obtained: Promise<{ token: string } | { error: string }> | undefined;
  return () =>
    (obtained ??= token().then(
      (t) => ({ token: t }),
      (error: unknown) => ({ error: (error instanceof Error ? error.message : String(error)).split("\n")[0] }),
    ));
}

/** Asks `token` once; a scope is unresolved when it fails, listed from ARM otherwise. */
export function localVnetLister(endpoint: string, token: TokenSource): VnetLister {
  const obtained = once(token);
  const arm = async () => {
    const result = await obtained();
    return "error" in result ? result : { lister: new ArmVnetLister(endpoint, () => Promise.resolve(result.token)) };
  };
  return {
    async list(scope) {
      const result = await arm();
      if ("error" in result) return { unresolved: `no Azure credentials (${result.error}); after \`az login\` npm run plan lists what it selects` };
      return result.lister.list(scope);
    },
    async flowLogs(subscriptionId, regions) {
      // Without credentials every scope is unresolved: no selected VNet to check.
      const result = await arm();
      return "error" in result ? [] : result.lister.flowLogs(subscriptionId, regions);
    },
  };
}

/** Reads targets' regions with `token`; without a token nothing is checked (the plan is offline). */
export function localTargetLocator(endpoint: string, token: TokenSource): TargetLocator {
  let obtained: Promise<{ locator: TargetLocator } | { error: string }> | undefined;
  return {
    async locate(id) {
      const result = await (obtained ??= token().then(
        (t) => ({ locator: new ArmTargetLocator(endpoint, () => Promise.resolve(t)) }),
        (error: unknown) => ({ error: String(error) }),
      ));
      return "error" in result ? { offline: true } : result.locator.locate(id);
    },
  };
}

/** Asks `token` once; the subnets are unchecked when it fails, read from ARM otherwise. */
export function localNetworkReader(endpoint: string, token: TokenSource): NetworkReader {
  const obtained = once(token);
  return {
    async virtualNetwork(id) {
      const result = await obtained();
      if ("error" in result) return { unresolved: `no Azure credentials (${result.error}); after \`az login\` npm run plan checks them` };
      return new ArmNetworkReader(endpoint, () => Promise.resolve(result.token)).virtualNetwork(id);
    },
  };
}
