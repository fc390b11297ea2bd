// Lists the virtual networks of a subscription or resource group, for `{scope}` target selections.
//
// Why ARM's REST API and not an invoke: azure-native 3.x has no function listing the VNets of a
// scope (resources/, network/ and resourcegraph/ have none). The token is the deploying identity's
// own (azure-native's getClientToken in `pulumi up`, the local credential in `npm run plan`), so
// the listing sees what the deployment may touch. Pages are followed through `nextLink`, which must
// stay on the same endpoint: the token is never sent to another host.
import { normalizeRegion } from "./regions";

/** ARM api-version of Microsoft.Network/virtualNetworks list calls. */
export const VNET_API_VERSION = "2024-05-01";

export interface ListedVnet {
  readonly id: string;
  /** Normalized region, as ARM reports it. */
  readonly location: string;
}

/** A scope's VNets, or why they could not be looked up without failing (npm run plan without credentials). */
export type ScopeListing = { readonly vnets: readonly ListedVnet[] } | { readonly unresolved: string };

export interface VnetLister {
  /** `scope` is `/subscriptions/<guid>[/resourceGroups/<group>]`; rejects with an ArmListError. */
  list(scope: string): Promise<ScopeListing>;
}

/** Gives an ARM bearer token. */
export type TokenSource = () => Promise<string>;

/** A listing that failed; the message says what to fix, the caller prefixes the config key. */
export class ArmListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArmListError";
  }
}

interface VnetPage {
  readonly value?: ReadonlyArray<{ readonly id?: unknown; readonly location?: unknown }>;
  readonly nextLink?: unknown;
}

/** What ARM's error body says, e.g. `AuthorizationFailed: The client ... does not have authorization ...`. */
async function armMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (error?.code || error?.message) return [error.code, error.message].filter(Boolean).join(": ");
  } catch {
    // Not JSON: the start of the body says enough.
  }
  return text.slice(0, 200);
}

function failure(scope: string, status: number, message: string): ArmListError {
  switch (status) {
    case 401:
      return new ArmListError(`listing the VNets of ${scope} was refused (401 ${message}): the Azure token is not valid here; log in again (az login)`);
    case 403:
      return new ArmListError(
        `the deploying identity may not list the VNets of ${scope} (403 ${message}); grant it Reader (or Network Contributor) on ${scope}, or select its VNets by id`,
      );
    case 404:
      return new ArmListError(
        `${scope} does not exist (404 ${message}): check the subscription id and resource group name, and that the subscription is in this tenant`,
      );
    default:
      return new ArmListError(`listing the VNets of ${scope} failed (${status} ${message}); run pulumi up again, or select its VNets by id`);
  }
}

export class ArmVnetLister implements VnetLister {
  constructor(
    private readonly endpoint: string,
    private readonly token: TokenSource,
  ) {}

  async list(scope: string): Promise<ScopeListing> {
    const token = await this.token();
    const origin = new URL(this.endpoint).origin;
    const vnets: ListedVnet[] = [];
    let next: string | undefined = `${this.endpoint}${scope}/providers/Microsoft.Network/virtualNetworks?api-version=${VNET_API_VERSION}`;
    while (next !== undefined) {
      let response: Response;
      try {
        response = await fetch(next, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, signal: AbortSignal.timeout(60_000) });
      } catch (error) {
        throw new ArmListError(`listing the VNets of ${scope} at ${origin} failed (${(error as Error).message}); check armEndpoint and the network`);
      }
      if (!response.ok) throw failure(scope, response.status, await armMessage(response));
      const page = (await response.json()) as VnetPage;
      for (const vnet of page.value ?? []) {
        if (typeof vnet.id !== "string" || typeof vnet.location !== "string") {
          throw new ArmListError(`listing the VNets of ${scope} returned an entry without id or location: ${JSON.stringify(vnet).slice(0, 200)}`);
        }
        vnets.push({ id: vnet.id, location: normalizeRegion(vnet.location) });
      }
      next = typeof page.nextLink === "string" && page.nextLink !== "" ? page.nextLink : undefined;
      if (next !== undefined && new URL(next).origin !== origin) {
        throw new ArmListError(`listing the VNets of ${scope} returned a next page on ${new URL(next).origin}, not ${origin}; the token is not sent there`);
      }
    }
    return { vnets };
  }
}
