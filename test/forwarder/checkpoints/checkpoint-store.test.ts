// CheckpointStore against Azurite: a record is created only when absent, replaced only under the ETag
// it was read with, so of two writers racing from the same version exactly one wins and the other gets
// a CheckpointConflictError; the stored value is always the winner's.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerClient } from "@azure/storage-blob";
import { positionAt } from "../../../forwarder/source/blob-position";
import {
  blobCheckpointName,
  CheckpointStore,
  sourceCheckpointName,
  type BlobCheckpoint,
  type SourceCheckpoint,
} from "../../../forwarder/checkpoints/checkpoint-store";
import { CheckpointConflictError, ForwarderError } from "../../../forwarder/errors";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import { parseContainerUrl } from "../../../forwarder/source/container-location";
import { containerClient } from "../../../forwarder/source/storage-client";
import { Azurite } from "../../helpers/azurite";

let azurite: Azurite;
let container: ContainerClient;

beforeAll(async () => {
  azurite = await Azurite.start();
  await azurite.createContainer("checkpoints");
  container = containerClient(parseContainerUrl(azurite.containerSasUrl("checkpoints", "racwdl")));
});

afterAll(async () => {
  await azurite?.stop();
});

const SOURCE = { account: "flowacct", container: "insights-logs-flowlogflowevent" };
let blobCounter = 0;
const freshBlob = () => `flowLogResourceID=/SUB/FLOWLOGS/FL/y=2026/m=04/d=02/h=${String(blobCounter++).padStart(2, "0")}/m=00/macAddress=AA/PT1H.json`;

function checkpoint(blocks: number): BlobCheckpoint {
  const list = Array.from({ length: 6 }, (_, i) => ({ name: `b${i}`, size: 100 + i }));
  return { position: positionAt(list, blocks), updatedAt: new Date(0).toISOString() };
}

