// How `npm run plan` lists `{scope}` entries: there is no Pulumi engine to ask for the deploying
// identity's token, so it uses the local Azure credential (DefaultAzureCredential: az login,
// environment, managed identity), read-only. Without one, every scope is reported unresolved, with
// the reason, instead of failing the plan: a reviewer without Azure access still sees the rest.
import { DefaultAzureCredential } from "@azure/identity";
import { ArmVnetLister, type TokenSource, type VnetLister } from "./vnet-lister";

/** The local credential's ARM token for `endpoint` (its `/.default` scope). */
export function localAzureToken(endpoint: string): TokenSource {
  const credential = new DefaultAzureCredential();
  return async () => (await credential.getToken(`${endpoint}/.default`)).token;
}

/** Asks `token` once; a scope is unresolved when it fails, listed from ARM otherwise. */
export function localVnetLister(endpoint: string, token: TokenSource): VnetLister {
  let obtained: Promise<{ lister: VnetLister } | { error: string }> | undefined;
  const arm = () =>
    (obtained ??= token().then(
      (t) => ({ lister: new ArmVnetLister(endpoint, () => Promise.resolve(t)) }),
      (error: unknown) => ({ error: (error instanceof Error ? error.message : String(error)).split("\n")[0] }),
    ));
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
