// A loopback Sekoia.io intake configuration API that enforces the documented contract
// (shared/reference/sekoia-api.md): `Authorization: Bearer <API key>` (401 unknown key, 403 a key
// without the intake permission); POST {base}/v1/sic/conf/intakes creates an intake (400 for invalid
// fields, named in the body; 404 for an unknown entity or community); PATCH .../{uuid}/settings
// initialises it, and only then does GET .../{uuid} show `configured: true` and its key; PATCH
// .../{uuid} renames; DELETE removes; 404 for an unknown uuid or route. It rate-limits like a real
// API: after a 429 with Retry-After, a request that comes too early gets 429 again and is counted.

import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export const NSG_FORMAT = "340e3bc7-2b76-48e4-9833-e971451b2979";
export const VNET_FORMAT = "99a97295-dad0-4deb-af50-521c76cad45d";
export const ENTITY = "7f6e4f52-3c1a-4c0e-9d2b-5b8f4e1a2c3d";
export const COMMUNITY = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
export const API_KEY = "sekoia-api-key-0123456789abcdef";
/** A key Sekoia knows that lacks the intake-management permission. */
export const READ_ONLY_API_KEY = "sekoia-read-only-key-fedcba9876543210";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StoredIntake {
  uuid: string;
  name: string;
  format_uuid: string;
  entity_uuid: string;
  community_uuid: string;
  configured: boolean;
  intake_key: string | null;
  /** GETs still answering `configured: false` after the settings call (Sekoia may lag). */
  lagReads: number;
  created_at: string;
  updated_at: string;
}

export type SekoiaFault = { readonly status: number; readonly retryAfter?: string; readonly body?: unknown } | { readonly reset: true };

export interface SekoiaApiOptions {
  /** Path prefix of the base, e.g. /api for the FRA2 region's https://app.fra2.sekoia.io/api. */
  readonly basePath?: string;
  /** GETs after the settings call that still show the intake unconfigured. Default 0. */
  readonly configureLagReads?: number;
  /** Decides a fault for request n (1-based), before anything else is checked. */
  readonly fault?: (n: number, method: string, path: string) => SekoiaFault | undefined;
  /** Echo the bearer token in 401 messages, as a careless API might (the client must redact it). */
  readonly echoKeyInErrors?: boolean;
}

export interface SekoiaRequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number | "reset";
  readonly body?: unknown;
}

export class SekoiaApiServer {
  readonly intakes = new Map<string, StoredIntake>();
  readonly requests: SekoiaRequestLogEntry[] = [];
  /** Requests that came before the Retry-After of a 429 had elapsed. */
  earlyRetries = 0;
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private count = 0;
  private retryNotBefore = 0;
  port = 0;

  constructor(private readonly options: SekoiaApiOptions = {}) {}