describe("CheckpointStore", () => {
  it("reads nothing for a blob that has no checkpoint yet", async () => {
    const store = new CheckpointStore(container, new ForwarderMetrics());
    expect(await store.readBlob(SOURCE, freshBlob())).toBeUndefined();
    expect(await store.readSource({ account: "nobody", container: "insights-logs-flowlogflowevent" })).toBeUndefined();
  });

  it("creates a checkpoint when absent and reads back the value with the ETag it was written under", async () => {
    const store = new CheckpointStore(container, new ForwarderMetrics());
    const blob = freshBlob();
    const etag = await store.writeBlob(SOURCE, blob, checkpoint(2), undefined);
    const read = await store.readBlob(SOURCE, blob);
    expect(read).toEqual({ value: checkpoint(2), etag });
    const raw = await container.getBlockBlobClient(blobCheckpointName(SOURCE, blob)).downloadToBuffer();
    expect(JSON.parse(raw.toString())).toEqual(checkpoint(2));
  });

  it("refuses to create a checkpoint that already exists (create-only without an ETag)", async () => {
    const store = new CheckpointStore(container, new ForwarderMetrics());
    const blob = freshBlob();
    await store.writeBlob(SOURCE, blob, checkpoint(1), undefined);
    await expect(store.writeBlob(SOURCE, blob, checkpoint(3), undefined)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await store.readBlob(SOURCE, blob))?.value).toEqual(checkpoint(1));
  });

  it("replaces a checkpoint under the ETag it was read with, and returns the new ETag", async () => {
    const store = new CheckpointStore(container, new ForwarderMetrics());
    const blob = freshBlob();
    const first = await store.writeBlob(SOURCE, blob, checkpoint(1), undefined);
    const second = await store.writeBlob(SOURCE, blob, checkpoint(2), first);
    expect(second).not.toBe(first);
    const third = await store.writeBlob(SOURCE, blob, checkpoint(3), second);
    expect(await store.readBlob(SOURCE, blob)).toEqual({ value: checkpoint(3), etag: third });
  });

  it("gives the second of two writers that read the same version a CheckpointConflictError", async () => {
    const a = new CheckpointStore(container, new ForwarderMetrics());
    const b = new CheckpointStore(container, new ForwarderMetrics());
    const blob = freshBlob();
    await a.writeBlob(SOURCE, blob, checkpoint(1), undefined);
    const seenByA = await a.readBlob(SOURCE, blob);
    const seenByB = await b.readBlob(SOURCE, blob);
    await a.writeBlob(SOURCE, blob, checkpoint(4), seenByA!.etag);
    const conflict = await b.writeBlob(SOURCE, blob, checkpoint(2), seenByB!.etag).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(CheckpointConflictError);
    expect((conflict as CheckpointConflictError).code).toBe("CHECKPOINT_CONFLICT");
    expect((conflict as Error).message).toContain(blobCheckpointName(SOURCE, blob));
    expect((await a.readBlob(SOURCE, blob))?.value).toEqual(checkpoint(4));
  });

  it("lets exactly one of two simultaneous writers from the same version win", async () => {
    const blob = freshBlob();
    const seed = new CheckpointStore(container, new ForwarderMetrics());
    const etag = await seed.writeBlob(SOURCE, blob, checkpoint(0), undefined);
    for (let round = 0; round < 5; round++) {
      const current = (await seed.readBlob(SOURCE, blob))!;
      const results = await Promise.allSettled([
        new CheckpointStore(container, new ForwarderMetrics()).writeBlob(SOURCE, blob, checkpoint(round + 1), current.etag),
        new CheckpointStore(container, new ForwarderMetrics()).writeBlob(SOURCE, blob, { ...checkpoint(round + 1), updatedAt: "loser?" }, current.etag),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(rejected).toHaveLength(1);
      expect(rejected[0].reason).toBeInstanceOf(CheckpointConflictError);
      const winner = results.findIndex((r) => r.status === "fulfilled");
      const stored = (await seed.readBlob(SOURCE, blob))!;
      expect(stored.etag).toBe((results[winner] as PromiseFulfilledResult<string>).value);
      expect(stored.value.updatedAt).toBe(winner === 0 ? new Date(0).toISOString() : "loser?");
    }
    expect(etag).toBeTruthy();
  });

  it("lets exactly one of two simultaneous creators win when no checkpoint exists", async () => {
    const blob = freshBlob();
    const results = await Promise.allSettled([
      new CheckpointStore(container, new ForwarderMetrics()).writeBlob(SOURCE, blob, checkpoint(1), undefined),
      new CheckpointStore(container, new ForwarderMetrics()).writeBlob(SOURCE, blob, checkpoint(2), undefined),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError);
  });

  it("keeps source checkpoints apart from blob checkpoints, under the same ETag rules", async () => {
    const store = new CheckpointStore(container, new ForwarderMetrics());
    const source = { account: "acct2", container: "insights-logs-networksecuritygroupflowevent" };
    const value: SourceCheckpoint = { roots: ["resourceId=/A/"], scannedThrough: "2026-04-02T10:00:00.000Z" };
    const etag = await store.writeSource(source, value, undefined);
    expect(await store.readSource(source)).toEqual({ value, etag });
    await expect(store.writeSource(source, value, '"0x8D000000000000"')).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(sourceCheckpointName(source)).not.toBe(blobCheckpointName(source, ""));
  });

  it("passes the readiness check on an existing container, and names a missing one without its SAS", async () => {
    await new CheckpointStore(container, new ForwarderMetrics()).check();
    const missingUrl = azurite.containerSasUrl("no-such-container", "racwdl");
    const missing = new CheckpointStore(containerClient(parseContainerUrl(missingUrl)), new ForwarderMetrics());
    const error = await missing.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForwarderError);
    expect((error as ForwarderError).code).toBe("CHECKPOINT_CONTAINER_MISSING");
    expect((error as Error).message).toContain("no-such-container");
    expect((error as Error).message).not.toContain("sig=");
  });

  it("counts its storage requests by operation", async () => {
    const metrics = new ForwarderMetrics();
    const store = new CheckpointStore(container, metrics);
    const blob = freshBlob();
    await store.readBlob(SOURCE, blob);
    await store.writeBlob(SOURCE, blob, checkpoint(1), undefined);
    const counts = (await metrics.storageRequests.get()).values.map((v) => [v.labels.operation, v.value]);
    expect(counts).toEqual(
      expect.arrayContaining([
        ["checkpoint_read", 1],
        ["checkpoint_write", 1],
      ]),
    );
  });
});
