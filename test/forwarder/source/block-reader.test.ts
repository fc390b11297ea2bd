// BlockReader against Azurite, on blobs committed block by block as Azure does: a read resumes after
// the blocks already delivered and downloads only what was committed since (never the head or records
// read before), a blob whose blocks no longer extend the checkpoint is read again from the start, and
// a blob that changes between listing and download is reported, not misread.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerClient } from "@azure/storage-blob";
import { BlobChangedError } from "../../../forwarder/errors";
import { positionAt } from "../../../forwarder/source/blob-position";
import type { BlobCheckpoint } from "../../../forwarder/checkpoints/checkpoint-store";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import { BlockReader, type ReadPlan } from "../../../forwarder/source/block-reader";

/** What a test needs of a downloaded range; kept minimal so the test holds whatever else a run carries. */
interface BlockRun {
  readonly bytes: Buffer;
  readonly firstBlock: number;
}
import { parseContainerUrl } from "../../../forwarder/source/container-location";
import { containerClient } from "../../../forwarder/source/storage-client";
import { Azurite } from "../../helpers/azurite";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId } from "../../helpers/flow-logs";

const CONTAINER = "insights-logs-networksecuritygroupflowevent";
const HEAD_BYTES = Buffer.byteLength('{"records":[');

let azurite: Azurite;
/** The forwarder's view: a read-only SAS, as in production. */
let readOnly: ContainerClient;
/** The writer's view (Azure's flow-log writer in production). */
let writer: ContainerClient;
const gen = new FlowLogGenerator(11);
const nsgId = nsgResourceId("22222222-3333-4444-5555-666666666666", "rg-reader", "nsg-reader");
const hour = new Date(Date.UTC(2026, 3, 2, 10));
let blobCounter = 0;

beforeAll(async () => {
  azurite = await Azurite.start();
  await azurite.createContainer(CONTAINER);
  readOnly = containerClient(parseContainerUrl(azurite.containerSasUrl(CONTAINER, "rl")));
  writer = azurite.service.getContainerClient(CONTAINER);
});

afterAll(async () => {
  await azurite?.stop();
});

function freshBlob(): AzureFlowLogBlob {
  return new AzureFlowLogBlob(writer, nsgBlobName(nsgId, hour, `000D3A${String(blobCounter++).padStart(6, "0")}`));
}

function records(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, () => gen.nsgRecord(nsgId, { time: hour, mac: "000D3A000000", tuplesPerRule: 2 }).record);
}

/** Every run, its bytes copied: a run's buffer is reused once the next run is asked for. */
async function readAll(reader: BlockReader, plan: ReadPlan): Promise<BlockRun[]> {
  const runs: BlockRun[] = [];
  for await (const run of reader.runs(plan, new AbortController().signal)) runs.push({ ...run, bytes: Buffer.from(run.bytes) });
  return runs;
}

/** What the forwarder stores once everything read is delivered. */
function deliveredThrough(plan: ReadPlan): BlobCheckpoint {
  return {
    position: positionAt(plan.blocks, plan.blocks.length - 1),
    lastBlock: plan.blocks[plan.blocks.length - 1],
    etag: plan.etag,
    updatedAt: new Date().toISOString(),
  };
}

const bytesOf = (runs: BlockRun[]) => runs.reduce((sum, r) => sum + r.bytes.length, 0);
/** The records in the concatenated ranges, parsed independently of the forwarder's decoder. */
function recordsOf(runs: BlockRun[]): unknown[] {
  const text = Buffer.concat(runs.map((r) => r.bytes))
    .toString("utf8")
    .replace(/^\{"records":\[/, "")
    .replace(/\]\}$/, "")
    .replace(/^,/, "");
  return text.length === 0 ? [] : (JSON.parse(`[${text}]`) as unknown[]);
}
const downloads = async (metrics: ForwarderMetrics) => (await metrics.storageRequests.get()).values.find((v) => v.labels.operation === "download")?.value ?? 0;

