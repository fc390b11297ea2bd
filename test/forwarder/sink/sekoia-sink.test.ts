// SekoiaSink against a real, contract-enforcing loopback intake: retries what may succeed later (and
// waits as long as Retry-After asks), fails loudly on a rejected key, splits a 413 down to the event
// that is too large and dead-letters only that one, bounds batches by bytes and age and requests by
// concurrency, and keeps the intake base's path prefix.

import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntakeKeyRejectedError, IntakeUnavailableError, ShuttingDownError } from "../../../forwarder/errors";
import { createLogger } from "../../../forwarder/log";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import type { DeliveryOwner } from "../../../forwarder/sink/intake-batch";
import { IntakeClient, type IntakeResponse } from "../../../forwarder/sink/intake-client";
import { SekoiaSink, type SinkOptions } from "../../../forwarder/sink/sekoia-sink";
import { IntakeServer, type Fault } from "../../helpers/intake-server";

const BASE_PATH = "/api/v1/intake-http";
const KEYS = Array.from({ length: 16 }, (_, i) => `sink-test-intake-key-${String(i).padStart(2, "0")}`);
let nextKey = 0;
const freshKey = () => KEYS[nextKey++];

let intake: IntakeServer;
/** Fault for the i-th request (1-based) since the current test set it. */
let fault: (i: number) => Fault | undefined = () => undefined;
let faultFrom = 0;

function setFault(f: (i: number) => Fault | undefined): void {
  faultFrom = intake.requests.length;
  fault = f;
}

beforeAll(async () => {
  intake = await IntakeServer.start({ keys: KEYS, basePath: BASE_PATH, fault: (n) => fault(n - faultFrom) });
});

afterAll(async () => {
  await intake?.stop();
});

/** The real client, also recording each body's size and how many requests are in flight at once. */
class RecordingClient extends IntakeClient {
  readonly bodyBytes: number[] = [];
  inFlight = 0;
  maxInFlight = 0;

  override async post(body: Buffer, signal: AbortSignal): Promise<IntakeResponse> {
    this.bodyBytes.push(gunzipSync(body).length);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await super.post(body, signal);
    } finally {
      this.inFlight--;
    }
  }
}

class Owner implements DeliveryOwner {
  readonly acked = new Set<number>();
  ackCount = 0;
  readonly errors: Error[] = [];
  acknowledge(from: number, to: number): void {
    for (let seq = from; seq < to; seq++) {
      this.acked.add(seq);
      this.ackCount++;
    }
  }
  fail(error: Error): void {
    this.errors.push(error);
  }
}

interface Harness {
  readonly sink: SekoiaSink;
  readonly client: RecordingClient;
  readonly metrics: ForwarderMetrics;
  readonly key: string;
  readonly deadLetters: { events: readonly string[]; reason: string }[];
}

function harness(over: Partial<SinkOptions> & { baseUrl?: string } = {}): Harness {
  const key = over.intakeKey ?? freshKey();
  const client = new RecordingClient(over.baseUrl ?? intake.url, 5_000);
  const metrics = new ForwarderMetrics();
  const deadLetters: { events: readonly string[]; reason: string }[] = [];
  const sink = new SekoiaSink({
    kind: "nsg",
    intakeKey: key,
    client,
    maxBatchBytes: 64 * 1024,
    maxBatchAgeMs: 60_000,
    concurrency: 2,
    backoff: { baseMs: 5, maxMs: 20, maxRetryAfterMs: 5_000, random: () => 0.5 },
    metrics,
    log: createLogger({ level: "silent", secrets: [] }),
    deadLetter: async (_kind, events, reason) => void deadLetters.push({ events, reason }),
    ...over,
  });
  return { sink, client, metrics, key, deadLetters };
}

const event = (i: number, pad = "") => JSON.stringify({ n: i, "flow.0": `1775117700,10.0.0.${i % 250},10.1.0.4,50111,443,T,I,A,B,,,,`, pad });

function pushAll(sink: SekoiaSink, owner: DeliveryOwner, events: string[]): void {
  events.forEach((e, seq) => sink.push(JSON.stringify(e), owner, seq));
}

