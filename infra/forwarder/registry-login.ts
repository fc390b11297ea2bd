// Push credentials for the stack's own registry without its admin user (organisations' policy
// "Container registries should have local admin account disabled" turns it off): the deployer's own
// Entra ID token, exchanged for an ACR refresh token at the registry's /oauth2/exchange endpoint, the
// way `az acr login --expose-token` does. Docker logs in with it as user 00000000-0000-0000-0000-000000000000.
// The deployer needs push rights on the registry (Owner or Contributor on it, or AcrPush), which
// whoever creates the stack's resources has.

export const ACR_TOKEN_USERNAME = "00000000-0000-0000-0000-000000000000";

/** Exchanges an Entra ID access token for an ACR refresh token; throws naming the status, never the tokens. */
export async function acrRefreshToken(server: string, accessToken: string, tenantId: string, baseUrl = `https://${server}`): Promise<string> {
  const response = await fetch(`${baseUrl}/oauth2/exchange`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "access_token", service: server, tenant: tenantId, access_token: accessToken }).toString(),
  });
  if (!response.ok) {
    throw new Error(
      `Logging in to ${server} with your Azure identity failed (HTTP ${response.status}): check that you may push to it ` +
        "(Owner, Contributor or AcrPush on the registry)",
    );
  }
  const body = (await response.json()) as { refresh_token?: unknown };
  if (typeof body.refresh_token !== "string" || body.refresh_token === "") throw new Error(`Logging in to ${server}: the answer held no refresh_token`);
  return body.refresh_token;
}

/** The exchange the program uses; the offline plan and the mock tests swap in a fake (no network there). */
export const registryLogin = { exchange: (server: string, accessToken: string, tenantId: string) => acrRefreshToken(server, accessToken, tenantId) };
