// Progress against Azurite: a blob's checkpoint moves to what the intake acknowledged, written by one
// loop (one write at a time, only the newest, none that would store what is stored); progress the
// store could not take is where the next read starts, survives a lease re-acquisition and is stored
// once the container answers; a conflict leaves the blob to the other writer, unless what is stored is
// the blob's own write, reported failed (its reply lost) but stored all the same. The checkpoint
// container "fails" by not existing yet: every write is refused until a test creates it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointStore, type BlobCheckpoint } from "../../../forwarder/checkpoints/checkpoint-store";
import { CheckpointConflictError, CheckpointUnavailableError } from "../../../forwarder/errors";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import { Progress } from "../../../forwarder/poll/progress";
import { positionAt } from "../../../forwarder/source/blob-position";
import { parseContainerUrl } from "../../../forwarder/source/container-location";
import { containerClient } from "../../../forwarder/source/storage-client";
import { Azurite } from "../../helpers/azurite";

let azurite: Azurite;

beforeAll(async () => {
  azurite = await Azurite.start();
});

afterAll(async () => {
  await azurite?.stop();
});

const SOURCE = { url: "https://acct.blob.core.windows.net/insights-logs-flowlogflowevent", account: "acct", container: "insights-logs-flowlogflowevent" };
const BLOCKS = Array.from({ length: 8 }, (_, i) => ({ name: `b${i}`, size: 10 + i }));
const at = (blocks: number): BlobCheckpoint => ({ position: positionAt(BLOCKS, blocks), updatedAt: new Date(0).toISOString() });
const BLOB = "flowLogResourceID=/X/y=2026/m=04/d=02/h=00/m=00/macAddress=AA/PT1H.json";
let counter = 0;

/** A store of its own per test; `created` says whether its container exists yet. */
async function freshStore(created = true): Promise<{ store: CheckpointStore; metrics: ForwarderMetrics; create: () => Promise<void> }> {
  const name = `checkpoints-${counter++}`;
  const create = () => azurite.createContainer(name);
  if (created) await create();
  const metrics = new ForwarderMetrics();
  return { store: new CheckpointStore(containerClient(parseContainerUrl(azurite.containerSasUrl(name, "racwdl"))), metrics), metrics, create };
}

/** Progress whose first acknowledgement `value` the store refused (its container is missing): unsaved. */
async function refused(value: BlobCheckpoint): Promise<{ store: CheckpointStore; create: () => Promise<void>; progress: Progress }> {
  const { store, create } = await freshStore(false);
  const progress = new Progress(store);
  const blob = await progress.blob(SOURCE, BLOB, undefined);
  blob.reach(value);
  await expect(blob.saved()).rejects.toBeInstanceOf(CheckpointUnavailableError);
  return { store, create, progress };
}

/**
 * A store whose next `lose` writes are stored but reported failed, as when the reply to a write is
 * lost (the connection dropped as the container went away): `then` is what the caller sees instead,
 * the failure itself or the conflict the SDK's retry of the stored write meets.
 */
class RepliesLost extends CheckpointStore {
  lose = 0;
  then: "unavailable" | "conflict" = "unavailable";

  override async write(name: string, value: unknown, etag: string | undefined): Promise<string> {
    const stored = await super.write(name, value, etag);
    if (this.lose === 0) return stored;
    this.lose--;
    if (this.then === "conflict") return super.write(name, value, etag);
    throw new CheckpointUnavailableError(`store ${name}`, new Error("socket hang up"));
  }
}

async function writes(metrics: ForwarderMetrics): Promise<number> {
  const metric = await metrics.storageRequests.get();
  return metric.values.find((v) => v.labels.operation === "checkpoint_write")?.value ?? 0;
}

