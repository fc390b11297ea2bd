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
  let obtained: Promise<{ token: string } | { error: string }> | undefined;
  return {
    async list(scope) {
      obtained ??= token().then(
        (t) => ({ token: t }),
        (error: unknown) => ({ error: (error instanceof Error ? error.message : String(error)).split("\n")[0] }),
      );
      const result = await obtained;
      if ("error" in result) return { unresolved: `no Azure credentials (${result.error}); after \`az login\` npm run plan lists what it selects` };
      return new ArmVnetLister(endpoint, () => Promise.resolve(result.token)).list(scope);
    },
  };
}
