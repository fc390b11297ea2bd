// A loopback stand-in for the Azure Resource Manager list calls of target selection: virtual networks
// (`GET /subscriptions/{sub}[/resourceGroups/{rg}]/providers/Microsoft.Network/virtualNetworks`),
// Network Watchers (`GET /subscriptions/{sub}/providers/Microsoft.Network/networkWatchers`) and their
// flow logs (`GET {watcher id}/flowLogs`). It answers from what it is given, pages through `nextLink`
// like ARM, demands the bearer
// token it expects (401 otherwise), answers 403, 404 or 409 (provider not registered) for the scopes
// told to, and fails the next requests as told (`failNext`: a status, or a dropped connection). It
// also answers the GET of one resource by id (`{id, name, location}`; 404 ResourceNotFound for one it
// does not have, 403 for an id told to), for the region check of targets given by id, and a VNet
// given in `networks` with its subnets, for the private network check.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ArmVnet {
  readonly id: string;
  readonly location: string;
}

export interface ArmFlowLog {
  /** `<watcher id>/flowLogs/<name>`: the watcher it is listed under. */
  readonly id: string;
  readonly targetResourceId: string;
}

export interface ArmServerOptions {
  /** The token every request must carry as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly vnets: readonly ArmVnet[];
  /** Network Watchers, `{id, location}` like VNets. */
  readonly watchers?: readonly ArmVnet[];
  readonly flowLogs?: readonly ArmFlowLog[];
  /** Virtual networks read one by one (`GET {id}`). */
  readonly networks?: readonly ArmVirtualNetwork[];
  /** VNets per page (ARM's page size varies; tests make it small to force paging). */
  readonly pageSize?: number;
  /** Lower-cased scopes answered 403 AuthorizationFailed. */
  readonly forbidden?: readonly string[];
  /** Lower-cased subscriptions or groups that do not exist (404). */
  readonly missing?: readonly string[];
  /** Lower-cased subscriptions that have not registered Microsoft.Network (409 MissingSubscriptionRegistration). */
  readonly unregistered?: readonly string[];
  /** Where `nextLink` points (default: this server), to check a lister never follows it elsewhere. */
  readonly nextLinkBase?: string;
  /** Resources other than VNets (NSGs, NICs) answered by id, `{id, location}`. */
  readonly resources?: readonly ArmVnet[];
}

/** A subnet as ARM describes it inside its virtual network; left-out fields are absent. */
export interface ArmSubnet {
  readonly name: string;
  readonly addressPrefix?: string;
  readonly addressPrefixes?: readonly string[];
  /** Service names, e.g. `Microsoft.App/environments`. */
  readonly delegations?: readonly string[];
  readonly networkSecurityGroupId?: string;
  readonly routeTableId?: string;
}

/** A virtual network answered on `GET {id}`. */
export interface ArmVirtualNetwork {
  readonly id: string;
  readonly location: string;
  readonly subnets: readonly ArmSubnet[];
}

/** How one request fails: an error status (with `Retry-After` seconds), or the connection dropped. */
export type ArmFault = { readonly status: number; readonly retryAfter?: number } | { readonly drop: true };

const VNETS = /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?)\/providers\/Microsoft\.Network\/virtualNetworks$/i;
const WATCHERS = /^(\/subscriptions\/[^/]+)\/providers\/Microsoft\.Network\/networkWatchers$/i;
const FLOW_LOGS = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/networkWatchers\/[^/]+)\/flowLogs$/i;
const RESOURCE =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/(virtualNetworks|networkSecurityGroups|networkInterfaces)\/[^/]+$/i;
const under = (scope: string) => (r: { id: string }) => r.id.toLowerCase().startsWith(`${scope}/`);
const named = (id: string) => ({ id, name: id.split("/").pop() });

/** A virtual network's document as ARM answers `GET {id}`. */
function vnetDocument(vnet: ArmVirtualNetwork): unknown {
  return {
    ...named(vnet.id),
    type: "Microsoft.Network/virtualNetworks",
    location: vnet.location,
    properties: {
      subnets: vnet.subnets.map((s) => ({
        id: `${vnet.id}/subnets/${s.name}`,
        name: s.name,
        type: "Microsoft.Network/virtualNetworks/subnets",
        properties: {
          ...(s.addressPrefix ? { addressPrefix: s.addressPrefix } : {}),
          ...(s.addressPrefixes ? { addressPrefixes: s.addressPrefixes } : {}),
          delegations: (s.delegations ?? []).map((serviceName, i) => ({ name: `delegation${i}`, properties: { serviceName } })),
          ...(s.networkSecurityGroupId ? { networkSecurityGroup: { id: s.networkSecurityGroupId } } : {}),
          ...(s.routeTableId ? { routeTable: { id: s.routeTableId } } : {}),
        },
      })),
    },
  };
}