describe("Progress", () => {
  it("stores what the intake acknowledged, and the next read starts there", async () => {
    const { store } = await freshStore();
    const progress = new Progress(store);
    const blob = await progress.blob(SOURCE, BLOB, undefined);
    expect(blob.reached).toBeUndefined();
    blob.reach(at(3));
    await blob.saved();
    expect((await store.readBlob(SOURCE, BLOB))?.value).toEqual(at(3));
    expect((await progress.blob(SOURCE, BLOB, undefined)).reached).toEqual(at(3));
  });

  it("writes one checkpoint at a time and only the newest of the acknowledgements that arrive meanwhile", async () => {
    const { store, metrics } = await freshStore();
    const blob = await new Progress(store).blob(SOURCE, BLOB, undefined);
    blob.reach(at(1));
    blob.reach(at(2));
    blob.reach(at(3));
    await blob.saved();
    expect(await writes(metrics)).toBe(2);
    expect((await store.readBlob(SOURCE, BLOB))?.value).toEqual(at(3));
  });

  it("skips a write that would store the progress already reached", async () => {
    const { store, metrics } = await freshStore();
    const blob = await new Progress(store).blob(SOURCE, BLOB, undefined);
    blob.reach(at(2));
    await blob.saved();
    blob.reach({ ...at(2), updatedAt: new Date(1).toISOString() });
    await blob.saved();
    expect(await writes(metrics)).toBe(1);
  });

  it("starts the next read from progress the store refused, and stores it once the container answers", async () => {
    const { store, create, progress } = await refused(at(5));
    expect((await progress.blob(SOURCE, BLOB, undefined)).reached).toEqual(at(5));
    await expect(progress.saveUnsaved(SOURCE)).rejects.toBeInstanceOf(CheckpointUnavailableError);
    await create();
    await progress.saveUnsaved(SOURCE);
    expect((await store.readBlob(SOURCE, BLOB))?.value).toEqual(at(5));
  });

  it("keeps unsaved progress through forgetSource, so a re-acquired lease does not lose it", async () => {
    const { store, create, progress } = await refused(at(6));
    progress.forgetSource(SOURCE);
    await create();
    await progress.saveUnsaved(SOURCE);
    expect((await store.readBlob(SOURCE, BLOB))?.value).toEqual(at(6));
    expect((await progress.blob(SOURCE, BLOB, undefined)).reached).toEqual(at(6));
  });

  it("leaves a blob to another writer that moved it on: the write conflicts, nothing more is written, the next read starts from theirs", async () => {
    const { store, metrics } = await freshStore();
    const etag = await store.writeBlob(SOURCE, BLOB, at(2), undefined);
    const progress = new Progress(store);
    const blob = await progress.blob(SOURCE, BLOB, undefined);
    expect(blob.reached).toEqual(at(2));
    await store.writeBlob(SOURCE, BLOB, at(7), etag);
    blob.reach(at(4));
    await expect(blob.saved()).rejects.toBeInstanceOf(CheckpointConflictError);
    blob.reach(at(5));
    await expect(blob.saved()).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await writes(metrics)).toBe(3);
    expect((await progress.blob(SOURCE, BLOB, undefined)).reached).toEqual(at(7));
  });

  it("drops unsaved progress when another writer stored the blob meanwhile", async () => {
    const { store, create, progress } = await refused(at(4));
    await create();
    await store.writeBlob(SOURCE, BLOB, at(7), undefined);
    await expect(progress.saveUnsaved(SOURCE)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await progress.blob(SOURCE, BLOB, undefined)).reached).toEqual(at(7));
  });

  it.each(["unavailable", "conflict"] as const)(
    "takes a checkpoint its own write stored, though the store reported the write %s, as its own: nothing is read again",
    async (then) => {
      const { store: plain } = await freshStore();
      const store = new RepliesLost(plain.container, new ForwarderMetrics());
      const progress = new Progress(store);
      const blob = await progress.blob(SOURCE, BLOB, undefined);
      blob.reach(at(2));
      await blob.saved();
      store.lose = 1;
      store.then = then;
      blob.reach(at(3));
      // The failure is what it is; the conflict is with the blob's own checkpoint, so none.
      if (then === "unavailable") await expect(blob.saved()).rejects.toBeInstanceOf(CheckpointUnavailableError);
      else await blob.saved();
      blob.reach(at(5));
      await progress.saveUnsaved(SOURCE);
      expect((await store.readBlob(SOURCE, BLOB))?.value).toEqual(at(5));
      expect((await progress.blob(SOURCE, BLOB, undefined)).reached).toEqual(at(5));
    },
  );

  it("forgets a source's state when storing it fails, and reads it again", async () => {
    const { store } = await freshStore();
    const progress = new Progress(store);
    expect(await progress.sourceState(SOURCE)).toBeUndefined();
    const theirs = { roots: ["a/"], scannedThrough: new Date(3_600_000).toISOString() };
    await store.writeSource(SOURCE, theirs, undefined);
    await expect(progress.recordSource(SOURCE, { roots: [] })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await progress.sourceState(SOURCE))?.value).toEqual(theirs);
    expect(progress.deliveredBeforeOf(SOURCE)).toBe(3_600_000);
  });
});