async function metricValue(metrics: ForwarderMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const entry = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return entry?.value ?? 0;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Within ${timeoutMs} ms ${what} never happened.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("SekoiaSink", () => {
  it("retries a batch the intake fails twice, then delivers every event exactly once", async () => {
    setFault((i) => (i <= 2 ? { type: "status", status: 503 } : undefined));
    const h = harness();
    const owner = new Owner();
    const events = Array.from({ length: 25 }, (_, i) => event(i));
    pushAll(h.sink, owner, events);
    await h.sink.flush();
    expect(owner.errors).toEqual([]);
    expect([...intake.events(h.key)].sort()).toEqual([...events].sort());
    expect([...owner.acked].sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
    expect(owner.ackCount).toBe(events.length);
    expect(h.client.bodyBytes).toHaveLength(3);
    expect(await metricValue(h.metrics, "flowlog_retries_total", { reason: "http_503" })).toBe(2);
    expect(h.sink.sent).toBe(25);
  });

  it("reports the intake as failing after a batch's third failed attempt, and as well once it accepts again", async () => {
    setFault((i) => (i <= 3 ? { type: "status", status: 503 } : undefined));
    const problems: (string | undefined)[] = [];
    const h = harness({ onIntakeProblem: (problem) => problems.push(problem) });
    pushAll(h.sink, new Owner(), [event(1)]);
    await h.sink.flush();
    expect(problems).toEqual([expect.stringMatching(/^failing for \d+ s \(http_503\); retrying$/), undefined]);
  });

  it("retries after a connection reset and delivers once", async () => {
    setFault((i) => (i === 1 ? { type: "reset" } : undefined));
    const h = harness();
    const owner = new Owner();
    pushAll(h.sink, owner, [event(1), event(2)]);
    await h.sink.flush();
    expect(owner.errors).toEqual([]);
    expect(intake.events(h.key)).toEqual([event(1), event(2)]);
    expect(await metricValue(h.metrics, "flowlog_retries_total", { reason: "network" })).toBe(1);
  });

  it("fails the batch with IntakeKeyRejectedError on 403, sends it once, and nothing arrives", async () => {
    setFault(() => ({ type: "status", status: 403 }));
    const h = harness();
    const owner = new Owner();
    pushAll(h.sink, owner, [event(1), event(2), event(3)]);
    await h.sink.flush();
    expect(owner.errors).toHaveLength(1);
    expect(owner.errors[0]).toBeInstanceOf(IntakeKeyRejectedError);
    expect(owner.errors[0].message).toContain("SEKOIA_NSG_INTAKE_KEY");
    expect(owner.errors[0].message).not.toContain(h.key);
    expect(owner.acked.size).toBe(0);
    expect(h.client.bodyBytes).toHaveLength(1);
    expect(intake.events(h.key)).toEqual([]);
    expect(h.deadLetters).toEqual([]);
    expect(h.sink.keyRejection?.error).toBeInstanceOf(IntakeKeyRejectedError);
  });

  it("fails with IntakeKeyRejectedError when the intake does not know the key (401)", async () => {
    setFault(() => undefined);
    const h = harness({ intakeKey: "a-key-the-intake-never-issued" });
    const owner = new Owner();
    pushAll(h.sink, owner, [event(1)]);
    await h.sink.flush();
    expect(owner.errors.map((e) => e.constructor)).toEqual([IntakeKeyRejectedError]);
    expect(h.client.bodyBytes).toHaveLength(1);
  });

  it("splits a batch answered 413, delivers the rest and dead-letters only the event that is too large", async () => {
    setFault(() => undefined);
    const h = harness({ maxBatchBytes: 1024 * 1024 });
    const owner = new Owner();
    const big = JSON.stringify({ n: "big", pad: "x".repeat(260_000) });
    const events = [event(0), event(1), event(2), big, event(4), event(5), event(6)];
    pushAll(h.sink, owner, events);
    await h.sink.flush();
    expect(owner.errors).toEqual([]);
    expect(intake.events(h.key).slice().sort()).toEqual(events.filter((e) => e !== big).sort());
    expect(h.deadLetters).toHaveLength(1);
    expect(h.deadLetters[0].events).toEqual([big]);
    expect(h.deadLetters[0].reason).toContain("413");
    expect([...owner.acked].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(owner.ackCount).toBe(7);
  });

  it("waits at least the intake's Retry-After (1 s) before retrying a 429", async () => {
    setFault((i) => (i === 1 ? { type: "status", status: 429, retryAfter: "1" } : undefined));
    const h = harness({ backoff: { baseMs: 1, maxMs: 2, maxRetryAfterMs: 5_000, random: () => 0 } });
    const owner = new Owner();
    const started = performance.now();
    pushAll(h.sink, owner, [event(1)]);
    await h.sink.flush();
    const elapsed = performance.now() - started;
    expect(owner.errors).toEqual([]);
    expect(intake.events(h.key)).toEqual([event(1)]);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(5_000);
    expect(await metricValue(h.metrics, "flowlog_retries_total", { reason: "http_429" })).toBe(1);
  });

  it("retries a 429 without Retry-After after the short backoff only", async () => {
    setFault((i) => (i === 1 ? { type: "status", status: 429 } : undefined));
    const h = harness({ backoff: { baseMs: 1, maxMs: 2, maxRetryAfterMs: 5_000, random: () => 0 } });
    const owner = new Owner();
    const started = performance.now();
    pushAll(h.sink, owner, [event(1)]);
    await h.sink.flush();
    expect(intake.events(h.key)).toEqual([event(1)]);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it("gives a batch up with IntakeUnavailableError once maxRetryMs has passed", async () => {
    setFault(() => ({ type: "status", status: 502 }));
    const h = harness({ maxRetryMs: 150 });
    const owner = new Owner();
    pushAll(h.sink, owner, [event(1)]);
    await h.sink.flush();
    expect(owner.errors.map((e) => e.constructor)).toEqual([IntakeUnavailableError]);
    expect(owner.acked.size).toBe(0);
    expect(h.client.bodyBytes.length).toBeGreaterThan(1);
    expect(intake.events(h.key)).toEqual([]);
  });

  it("keeps every request body within maxBatchBytes (ASCII events)", async () => {
    setFault(() => undefined);
    const h = harness({ maxBatchBytes: 2_000 });
    const owner = new Owner();
    const events = Array.from({ length: 100 }, (_, i) => event(i, "p".repeat(40)));
    pushAll(h.sink, owner, events);
    await h.sink.flush();
    expect([...intake.events(h.key)].sort()).toEqual([...events].sort());
    expect(h.client.bodyBytes.length).toBeGreaterThan(5);
    expect(Math.max(...h.client.bodyBytes)).toBeLessThanOrEqual(2_000);
  });

  it("keeps every request body within maxBatchBytes (non-ASCII events)", async () => {
    setFault(() => undefined);
    const h = harness({ maxBatchBytes: 2_000 });
    const owner = new Owner();
    const events = Array.from({ length: 100 }, (_, i) => event(i, "RG-网络-".repeat(8)));
    pushAll(h.sink, owner, events);
    await h.sink.flush();
    expect([...intake.events(h.key)].sort()).toEqual([...events].sort());
    expect(Math.max(...h.client.bodyBytes)).toBeLessThanOrEqual(2_000);
  });

  it("sends a batch once it is maxBatchAgeMs old, without a flush", async () => {
    setFault(() => undefined);
    const h = harness({ maxBatchAgeMs: 200 });
    const owner = new Owner();
    const started = Date.now();
    pushAll(h.sink, owner, [event(1), event(2)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.client.bodyBytes).toHaveLength(0);
    await until("the aged batch reaching the intake", () => intake.events(h.key).length === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(h.client.bodyBytes).toHaveLength(1);
    await until("the acknowledgement", () => owner.acked.size === 2);
    await h.sink.flush();
  });

  it("never has more than `concurrency` requests in flight, and uses them all", async () => {
    setFault(() => ({ type: "slow", delayMs: 100 }));
    const h = harness({ maxBatchBytes: 1_000, concurrency: 3 });
    const owner = new Owner();
    const events = Array.from({ length: 120 }, (_, i) => event(i));
    pushAll(h.sink, owner, events);
    expect(h.sink.backpressure()).toBeInstanceOf(Promise);
    await h.sink.flush();
    expect(h.client.bodyBytes.length).toBeGreaterThan(6);
    expect(h.client.maxInFlight).toBe(3);
    expect(intake.events(h.key).slice().sort()).toEqual(events.slice().sort());
    expect(owner.ackCount).toBe(120);
  });

  it("holds the reader back while two sealed bodies wait for compression, however empty the queue", async () => {
    setFault(() => undefined);
    const h = harness({ maxBatchBytes: 1_000, concurrency: 8 });
    const owner = new Owner();
    const events = Array.from({ length: 30 }, (_, i) => event(i));
    // About ten events fit in a body: pushing 25 at once seals two batches before either is compressed.
    pushAll(h.sink, owner, events.slice(0, 25));
    const room = h.sink.backpressure();
    expect(room).toBeInstanceOf(Promise);
    await room;
    expect(h.sink.backpressure()).toBeUndefined();
    events.slice(25).forEach((e, i) => h.sink.push(JSON.stringify(e), owner, 25 + i));
    await h.sink.flush();
    expect(intake.events(h.key).slice().sort()).toEqual(events.slice().sort());
    expect(owner.ackCount).toBe(30);
  });

  it("sends gzip bodies the intake accepts, the events intact", async () => {
    setFault(() => undefined);
    const h = harness();
    const owner = new Owner();
    const tricky = JSON.stringify({ rule: 'quote " backslash \\ newline \n unicode é 网', "flow.0": "1,2,3" });
    pushAll(h.sink, owner, [tricky]);
    await h.sink.flush();
    expect(owner.errors).toEqual([]);
    expect(intake.events(h.key)).toEqual([tricky]);
    expect(intake.requests.at(-1)?.status).toBe(200);
  });

  it("keeps the path prefix of the intake base: without it the intake has no route, a configuration error", async () => {
    setFault(() => undefined);
    const withPrefix = harness();
    const prefixOwner = new Owner();
    pushAll(withPrefix.sink, prefixOwner, [event(1)]);
    await withPrefix.sink.flush();
    expect(intake.url.endsWith(BASE_PATH)).toBe(true);
    expect(intake.events(withPrefix.key)).toEqual([event(1)]);

    const withoutPrefix = harness({ baseUrl: `http://127.0.0.1:${intake.port}` });
    const lostOwner = new Owner();
    pushAll(withoutPrefix.sink, lostOwner, [event(2)]);
    await withoutPrefix.sink.flush();
    expect(intake.requests.at(-1)?.status).toBe(404);
    expect(intake.events(withoutPrefix.key)).toEqual([]);
    // Not acknowledged (nor dead-lettered): the events wait for a corrected SEKOIA_INTAKE_URL.
    expect(lostOwner.ackCount).toBe(0);
    expect(lostOwner.errors[0]).toBeInstanceOf(IntakeKeyRejectedError);
  });

  it("on abort stops retrying and fails the batch with ShuttingDownError, acknowledging nothing", async () => {
    setFault(() => ({ type: "status", status: 503 }));
    const h = harness({ backoff: { baseMs: 10_000, maxMs: 10_000, maxRetryAfterMs: 10_000, random: () => 0 } });
    const owner = new Owner();
    pushAll(h.sink, owner, [event(1)]);
    const flushed = h.sink.flush();
    await until("the first attempt", () => h.client.bodyBytes.length === 1);
    const started = Date.now();
    h.sink.abort();
    await flushed;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(owner.errors.map((e) => e.constructor)).toEqual([ShuttingDownError]);
    expect(owner.acked.size).toBe(0);
    const late = new Owner();
    h.sink.push(JSON.stringify(event(2)), late, 0);
    expect(late.errors.map((e) => e.constructor)).toEqual([ShuttingDownError]);
  });
});
