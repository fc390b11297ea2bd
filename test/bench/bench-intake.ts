// A loopback Sekoia intake fast enough not to be the bottleneck, that still enforces the contract of
// sekoia-intake.md: POST {base}/batch, JSON content type, gzip bodies, a known intake key, a body of at
// most 10 MiB, `jsons` an array of strings each at most 250,000 bytes and a JSON object (checked
// cheaply on every event, parsed fully on one in SAMPLE_EVERY). Unlike test/helpers/intake-server.ts it
// counts events instead of keeping them, and can note when each marker (a record time) was first
// acknowledged, for latency.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gunzip as gunzipCallback } from "node:zlib";

const gunzip = promisify(gunzipCallback);
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_EVENT_BYTES = 250_000;
const SAMPLE_EVERY = 100;

export interface IntakeStats {
  readonly events: Record<string, number>;
  readonly requests: number;
  readonly refused: Record<string, number>;
}

export class BenchIntake {
  private readonly events = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  private requests = 0;
  private sampled = 0;
  /** Record time → first acknowledgement (epoch ms), while tracking. */
  private marks?: Map<string, number>;
  private server?: Server;
  /** While set, every request is answered 503, as by an intake that is down. */
  down = false;

  constructor(private readonly keys: readonly string[]) {}

  async listen(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  stats(): IntakeStats {
    return { events: Object.fromEntries(this.events), requests: this.requests, refused: Object.fromEntries(this.refused) };
  }

  track(on: boolean): void {
    this.marks = on ? new Map() : undefined;
  }

  marked(): [string, number][] {
    return [...(this.marks ?? [])];
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private refuse(res: ServerResponse, status: number, reason: string): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ message: reason }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.requests++;
    if (this.down) return this.refuse(res, 503, "intake down");
    if (req.method !== "POST" || req.url !== "/batch") return this.refuse(res, 404, "no such route");
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return this.refuse(res, 400, "content-type");
    if (req.headers["content-encoding"] !== "gzip") return this.refuse(res, 400, "not gzip");
    let raw: Buffer;
    try {
      raw = await gunzip(Buffer.concat(chunks), { maxOutputLength: MAX_BODY_BYTES + 1 });
    } catch {
      return this.refuse(res, 413, "body not gzip or over 10 MiB");
    }
    if (raw.length > MAX_BODY_BYTES) return this.refuse(res, 413, "body over 10 MiB");
    let body: { intake_key?: unknown; jsons?: unknown };
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return this.refuse(res, 400, "body not JSON");
    }
    const key = body.intake_key;
    if (typeof key !== "string" || !this.keys.includes(key)) return this.refuse(res, 401, "unknown intake key");
    if (!Array.isArray(body.jsons)) return this.refuse(res, 400, "jsons not an array");
    const events = body.jsons as unknown[];
    for (const event of events) {
      if (typeof event !== "string") return this.refuse(res, 400, "event not a string");
      if (event.length * 3 > MAX_EVENT_BYTES && Buffer.byteLength(event) > MAX_EVENT_BYTES) return this.refuse(res, 413, "event over 250,000 bytes");
      if (event[0] !== "{" || event[event.length - 1] !== "}" || (++this.sampled % SAMPLE_EVERY === 0 && !isObject(event))) {
        return this.refuse(res, 400, "event not a JSON object");
      }
    }
    this.events.set(key, (this.events.get(key) ?? 0) + events.length);
    if (this.marks) {
      const now = Date.now();
      for (const event of events as string[]) {
        const time = markerOf(event);
        if (time && !this.marks.has(time)) this.marks.set(time, now);
      }
    }
    // UUID-shaped like Sekoia's: JSON.parse interns strings under 10 characters, so short ids made the
    // forwarder's string table grow by millions of entries, which real answers never do.
    const request = this.requests.toString(16).padStart(8, "0");
    const ids = Array.from({ length: events.length }, (_, i) => `"${request}-0000-4000-8000-${i.toString(16).padStart(12, "0")}"`).join(",");
    res.writeHead(200, { "content-type": "application/json" }).end(`{"event_ids":[${ids}]}`);
  }
}

function isObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Both event shapes start with the record time: {"time":"…", */
function markerOf(event: string): string | undefined {
  if (!event.startsWith('{"time":"')) return undefined;
  return event.slice(9, event.indexOf('"', 9));
}
