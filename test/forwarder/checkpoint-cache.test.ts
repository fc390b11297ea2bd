// CheckpointCache against Azurite: progress the intake acknowledged but the store could not take is
// where the next read starts, survives a lease re-acquisition, and is stored under the ETag it was
// read with once the container answers; if another writer moved the blob on meanwhile, it is dropped.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { positionAt } from "../../forwarder/checkpoints/blob-position";
import { CheckpointStore, type BlobCheckpoint } from "../../forwarder/checkpoints/checkpoint-store";
import { CheckpointCache } from "../../forwarder/checkpoint-cache";
import { CheckpointConflictError } from "../../forwarder/errors";
import { ForwarderMetrics } from "../../forwarder/metrics";
import { parseContainerUrl } from "../../forwarder/source/container-location";
import { containerClient } from "../../forwarder/source/storage-client";
import { Azurite } from "../helpers/azurite";

let azurite: Azurite;
let store: CheckpointStore;

beforeAll(async () => {
  azurite = await Azurite.start();
  await azurite.createContainer("checkpoints");
  store = new CheckpointStore(containerClient(parseContainerUrl(azurite.containerSasUrl("checkpoints", "racwdl"))), new ForwarderMetrics());
});

afterAll(async () => {
  await azurite?.stop();
});

const SOURCE = { url: "https://acct.blob.core.windows.net/insights-logs-flowlogflowevent", account: "acct", container: "insights-logs-flowlogflowevent" };
const BLOCKS = Array.from({ length: 8 }, (_, i) => ({ name: `b${i}`, size: 10 + i }));
const at = (blocks: number): BlobCheckpoint => ({ position: positionAt(BLOCKS, blocks), updatedAt: new Date(0).toISOString() });
let counter = 0;
const freshBlob = () => `flowLogResourceID=/X/y=2026/m=04/d=02/h=${String(counter++).padStart(2, "0")}/m=00/macAddress=AA/PT1H.json`;

describe("CheckpointCache", () => {
  it("starts the next read where the intake's acknowledgements reached, stored or not", async () => {
    const blob = freshBlob();
    const cache = new CheckpointCache(store);
    const etag = await store.writeBlob(SOURCE, blob, at(2), undefined);
    expect((await cache.blobProgress(SOURCE, blob, undefined)).reached).toEqual(at(2));
    const reached = at(5);
    cache.noteBlobReached(SOURCE, blob, undefined, reached);
    expect(await cache.blobProgress(SOURCE, blob, undefined)).toEqual({ stored: { value: at(2), etag }, reached });
  });

  it("keeps unsaved progress through forgetSource and stores it under the ETag it was read with", async () => {
    const blob = freshBlob();
    const cache = new CheckpointCache(store);
    await store.writeBlob(SOURCE, blob, at(2), undefined);
    await cache.blobProgress(SOURCE, blob, undefined);
    cache.noteBlobReached(SOURCE, blob, undefined, at(6));
    cache.forgetSource(SOURCE);
    await cache.saveUnsaved(SOURCE);
    expect((await store.readBlob(SOURCE, blob))?.value).toEqual(at(6));
    expect((await cache.blobProgress(SOURCE, blob, undefined)).reached).toEqual(at(6));
  });

  it("drops unsaved progress when another writer moved the blob on meanwhile", async () => {
    const blob = freshBlob();
    const cache = new CheckpointCache(store);
    const etag = await store.writeBlob(SOURCE, blob, at(2), undefined);
    await cache.blobProgress(SOURCE, blob, undefined);
    cache.noteBlobReached(SOURCE, blob, undefined, at(4));
    await store.writeBlob(SOURCE, blob, at(7), etag);
    await expect(cache.saveUnsaved(SOURCE)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await cache.blobProgress(SOURCE, blob, undefined)).reached).toEqual(at(7));
  });
});