/** What a list URL asks for: its scope (the part 403, 404 and 409 are decided on) and its entries as ARM writes them. */
function collection(path: string, options: ArmServerOptions): { scope: string; entries: unknown[] } | undefined {
  const [vnets, watchers, flowLogs] = [VNETS.exec(path), WATCHERS.exec(path), FLOW_LOGS.exec(path)];
  if (vnets) {
    const scope = vnets[1].toLowerCase();
    return {
      scope,
      entries: options.vnets.filter(under(scope)).map((v) => ({ ...named(v.id), location: v.location, type: "Microsoft.Network/virtualNetworks" })),
    };
  }
  if (watchers) {
    const scope = watchers[1].toLowerCase();
    const entries = (options.watchers ?? [])
      .filter(under(scope))
      .map((w) => ({ ...named(w.id), location: w.location, type: "Microsoft.Network/networkWatchers" }));
    return { scope, entries };
  }
  if (flowLogs) {
    const scope = flowLogs[1].toLowerCase();
    const entries = (options.flowLogs ?? [])
      .filter((f) => f.id.toLowerCase().startsWith(`${scope}/flowlogs/`))
      .map((f) => ({
        ...named(f.id),
        type: "Microsoft.Network/networkWatchers/flowLogs",
        properties: { targetResourceId: f.targetResourceId, enabled: true },
      }));
    return { scope, entries };
  }
  return undefined;
}

export class ArmServer {
  /** Path and query of every request, in order. */
  readonly requests: string[] = [];
  private server?: Server;
  private readonly faults: ArmFault[] = [];

  /** The next requests fail this way, one fault each, in order. */
  failNext(...faults: ArmFault[]): void {
    this.faults.push(...faults);
  }

  static async start(options: ArmServerOptions): Promise<ArmServer> {
    const arm = new ArmServer();
    arm.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      arm.requests.push(`${url.pathname}${url.search}`);
      const answer = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      const fault = arm.faults.shift();
      if (fault && "drop" in fault) return void req.socket.destroy();
      if (fault) {
        res.writeHead(fault.status, {
          "content-type": "application/json",
          ...(fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {}),
        });
        return void res.end(JSON.stringify({ error: { code: fault.status === 429 ? "TooManyRequests" : "ServerBusy", message: `injected ${fault.status}` } }));
      }
      if (req.headers.authorization !== `Bearer ${options.token}`) return answer(401, { error: { code: "InvalidAuthenticationToken", message: "bad token" } });
      if (req.method === "GET" && RESOURCE.test(url.pathname) && url.searchParams.get("api-version") === "2024-05-01") {
        const id = url.pathname.toLowerCase();
        if (options.forbidden?.includes(id)) {
          return answer(403, { error: { code: "AuthorizationFailed", message: "The client does not have authorization to perform action" } });
        }
        // A VNet given with its subnets (the private network check) is answered as ARM writes it.
        const network = options.networks?.find((n) => n.id.toLowerCase() === id);
        if (network) return answer(200, vnetDocument(network));
        const found = [...options.vnets, ...(options.resources ?? [])].find((r) => r.id.toLowerCase() === id);
        if (!found) return answer(404, { error: { code: "ResourceNotFound", message: `The Resource '${url.pathname.split("/").pop()}' was not found.` } });
        return answer(200, { ...named(found.id), location: found.location });
      }
      const listed = collection(url.pathname, options);
      if (req.method !== "GET" || !listed || url.searchParams.get("api-version") !== "2024-05-01")
        return answer(400, { error: { code: "BadRequest", message: "unexpected" } });
      const { scope, entries } = listed;
      if (options.unregistered?.some((s) => scope.startsWith(`/subscriptions/${s}`))) {
        return answer(409, {
          error: { code: "MissingSubscriptionRegistration", message: "The subscription is not registered to use namespace 'Microsoft.Network'." },
        });
      }
      if (options.missing?.some((s) => scope === s || scope.startsWith(`${s}/`))) {
        return answer(404, {
          error: { code: scope.includes("/resourcegroups/") ? "ResourceGroupNotFound" : "SubscriptionNotFound", message: `${scope} not found` },
        });
      }
      if (options.forbidden?.includes(scope)) {
        return answer(403, { error: { code: "AuthorizationFailed", message: "The client does not have authorization to perform action" } });
      }
      const size = options.pageSize ?? 100;
      const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
      const next =
        skip + size < entries.length ? `${options.nextLinkBase ?? arm.url}${url.pathname}?api-version=2024-05-01&$skiptoken=${skip + size}` : undefined;
      answer(200, { value: entries.slice(skip, skip + size), ...(next ? { nextLink: next } : {}) });
    });
    await new Promise<void>((resolve) => arm.server!.listen(0, "127.0.0.1", resolve));
    return arm;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
