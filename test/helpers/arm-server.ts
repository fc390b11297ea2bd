// A loopback stand-in for Azure Resource Manager's virtual-network list calls
// (`GET /subscriptions/{sub}[/resourceGroups/{rg}]/providers/Microsoft.Network/virtualNetworks`):
// it answers from the VNets it is given, pages them through `nextLink` like ARM, demands the bearer
// token it expects (401 otherwise), answers 403, 404 or 409 (provider not registered) for the scopes
// told to, and fails the next requests as told (`failNext`: a status, or a dropped connection).

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ArmVnet {
  readonly id: string;
  readonly location: string;
}

export interface ArmServerOptions {
  /** The token every request must carry as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly vnets: readonly ArmVnet[];
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
}

/** How one request fails: an error status (with `Retry-After` seconds), or the connection dropped. */
export type ArmFault = { readonly status: number; readonly retryAfter?: number } | { readonly drop: true };

const LIST = /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?)\/providers\/Microsoft\.Network\/virtualNetworks$/i;

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
      const m = LIST.exec(url.pathname);
      if (req.method !== "GET" || !m || url.searchParams.get("api-version") !== "2024-05-01")
        return answer(400, { error: { code: "BadRequest", message: "unexpected" } });
      const scope = m[1].toLowerCase();
      if (options.unregistered?.some((s) => scope.startsWith(`/subscriptions/${s}`))) {
        return answer(409, {
          error: { code: "MissingSubscriptionRegistration", message: "The subscription is not registered to use namespace 'Microsoft.Network'." },
        });
      }
      if (options.missing?.some((s) => scope === s || scope.startsWith(`${s}/`))) {
        return answer(404, {
          error: { code: scope.includes("/resourcegroups/") ? "ResourceGroupNotFound" : "SubscriptionNotFound", message: `${m[1]} not found` },
        });
      }
      if (options.forbidden?.includes(scope)) {
        return answer(403, { error: { code: "AuthorizationFailed", message: "The client does not have authorization to perform action" } });
      }
      const inScope = options.vnets.filter((v) => v.id.toLowerCase().startsWith(`${scope}/`));
      const size = options.pageSize ?? 100;
      const skip = Number(url.searchParams.get("$skiptoken") ?? "0");
      const page = inScope.slice(skip, skip + size);
      const next =
        skip + size < inScope.length ? `${options.nextLinkBase ?? arm.url}${url.pathname}?api-version=2024-05-01&$skiptoken=${skip + size}` : undefined;
      answer(200, {
        value: page.map((v) => ({ id: v.id, name: v.id.split("/").pop(), location: v.location, type: "Microsoft.Network/virtualNetworks" })),
        ...(next ? { nextLink: next } : {}),
      });
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
