// IntakeClient: one request as the Sekoia contract asks (POST {base}/batch, JSON, gzip, the base's
// path kept), its answer classified; seen from a bare loopback server that records the raw request.

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntakeClient } from "../../../forwarder/sink/intake-client";

interface Seen {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let reply: { status: number; body: string; headers?: Record<string, string>; delayMs?: number } = { status: 200, body: '{"event_ids":["a"]}' };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
    const { status, body, headers, delayMs } = reply;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (!res.destroyed) res.writeHead(status, { "content-type": "application/json", ...headers }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/intake-http`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const EMPTY = gzipSync("{}");

describe("IntakeClient", () => {
  it("POSTs the gzipped body as it is to {base}/batch, keeping the base's path", async () => {
    reply = { status: 200, body: '{"event_ids":["a","b"]}' };
    const client = new IntakeClient(base, 5_000);
    const body = JSON.stringify({ intake_key: "k", jsons: ['{"a":1}', '{"b":2}'] });
    const compressed = gzipSync(body);
    const response = await client.post(compressed, new AbortController().signal);
    const request = seen.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/api/v1/intake-http/batch");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["content-encoding"]).toBe("gzip");
    expect(request.body.equals(compressed)).toBe(true);
    expect(gunzipSync(request.body).toString("utf8")).toBe(body);
    expect(response).toEqual({ outcome: { kind: "delivered" }, acceptedEvents: 2 });
  });

  it("reports the accepted count as unknown when a 2xx body has no event_ids", async () => {
    reply = { status: 200, body: "not json" };
    const response = await new IntakeClient(base, 5_000).post(EMPTY, new AbortController().signal);
    expect(response).toEqual({ outcome: { kind: "delivered" }, acceptedEvents: undefined });
  });

  it("classifies a 429 with its Retry-After", async () => {
    reply = { status: 429, body: "{}", headers: { "retry-after": "3" } };
    const response = await new IntakeClient(base, 5_000).post(EMPTY, new AbortController().signal);
    expect(response.outcome).toEqual({ kind: "retry", reason: "http_429", retryAfterMs: 3000 });
  });

  it("classifies a request that outlives its timeout as a retryable timeout", async () => {
    reply = { status: 200, body: "{}", delayMs: 1_000 };
    const response = await new IntakeClient(base, 100).post(EMPTY, new AbortController().signal);
    expect(response.outcome).toEqual({ kind: "retry", reason: "timeout" });
  });

  it("classifies a refused connection as a retryable network failure", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const response = await new IntakeClient(`http://127.0.0.1:${port}`, 2_000).post(EMPTY, new AbortController().signal);
    expect(response.outcome).toEqual({ kind: "retry", reason: "network" });
  });

  it("throws when the caller aborts, instead of reporting a retry", async () => {
    reply = { status: 200, body: "{}", delayMs: 1_000 };
    const aborter = new AbortController();
    const pending = new IntakeClient(base, 5_000).post(EMPTY, aborter.signal);
    setTimeout(() => aborter.abort(), 50);
    await expect(pending).rejects.toThrow();
  });
});
