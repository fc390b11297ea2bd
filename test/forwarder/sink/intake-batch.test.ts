// IntakeBatch: the body it builds and compresses is what the intake expects, its byte count bounds the
// real body, its buffers go back to their pools (the events' once compressed, the compressed body's
// once released), and a split for a 413 keeps every event's owner and number.

import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BodyBuffers } from "../../../forwarder/sink/body-buffers";
import { GzipCompressor } from "../../../forwarder/sink/gzip-compressor";
import { bodyHead, IntakeBatch, type DeliveryOwner } from "../../../forwarder/sink/intake-batch";

const KEY = "batch-test-intake-key";
const HEAD = bodyHead(KEY);
const compressed = new BodyBuffers(64 * 1024, 4);
const compressor = new GzipCompressor(compressed);

function owner(): DeliveryOwner & { acks: [number, number][]; errors: Error[] } {
  const o = {
    acks: [] as [number, number][],
    errors: [] as Error[],
    acknowledge: (from: number, to: number) => void o.acks.push([from, to]),
    fail: (error: Error) => void o.errors.push(error),
  };
  return o;
}

function batch(capacity = 64 * 1024, buffers?: BodyBuffers): IntakeBatch {
  return new IntakeBatch(HEAD, compressor, buffers ? buffers.take() : Buffer.alloc(capacity), buffers);
}

function fill(b: IntakeBatch, events: string[], o: DeliveryOwner, firstSeq = 0): void {
  events.forEach((event, i) => {
    const quoted = JSON.stringify(event);
    b.add(quoted, IntakeBatch.cost(quoted), o, firstSeq + i);
  });
}

async function body(b: IntakeBatch): Promise<string> {
  return gunzipSync(await b.seal()).toString("utf8");
}

describe("IntakeBatch", () => {
  it("builds and gzips {intake_key, jsons} with each event as a JSON string", async () => {
    const b = batch();
    const events = ['{"a":1}', '{"b":"x\\"y"}'];
    fill(b, events, owner());
    expect(JSON.parse(await body(b))).toEqual({ intake_key: KEY, jsons: events });
    expect(await b.events()).toEqual(events);
  });

  it("compresses once: every attempt sends the same body", async () => {
    const b = batch();
    fill(b, ['{"a":1}'], owner());
    expect(await b.seal()).toBe(await b.seal());
  });

  it("counts at least the bytes of the body it builds (ASCII events)", async () => {
    const b = batch();
    fill(
      b,
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, rule: "DefaultRule_AllowInternetOutBound" })),
      owner(),
    );
    expect(b.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(await body(b)));
  });

  it("counts at least the bytes of the body it builds (non-ASCII events)", async () => {
    // Resource group names may hold Unicode letters; UTF-8 needs 2-3 bytes for each of them.
    const b = batch();
    fill(
      b,
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, resourceId: "/RESOURCEGROUPS/RG-ÉTÉ-网络-" + "é".repeat(40) })),
      owner(),
    );
    expect(b.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(await body(b)));
  });

  it("gives its buffer back to the pool once compressed, for the next batch to reuse", async () => {
    const buffers = new BodyBuffers(4096, 2);
    const first = batch(0, buffers);
    fill(first, ['{"first":1}'], owner());
    await first.seal();
    const second = batch(0, buffers);
    fill(second, ['{"second":2}'], owner());
    expect(JSON.parse(await body(second)).jsons).toEqual(['{"second":2}']);
    // The first batch's body was compressed before its buffer was reused.
    expect(JSON.parse(await body(first)).jsons).toEqual(['{"first":1}']);
  });

  it("grows past its buffer for an event larger than the whole buffer", async () => {
    const b = batch(64);
    const large = JSON.stringify({ padding: "x".repeat(1_000) });
    fill(b, [large], owner());
    expect(await b.events()).toEqual([large]);
  });

  it("acknowledges contiguous events of one owner as one range", () => {
    const a = owner();
    const c = owner();
    const b = batch();
    fill(b, ["{}", "{}", "{}"], a, 10);
    fill(b, ["{}"], c, 0);
    fill(b, ["{}"], a, 20);
    b.acknowledge();
    expect(a.acks).toEqual([
      [10, 13],
      [20, 21],
    ]);
    expect(c.acks).toEqual([[0, 1]]);
  });

  it("splits into two halves that together hold every event with its owner and number", async () => {
    const a = owner();
    const c = owner();
    const b = batch();
    fill(b, ['{"e":0}', '{"e":1}', '{"e":2}'], a, 0);
    fill(b, ['{"e":3}', '{"e":4}'], c, 7);
    const [first, second] = await b.split();
    expect(first.size).toBe(3);
    expect(second.size).toBe(2);
    expect([...(await first.events()), ...(await second.events())]).toEqual(await b.events());
    second.acknowledge();
    first.acknowledge();
    expect(a.acks).toEqual([[0, 3]]);
    expect(c.acks).toEqual([[7, 9]]);
  });

  it("fails every owner of a failed batch", () => {
    const a = owner();
    const c = owner();
    const b = batch();
    fill(b, ["{}"], a);
    fill(b, ["{}"], c);
    const error = new Error("boom");
    b.fail(error);
    expect(a.errors).toEqual([error]);
    expect(c.errors).toEqual([error]);
  });

  it("compresses into the pool's buffers, and reuses one only once the batch that held it is released", async () => {
    const first = batch();
    fill(first, ['{"first":1}'], owner());
    const firstBody = await first.seal();
    const second = batch();
    fill(second, ['{"second":2}'], owner());
    const secondBody = await second.seal();
    expect(secondBody.buffer).not.toBe(firstBody.buffer);
    first.release();
    await Promise.resolve();
    const third = batch();
    fill(third, ['{"third":3}'], owner());
    expect((await third.seal()).buffer).toBe(firstBody.buffer);
    expect(JSON.parse(gunzipSync(secondBody).toString("utf8")).jsons).toEqual(['{"second":2}']);
    expect(() => first.seal()).toThrow("after release");
    second.release();
    third.release();
  });

  it("gives a body larger than the pool's buffers one of its own", async () => {
    const small = new GzipCompressor(new BodyBuffers(16, 1));
    const member = await small.compress(Buffer.from("x".repeat(100)));
    expect(gunzipSync(member).toString("utf8")).toBe("x".repeat(100));
    small.release(member);
    small.close();
  });
});

describe("BodyBuffers", () => {
  it("refuses a buffer given back twice, which would be handed to two batches at once", () => {
    const pool = new BodyBuffers(1024, 4);
    const buffer = pool.take();
    pool.release(buffer.subarray(0, 10));
    expect(() => pool.release(buffer)).toThrow("given back twice");
    expect(pool.take().buffer).toBe(buffer.buffer);
    expect(pool.take().buffer).not.toBe(buffer.buffer);
  });

  it("ignores buffers it did not make, and keeps no more free than asked", () => {
    const pool = new BodyBuffers(1024, 1);
    pool.release(Buffer.allocUnsafeSlow(1024));
    const [a, b] = [pool.take(), pool.take()];
    pool.release(a);
    pool.release(b);
    expect(pool.take().buffer).toBe(a.buffer);
    expect(pool.take().buffer).not.toBe(b.buffer);
  });
});
