// A loopback Sekoia HTTP intake that enforces the documented contract (sekoia-intake.md): POST
// {base}/batch, JSON body {"intake_key", "jsons": [strings]}, gzip accepted, 401 for an unknown key,
// 413 for a body over 10 MiB or an event over 250,000 bytes, 400 for anything malformed, and
// {"event_ids": [...]} on success. It keeps every accepted event, and can inject faults.

import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gunzipSync } from "node:zlib";

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const MAX_EVENT_BYTES = 250_000;

export type Fault =
  | { readonly type: "status"; readonly status: number; readonly retryAfter?: string }
  | { readonly type: "reset" }
  | { readonly type: "slow"; readonly delayMs: number };

export interface RequestLogEntry {
  readonly at: number;
  readonly status: number | "reset";
  readonly events: number;
  /** Intake key of an accepted request. */
  readonly key?: string;
  /** SHA-256 of the raw request body, so a retry of the same batch can be told apart from others. */
  readonly digest?: string;
}

export interface IntakeOptions {
  /** Accepted intake keys. */
  readonly keys: readonly string[];
  /** Path prefix of the base URL, e.g. /api/v1/intake-http for regional intakes. */
  readonly basePath?: string;
  /** Decides a fault for request number n (1-based), or none. */
  readonly fault?: (n: number) => Fault | undefined;
}

export class IntakeServer {
  /** Accepted events per intake key, in arrival order. */
  readonly received = new Map<string, string[]>();
  readonly requests: RequestLogEntry[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private count = 0;
  port = 0;

  constructor(private readonly options: IntakeOptions) {}

  static async start(options: IntakeOptions): Promise<IntakeServer> {
    const intake = new IntakeServer(options);
    await intake.listen(0);
    return intake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.options.basePath ?? ""}`;
  }

  events(key: string): string[] {
    return this.received.get(key) ?? [];
  }

  /** Stops accepting connections (connection refused) until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async up(): Promise<void> {
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.down();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private answer(res: ServerResponse, status: number, body: unknown, events = 0, headers: Record<string, string> = {}, key?: string, digest?: string): void {
    this.requests.push({ at: Date.now(), status, events, key, digest });
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const n = ++this.count;
    const digest = createHash("sha256").update(Buffer.concat(chunks)).digest("hex");
    const fault = this.options.fault?.(n);
    if (fault?.type === "reset") {
      this.requests.push({ at: Date.now(), status: "reset", events: 0, digest });
      req.socket.destroy();
      return;
    }
    if (fault?.type === "status") {
      this.answer(res, fault.status, { message: "injected fault" }, 0, fault.retryAfter ? { "retry-after": fault.retryAfter } : {}, undefined, digest);
      return;
    }
    if (req.method !== "POST" || req.url !== `${this.options.basePath ?? ""}/batch`) {
      this.answer(res, 404, { message: `no route ${req.method} ${req.url}` });
      return;
    }
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      this.answer(res, 400, { message: "content-type must be application/json" });
      return;
    }
    let raw = Buffer.concat(chunks);
    try {
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw, { maxOutputLength: MAX_BODY_BYTES + 1 });
    } catch {
      this.answer(res, raw.length > MAX_BODY_BYTES ? 413 : 400, { message: "body is not gzip or too large" });
      return;
    }
    if (raw.length > MAX_BODY_BYTES) {
      this.answer(res, 413, { message: "body too large" });
      return;
    }
    let body: { intake_key?: unknown; jsons?: unknown };
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      this.answer(res, 400, { message: "body is not JSON" });
      return;
    }
    if (typeof body.intake_key !== "string" || !this.options.keys.includes(body.intake_key)) {
      this.answer(res, 401, { message: "unknown intake key" });
      return;
    }
    if (!Array.isArray(body.jsons) || body.jsons.some((e) => typeof e !== "string")) {
      this.answer(res, 400, { message: "jsons must be an array of strings" });
      return;
    }
    const events = body.jsons as string[];
    if (events.some((e) => Buffer.byteLength(e) > MAX_EVENT_BYTES)) {
      this.answer(res, 413, { message: "event too large" });
      return;
    }
    if (events.some((e) => !isJsonObject(e))) {
      this.answer(res, 400, { message: "every event must be a serialized JSON object" });
      return;
    }
    if (fault?.type === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    const store = this.received.get(body.intake_key) ?? [];
    this.received.set(body.intake_key, store);
    for (const event of events) store.push(event);
    if (res.destroyed) {
      // Accepted, but the client gave up waiting: it will send these events again.
      this.requests.push({ at: Date.now(), status: 200, events: events.length, key: body.intake_key, digest });
      return;
    }
    this.answer(res, 200, { event_ids: events.map(() => randomUUID()) }, events.length, {}, body.intake_key, digest);
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
