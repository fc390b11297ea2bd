// DeliveryTracker: out-of-order acknowledgements become the furthest blob position before which every
// event is delivered; a position inside a run of blocks is "its first block plus `skip` events", and
// reading settles only when every event taken is acknowledged.

import { describe, expect, it } from "vitest";
import { positionAt, START_POSITION, type BlobPosition, type CommittedBlock } from "../../../forwarder/source/blob-position";
import { DeliveryTracker } from "../../../forwarder/poll/delivery-tracker";

// head, three record blocks, tail: as Azure commits a PT1H.json blob.
const BLOCKS: CommittedBlock[] = [
  { name: "h", size: 12 },
  { name: "r1", size: 300 },
  { name: "r2", size: 200 },
  { name: "r3", size: 250 },
  { name: "t", size: 2 },
];

function tracker(start: BlobPosition = START_POSITION) {
  const progress: BlobPosition[] = [];
  const t = new DeliveryTracker(start, (p) => progress.push(p));
  return { t, progress };
}

function take(t: DeliveryTracker, n: number): number[] {
  return Array.from({ length: n }, () => t.take());
}

describe("DeliveryTracker", () => {
  it("numbers events in read order from 0", () => {
    const { t } = tracker();
    expect(take(t, 3)).toEqual([0, 1, 2]);
    expect(t.taken).toBe(3);
  });

  it("moves the position only as far as every event before it is acknowledged", () => {
    const { t, progress } = tracker();
    t.mark(positionAt(BLOCKS, 0));
    take(t, 5); // run of blocks 0..2
    t.mark(positionAt(BLOCKS, 3));
    take(t, 4); // block 3
    t.mark(positionAt(BLOCKS, 4)); // only the tail follows

    t.acknowledge(5, 9);
    expect(progress).toEqual([]);
    expect(t.position()).toEqual(START_POSITION);

    t.acknowledge(0, 3);
    expect(progress.at(-1)).toEqual({ ...positionAt(BLOCKS, 0), skip: 3 });

    t.acknowledge(3, 5);
    expect(progress.at(-1)).toEqual(positionAt(BLOCKS, 4));
    expect(t.position().offset).toBe(12 + 300 + 200 + 250);
  });

  it("joins several out-of-order ranges once the gap before them closes", () => {
    const { t, progress } = tracker();
    take(t, 10);
    t.mark(positionAt(BLOCKS, 2));
    take(t, 1);
    t.acknowledge(8, 11);
    t.acknowledge(2, 5);
    t.acknowledge(5, 8);
    expect(progress).toEqual([]);
    t.acknowledge(0, 2);
    // One progress report, straight to the furthest point: event 10 is the first read after block 2.
    expect(progress).toEqual([{ ...positionAt(BLOCKS, 2), skip: 1 }]);
  });

  it("stops at a boundary's skip count when only part of the run after it is delivered", () => {
    const { t } = tracker();
    take(t, 2);
    t.mark(positionAt(BLOCKS, 3));
    take(t, 6);
    t.acknowledge(0, 2);
    expect(t.position()).toEqual(positionAt(BLOCKS, 3));
    t.acknowledge(2, 6);
    expect(t.position()).toEqual({ ...positionAt(BLOCKS, 3), skip: 4 });
  });

  it("adds to the skip of a start position that was itself inside a run", () => {
    const start = positionAt(BLOCKS, 1, 7);
    const { t } = tracker(start);
    take(t, 3);
    t.acknowledge(0, 2);
    expect(t.position()).toEqual({ ...start, skip: 9 });
  });

  it("passes boundaries of runs that produced no events", () => {
    const { t } = tracker();
    take(t, 2);
    t.mark(positionAt(BLOCKS, 2)); // a run whose records were all malformed
    t.mark(positionAt(BLOCKS, 3));
    t.mark(positionAt(BLOCKS, 4));
    t.acknowledge(0, 2);
    expect(t.position()).toEqual(positionAt(BLOCKS, 4));
  });

  it("gives the read position after the last event taken, ahead of what is delivered", () => {
    const { t } = tracker();
    t.mark(positionAt(BLOCKS, 1));
    take(t, 5);
    t.mark(positionAt(BLOCKS, 3));
    take(t, 2);
    t.acknowledge(0, 3);
    expect(t.readPosition()).toEqual(positionAt(BLOCKS, 3, 2));
    expect(t.position()).toEqual(positionAt(BLOCKS, 1, 3));
  });

  it("settles once reading finished and every event taken is acknowledged", async () => {
    const { t, progress } = tracker();
    take(t, 4);
    t.mark(positionAt(BLOCKS, 4));
    let settled = false;
    const done = t.finishReading().then(() => (settled = true));
    t.acknowledge(2, 4);
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(t.complete).toBe(false);
    t.acknowledge(0, 2);
    await done;
    expect(t.complete).toBe(true);
    expect(progress.at(-1)).toEqual(positionAt(BLOCKS, 4));
  });

  it("settles at once, at its last mark, when reading took no events", async () => {
    const { t, progress } = tracker();
    t.mark(positionAt(BLOCKS, 4));
    await t.finishReading();
    expect(progress).toEqual([positionAt(BLOCKS, 4)]);
  });

  it("rejects with the first failure, and keeps what was acknowledged before it", async () => {
    const { t } = tracker();
    take(t, 4);
    t.acknowledge(0, 1);
    const first = new Error("intake key rejected");
    t.fail(first);
    t.fail(new Error("later"));
    t.acknowledge(1, 2);
    await expect(t.finishReading()).rejects.toBe(first);
    expect(t.failed).toBe(first);
    expect(t.complete).toBe(false);
    expect(t.position()).toEqual({ ...START_POSITION, skip: 2 });
  });

  it("rejects when a failure arrives after reading finished", async () => {
    const { t } = tracker();
    take(t, 2);
    const settled = t.finishReading();
    const error = new Error("shutdown");
    t.fail(error);
    await expect(settled).rejects.toBe(error);
  });
});