  static async start(options: SekoiaApiOptions = {}): Promise<SekoiaApiServer> {
    const api = new SekoiaApiServer(options);
    const server = createServer((req, res) => void api.handle(req, res));
    server.on("connection", (socket) => {
      api.sockets.add(socket);
      socket.once("close", () => api.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    api.port = (server.address() as { port: number }).port;
    api.server = server;
    return api;
  }

  /** The API base, as `sekoiaApiUrl` would hold it. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${this.options.basePath ?? ""}`;
  }

  /** What an operator does in Sekoia's console, behind the stack's back. */
  renameInConsole(uuid: string, name: string): void {
    this.intakes.get(uuid)!.name = name;
  }

  deleteInConsole(uuid: string): void {
    this.intakes.delete(uuid);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private answer(res: ServerResponse, method: string, path: string, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    this.requests.push({ method, path, status, body });
    if (body === undefined) res.writeHead(status, headers).end();
    else res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? "";
    const path = (req.url ?? "").split("?")[0];
    const reply = (status: number, body?: unknown, headers?: Record<string, string>) => this.answer(res, method, path, status, body, headers);
    const n = ++this.count;

    if (Date.now() < this.retryNotBefore) {
      this.earlyRetries++;
      reply(429, { message: "Too many requests" }, { "retry-after": String(Math.ceil((this.retryNotBefore - Date.now()) / 1000)) });
      return;
    }
    const fault = this.options.fault?.(n, method, path);
    if (fault && "reset" in fault) {
      this.requests.push({ method, path, status: "reset" });
      req.socket.destroy();
      return;
    }
    if (fault) {
      if (fault.status === 429 && fault.retryAfter !== undefined) this.retryNotBefore = Date.now() + Number(fault.retryAfter) * 1000;
      reply(fault.status, fault.body ?? { message: "injected fault" }, fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {});
      return;
    }

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (token !== API_KEY && token !== READ_ONLY_API_KEY) {
      reply(401, { message: this.options.echoKeyInErrors ? `Invalid API key ${token ?? ""}` : "Invalid API key" });
      return;
    }
    const prefix = `${this.options.basePath ?? ""}/v1/sic/conf/intakes`;
    const route = path === prefix ? "" : path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
    if (route === undefined) {
      reply(404, { message: `No route ${method} ${path}` });
      return;
    }
    if (token === READ_ONLY_API_KEY) {
      reply(403, { message: "This API key lacks the permission SIC_WRITE_INTAKES" });
      return;
    }
    let body: Record<string, unknown> = {};
    if (method === "POST" || method === "PATCH") {
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
        reply(400, { message: "Content-Type must be application/json" });
        return;
      }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      } catch {
        reply(400, { message: "Body is not JSON" });
        return;
      }
    }
    const [uuid, sub] = route.split("/");
    const intake = uuid ? this.intakes.get(uuid) : undefined;
    if (method === "POST" && route === "") return this.create(body, reply);
    if (uuid === undefined || uuid === "" || (sub !== undefined && sub !== "settings")) {
      reply(404, { message: `No route ${method} ${path}` });
      return;
    }
    if (!intake) {
      reply(404, { message: `Intake ${uuid} not found` });
      return;
    }
    const now = new Date().toISOString();
    if (method === "PATCH" && sub === "settings") {
      intake.configured = true;
      intake.intake_key ??= randomBytes(16).toString("hex");
      intake.lagReads = this.options.configureLagReads ?? 0;
      intake.updated_at = now;
      reply(200, { uuid: intake.uuid });
    } else if (method === "GET" && sub === undefined) {
      const shown = intake.lagReads > 0 ? { ...intake, configured: false, intake_key: null } : intake;
      if (intake.lagReads > 0) intake.lagReads--;
      const { lagReads: _internal, ...record } = shown;
      reply(200, { ...record, status: record.configured ? "active" : "pending", entity: { uuid: intake.entity_uuid, name: "Azure" } });
    } else if (method === "PATCH" && sub === undefined) {
      const invalid = nameProblem(body.name);
      if (invalid) {
        reply(400, { message: `Invalid intake: name: ${invalid}`, name: [invalid] });
        return;
      }
      intake.name = body.name as string;
      intake.updated_at = now;
      reply(200, { uuid: intake.uuid, name: intake.name });
    } else if (method === "DELETE" && sub === undefined) {
      this.intakes.delete(intake.uuid);
      reply(204);
    } else {
      reply(405, { message: `Method ${method} not allowed` });
    }
  }

  private create(body: Record<string, unknown>, reply: (status: number, body?: unknown) => void): void {
    const invalid: Record<string, string[]> = {};
    const name = nameProblem(body.name);
    if (name) invalid.name = [name];
    for (const field of ["format_uuid", "entity_uuid"]) {
      if (typeof body[field] !== "string" || !UUID.test(body[field] as string)) invalid[field] = ["Not a valid UUID."];
    }
    if (body.community_uuid !== undefined && (typeof body.community_uuid !== "string" || !UUID.test(body.community_uuid))) {
      invalid.community_uuid = ["Not a valid UUID."];
    }
    if (!invalid.format_uuid && body.format_uuid !== NSG_FORMAT && body.format_uuid !== VNET_FORMAT) invalid.format_uuid = ["Unknown intake format."];
    const fields = Object.keys(invalid);
    if (fields.length > 0) {
      reply(400, { message: `Invalid intake: ${fields.map((f) => `${f}: ${invalid[f][0]}`).join("; ")}`, ...invalid });
      return;
    }
    if (body.entity_uuid !== ENTITY) {
      reply(404, { message: `Entity ${String(body.entity_uuid)} not found` });
      return;
    }
    if (body.community_uuid !== undefined && body.community_uuid !== COMMUNITY) {
      reply(404, { message: `Community ${String(body.community_uuid)} not found` });
      return;
    }
    const now = new Date().toISOString();
    const intake: StoredIntake = {
      uuid: randomUUID(),
      name: body.name as string,
      format_uuid: body.format_uuid as string,
      entity_uuid: ENTITY,
      // Without one, an intake belongs to the key's own community.
      community_uuid: (body.community_uuid as string | undefined) ?? "00000000-0000-4000-8000-00000000c0de",
      configured: false,
      intake_key: null,
      lagReads: 0,
      created_at: now,
      updated_at: now,
    };
    this.intakes.set(intake.uuid, intake);
    const { lagReads: _internal, ...record } = intake;
    reply(201, record);
  }
}

function nameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || name.trim() === "") return "Missing data for required field.";
  if (name.length > 100) return "Longer than maximum length 100.";
  return undefined;
}
