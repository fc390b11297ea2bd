// Reads the virtual networks of the `privateNetworking` subnets from Azure Resource Manager: their
// region and, per subnet, its address prefixes, delegations, NSG and route table. One `GET` of the
// VNet answers all of it (a subnet's own document has no region). Like the scope listings, it runs in
// preview too (a read) with the deploying identity's token, with arm-list.ts's retries; its errors
// say what to check about that VNet.
import { ArmListError } from "./arm-list";
import { NetworkResourceReader } from "./network-resource-reader";
import { normalizeRegion } from "../config/regions";

export interface SubnetFacts {
  readonly id: string;
  readonly name: string;
  /** `addressPrefix`, or every `addressPrefixes` entry. */
  readonly addressPrefixes: readonly string[];
  /** The `serviceName` of each delegation, e.g. `Microsoft.App/environments`. */
  readonly delegations: readonly string[];
  readonly networkSecurityGroupId?: string;
  readonly routeTableId?: string;
}

export interface VirtualNetworkFacts {
  readonly id: string;
  /** Normalized region. */
  readonly location: string;
  readonly subnets: readonly SubnetFacts[];
}

/** A VNet as read, or why it could not be read without failing (npm run plan without credentials). */
export type VnetReading = { readonly vnet: VirtualNetworkFacts } | { readonly unresolved: string };

export interface NetworkReader {
  /** Rejects with an ArmListError (403, 404, ...). */
  virtualNetwork(id: string): Promise<VnetReading>;
}

interface ArmSubnet {
  id?: unknown;
  name?: unknown;
  properties?: {
    addressPrefix?: unknown;
    addressPrefixes?: unknown;
    delegations?: Array<{ properties?: { serviceName?: unknown } }>;
    networkSecurityGroup?: { id?: unknown };
    routeTable?: { id?: unknown };
  };
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The facts of an ARM virtual network document; an ArmListError when it is not one. */
export function vnetFacts(id: string, document: unknown): VirtualNetworkFacts {
  const doc = document as { location?: unknown; properties?: { subnets?: unknown } };
  if (typeof doc?.location !== "string")
    throw new ArmListError(`reading the virtual network ${id} returned no location: ${JSON.stringify(document).slice(0, 200)}`);
  const subnets = Array.isArray(doc.properties?.subnets) ? (doc.properties.subnets as ArmSubnet[]) : [];
  return {
    id,
    location: normalizeRegion(doc.location),
    subnets: subnets.map((s) => {
      const p = s.properties ?? {};
      const prefixes = [text(p.addressPrefix), ...(Array.isArray(p.addressPrefixes) ? p.addressPrefixes.map(text) : [])].filter((x): x is string => !!x);
      const nsg = text(p.networkSecurityGroup?.id);
      const routeTable = text(p.routeTable?.id);
      return {
        id: text(s.id) ?? `${id}/subnets/${String(s.name)}`,
        name: text(s.name) ?? "",
        addressPrefixes: [...new Set(prefixes)],
        delegations: (p.delegations ?? []).map((d) => text(d.properties?.serviceName)).filter((x): x is string => !!x),
        ...(nsg ? { networkSecurityGroupId: nsg } : {}),
        ...(routeTable ? { routeTableId: routeTable } : {}),
      };
    }),
  };
}

export class ArmNetworkReader extends NetworkResourceReader implements NetworkReader {
  async virtualNetwork(id: string): Promise<VnetReading> {
    const document = await this.read(id, "virtual network").catch((error: unknown) => {
      throw error instanceof ArmListError ? readFailure(id, error) : error;
    });
    return { vnet: vnetFacts(id, document) };
  }
}

/** arm-list.ts words its errors for listings: a read of one VNet says what to check about that VNet. */
function readFailure(id: string, error: ArmListError): ArmListError {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? id;
  const answer = `${error.status} ${error.armText ?? ""}`.trim();
  switch (error.status) {
    case undefined:
      return error;
    case 401:
      return new ArmListError(
        `reading the virtual network ${id} was refused (${answer}): the Azure token is not valid here; log in again (az login)`,
        error.status,
        error.armText,
      );
    case 403:
      return new ArmListError(
        `the deploying identity may not read the virtual network ${id} (${answer}); grant it Reader (or Network Contributor) on it or its resource group`,
        error.status,
        error.armText,
      );
    case 404:
      return new ArmListError(
        `the virtual network ${id} does not exist (${answer}): check the id, and that subscription ${subscription} is in this tenant`,
        error.status,
        error.armText,
      );
    default:
      return new ArmListError(`reading the virtual network ${id} failed (${answer}); run pulumi up again later`, error.status, error.armText);
  }
}
