// IntakeBatch: the body it builds is what the intake expects, its byte count bounds the real body, and
// a split for a 413 keeps every event's owner and number.

import { describe, expect, it } from "vitest";
import { bodyOverhead, IntakeBatch, type DeliveryOwner } from "../../../forwarder/sink/intake-batch";

const KEY = "batch-test-intake-key";

function owner(): DeliveryOwner & { acks: [number, number][]; errors: Error[] } {
  const o = {
    acks: [] as [number, number][],
    errors: [] as Error[],
    acknowledge: (from: number, to: number) => void o.acks.push([from, to]),
    fail: (error: Error) => void o.errors.push(error),
  };
  return o;
}

function fill(batch: IntakeBatch, events: string[], o: DeliveryOwner, firstSeq = 0): void {
  events.forEach((event, i) => {
    const quoted = JSON.stringify(event);
    batch.add(quoted, IntakeBatch.cost(quoted), o, firstSeq + i);
  });
}

describe("IntakeBatch", () => {
  it("builds {intake_key, jsons} with each event as a JSON string", () => {
    const batch = new IntakeBatch(bodyOverhead(KEY));
    const events = ['{"a":1}', '{"b":"x\\"y"}'];
    fill(batch, events, owner());
    expect(JSON.parse(batch.body(KEY))).toEqual({ intake_key: KEY, jsons: events });
  });

  it("counts at least the bytes of the body it builds (ASCII events)", () => {
    const batch = new IntakeBatch(bodyOverhead(KEY));
    fill(batch, Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, rule: "DefaultRule_AllowInternetOutBound" })), owner());
    expect(batch.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(batch.body(KEY)));
  });

  it("counts at least the bytes of the body it builds (non-ASCII events)", () => {
    // Resource group names may hold Unicode letters; UTF-8 needs 2-3 bytes for each of them.
    const batch = new IntakeBatch(bodyOverhead(KEY));
    fill(batch, Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, resourceId: "/RESOURCEGROUPS/RG-ÉTÉ-网络-" + "é".repeat(40) })), owner());
    expect(batch.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(batch.body(KEY)));
  });

  it("acknowledges contiguous events of one owner as one range", () => {
    const a = owner();
    const b = owner();
    const batch = new IntakeBatch(bodyOverhead(KEY));
    fill(batch, ["{}", "{}", "{}"], a, 10);
    fill(batch, ["{}"], b, 0);
    fill(batch, ["{}"], a, 20);
    batch.acknowledge();
    expect(a.acks).toEqual([[10, 13], [20, 21]]);
    expect(b.acks).toEqual([[0, 1]]);
  });

  it("splits into two halves that together hold every event with its owner and number", () => {
    const a = owner();
    const b = owner();
    const batch = new IntakeBatch(bodyOverhead(KEY));
    fill(batch, ['{"e":0}', '{"e":1}', '{"e":2}'], a, 0);
    fill(batch, ['{"e":3}', '{"e":4}'], b, 7);
    const [first, second] = batch.split();
    expect(first.size).toBe(3);
    expect(second.size).toBe(2);
    expect([...first.quoted, ...second.quoted]).toEqual(batch.quoted);
    expect(first.bytes + second.bytes - bodyOverhead(KEY)).toBe(batch.bytes);
    second.acknowledge();
    first.acknowledge();
    expect(a.acks).toEqual([[0, 3]]);
    expect(b.acks).toEqual([[7, 9]]);
  });

  it("fails every owner of a failed batch", () => {
    const a = owner();
    const b = owner();
    const batch = new IntakeBatch(bodyOverhead(KEY));
    fill(batch, ["{}"], a);
    fill(batch, ["{}"], b);
    const error = new Error("boom");
    batch.fail(error);
    expect(a.errors).toEqual([error]);
    expect(b.errors).toEqual([error]);
  });
});