describe("BlockReader", () => {
  it("reads a new blob whole on first sight, from the committed block list", async () => {
    const blob = freshBlob();
    const written = records(3);
    await blob.append(written);
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), 1024 * 1024);
    const plan = await reader.plan(blob.name, undefined);
    expect(plan.blocks).toHaveLength(5);
    expect(plan).toMatchObject({ rewritten: false, upToDate: false, start: { blocks: 0, offset: 0, skip: 0 } });
    const runs = await readAll(reader, plan);
    expect(bytesOf(runs)).toBe((await writer.getBlockBlobClient(blob.name).getProperties()).contentLength);
    expect(recordsOf(runs)).toEqual(written);
  });

  it("downloads only the blocks committed since the checkpoint: not the head, not the records read before, not the known tail", async () => {
    const blob = freshBlob();
    await blob.append(records(4));
    const metrics = new ForwarderMetrics();
    const reader = new BlockReader(readOnly, metrics, 1024 * 1024);
    const first = await reader.plan(blob.name, undefined);
    await readAll(reader, first);

    const appended = records(2);
    await blob.append(appended);
    const second = await reader.plan(blob.name, deliveredThrough(first));
    expect(second).toMatchObject({ rewritten: false, upToDate: false, tailKnown: true });
    expect(second.start.blocks).toBe(first.blocks.length - 1);
    const runs = await readAll(reader, second);

    const newRecordBytes = appended.reduce<number>((sum, r) => sum + Buffer.byteLength(`,${JSON.stringify(r)}`), 0);
    // The tail block is the one read last time (same id, no record in it): it is not fetched again.
    expect(bytesOf(runs)).toBe(newRecordBytes);
    expect(runs[0].firstBlock).toBe(first.blocks.length - 1);
    expect(recordsOf(runs)).toEqual(appended);
    const total = second.blocks.reduce((sum, b) => sum + b.size, 0);
    expect(bytesOf(runs)).toBeLessThan(total - HEAD_BYTES);
    expect(await downloads(metrics)).toBe(2);
  });

  it("plans no download (up to date) when only the tail follows the checkpoint", async () => {
    const blob = freshBlob();
    await blob.append(records(2));
    const metrics = new ForwarderMetrics();
    const reader = new BlockReader(readOnly, metrics, 1024 * 1024);
    const first = await reader.plan(blob.name, undefined);
    await readAll(reader, first);
    expect(await downloads(metrics)).toBe(1);
    const again = await reader.plan(blob.name, deliveredThrough(first));
    expect(again).toMatchObject({ upToDate: true, rewritten: false });
    expect(await downloads(metrics)).toBe(1);
  });

  it("detects a blob that shrank below the checkpoint and plans to read it again from the start", async () => {
    const blob = freshBlob();
    await blob.append(records(5));
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), 1024 * 1024);
    const first = await reader.plan(blob.name, undefined);
    await writer.getBlockBlobClient(blob.name).delete();
    const rewritten = new AzureFlowLogBlob(writer, blob.name);
    const replacement = records(1);
    await rewritten.append(replacement);
    const plan = await reader.plan(blob.name, deliveredThrough(first));
    expect(plan).toMatchObject({ rewritten: true, upToDate: false, start: { blocks: 0, offset: 0, skip: 0 } });
    expect(recordsOf(await readAll(reader, plan))).toEqual(replacement);
  });

  it("detects a blob rewritten with as many blocks but different content before the checkpoint", async () => {
    const blob = freshBlob();
    await blob.append(records(3));
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), 1024 * 1024);
    const first = await reader.plan(blob.name, undefined);
    const checkpoint = deliveredThrough(first);
    await writer.getBlockBlobClient(blob.name).delete();
    const rewritten = new AzureFlowLogBlob(writer, blob.name);
    await rewritten.append(records(1));
    await rewritten.appendRawBlock(`,${JSON.stringify({ different: "record", size: "x".repeat(50) })}`);
    await rewritten.appendRawBlock(",{}");
    await rewritten.appendRawBlock(",{}");
    const plan = await reader.plan(blob.name, checkpoint);
    expect(plan.blocks.length).toBeGreaterThan(checkpoint.position.blocks);
    expect(plan.rewritten).toBe(true);
    expect(plan.start.blocks).toBe(0);
  });

  it("reads a large blob in ranges of at most maxRunBytes that together are the blob, byte for byte", async () => {
    const blob = freshBlob();
    const written = records(12);
    await blob.append(written);
    const maxRunBytes = 2_000;
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), maxRunBytes);
    const plan = await reader.plan(blob.name, undefined);
    const runs = await readAll(reader, plan);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run.bytes.length).toBeLessThanOrEqual(maxRunBytes);
    expect(Buffer.concat(runs.map((r) => r.bytes))).toEqual(await writer.getBlockBlobClient(blob.name).downloadToBuffer());
    expect(recordsOf(runs)).toEqual(written);
  });

  it("stops downloading when the caller stops", async () => {
    const blob = freshBlob();
    await blob.append(records(12));
    const metrics = new ForwarderMetrics();
    const reader = new BlockReader(readOnly, metrics, 1_000);
    const plan = await reader.plan(blob.name, undefined);
    const stop = new AbortController();
    const seen: BlockRun[] = [];
    for await (const run of reader.runs(plan, stop.signal)) {
      seen.push(run);
      stop.abort();
    }
    expect(seen).toHaveLength(1);
    expect(await downloads(metrics)).toBeLessThanOrEqual(2);
  });

  it("reports a blob that changed between its block list and the download as BlobChangedError", async () => {
    const blob = freshBlob();
    await blob.append(records(2));
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), 1024 * 1024);
    const plan = await reader.plan(blob.name, undefined);
    await blob.append(records(1));
    const error = await readAll(reader, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobChangedError);
    expect(error).toMatchObject({ blobName: blob.name, gone: false });
  });

  it("reports a blob deleted before planning as gone", async () => {
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), 1024 * 1024);
    const error = await reader.plan("resourceId=/NOPE/y=2026/m=04/d=02/h=10/m=00/macAddress=AA/PT1H.json", undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobChangedError);
    expect(error).toMatchObject({ gone: true });
  });

  it("reads a blob written with Put Blob (no block list) as one block", async () => {
    const name = nsgBlobName(nsgId, hour, "000D3AFFFFFF");
    const text = `{"records":[${JSON.stringify(records(1)[0])}]}`;
    await writer.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    const reader = new BlockReader(readOnly, new ForwarderMetrics(), 1024 * 1024);
    const plan = await reader.plan(name, undefined);
    expect(plan.blocks).toEqual([{ name: "", size: Buffer.byteLength(text) }]);
    const runs = await readAll(reader, plan);
    expect(recordsOf(runs)).toHaveLength(1);
  });
});
