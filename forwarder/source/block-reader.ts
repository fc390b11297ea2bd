// Reads what was committed to a PT1H.json blob since a position, using the committed block list (never
// the listed size, which runs ahead of what is committed). Yields byte ranges of at most `maxRunBytes`,
// made of whole blocks where blocks are smaller (Azure's are one record each) and cutting larger ones,
// fetching the next range while the caller decodes the current one: memory stays bounded by two
// ranges whatever the blob's or a block's size. The two ranges are downloaded into two buffers the
// reader keeps, not into new ones: downloads leave no garbage to pile up between full collections.

import { RestError, type ContainerClient } from "@azure/storage-blob";
import { BlobChangedError } from "../errors";
import type { ForwarderMetrics } from "../metrics";
import { extendsPosition, START_POSITION, type BlobPosition, type CommittedBlock, type ReadStart } from "./blob-position";
import { readStreamInto } from "./read-stream";

/** A downloaded range of the blob. */
export interface BlockRun {
  /** Valid until the next run is asked for: the buffer is reused for the run after that. */
  readonly bytes: Buffer;
  /** Byte offset of the range in the blob. */
  readonly offset: number;
  /** Index of the block the range starts in. */
  readonly firstBlock: number;
  /** The range starts where block `firstBlock` starts (not inside it). */
  readonly atBlockStart: boolean;
  /** The range reaches the end of the blob (its tail). */
  readonly atEnd: boolean;
}

export interface ReadPlan {
  readonly blobName: string;
  readonly blocks: readonly CommittedBlock[];
  /** ETag of the blob the block list belongs to; every download is conditional on it. */
  readonly etag: string;
  readonly start: BlobPosition;
  /** The blob no longer begins with the blocks the checkpoint covers: it is read again from the start. */
  readonly rewritten: boolean;
  /** Only the tail follows the position: nothing to download. */
  readonly upToDate: boolean;
  /**
   * The last block is the tail already read (same block, holding no record): it is not downloaded
   * again, only the blocks before it.
   */
  readonly tailKnown: boolean;
}

export class BlockReader {
  /** The download buffers of a read, kept for the next one; a second read at once gets its own. */
  private spare?: readonly [Buffer, Buffer];

  constructor(
    private readonly container: ContainerClient,
    private readonly metrics: ForwarderMetrics,
    private readonly maxRunBytes: number,
  ) {}

  async plan(blobName: string, checkpoint: ReadStart | undefined): Promise<ReadPlan> {
    const client = this.container.getBlockBlobClient(blobName);
    this.metrics.storageRequests.inc({ operation: "get_block_list" });
    const list = await client.getBlockList("committed").catch((error: unknown) => this.rethrowChanged(blobName, error));
    let blocks: CommittedBlock[] = (list.committedBlocks ?? []).map((b) => ({ name: b.name, size: b.size }));
    let etag = list.etag!;
    if (blocks.length === 0) {
      // Put Blob (not Azure's writer, but a copy or a test) leaves no block list: treat it as one block.
      this.metrics.storageRequests.inc({ operation: "get_properties" });
      const properties = await client.getProperties().catch((error: unknown) => this.rethrowChanged(blobName, error));
      etag = properties.etag!;
      blocks = properties.contentLength ? [{ name: "", size: properties.contentLength }] : [];
    }
    const previous = checkpoint?.position ?? START_POSITION;
    const rewritten = !extendsPosition(blocks, previous);
    const start = rewritten ? START_POSITION : previous;
    const last = blocks[blocks.length - 1];
    const upToDate =
      blocks.length === 0 ||
      (!rewritten && start.blocks >= blocks.length - 1 && checkpoint?.lastBlock?.name === last.name && checkpoint.lastBlock.size === last.size);
    const tailKnown = !rewritten && checkpoint?.position.skip === 0 && checkpoint.lastBlock?.name === last?.name && checkpoint.lastBlock?.size === last?.size;
    return { blobName, blocks, etag, start, rewritten, upToDate, tailKnown };
  }

  async *runs(plan: ReadPlan, signal: AbortSignal): AsyncGenerator<BlockRun> {
    const end = plan.tailKnown ? plan.blocks.length - 1 : plan.blocks.length;
    const runs = groupRuns(plan.blocks, plan.start.blocks, end, this.maxRunBytes);
    if (runs.length === 0) return;
    const buffers = this.spare ?? [Buffer.allocUnsafeSlow(this.maxRunBytes), Buffer.allocUnsafeSlow(this.maxRunBytes)];
    this.spare = undefined;
    let pending: Promise<BlockRun> | undefined = this.download(plan, runs[0], buffers[0]);
    try {
      for (let i = 0; i < runs.length && pending; i++) {
        const current: BlockRun = await pending;
        pending = i + 1 < runs.length && !signal.aborted ? this.download(plan, runs[i + 1], buffers[(i + 1) % 2]) : undefined;
        // A prefetched download must not reject unobserved if the caller stops early.
        pending?.catch(() => undefined);
        yield current;
        if (signal.aborted) return;
      }
    } finally {
      // A download still under way writes into its buffer: only a settled pair is reused.
      void (pending ?? Promise.resolve()).then(
        () => (this.spare = buffers),
        () => (this.spare = buffers),
      );
    }
  }

  private async download(plan: ReadPlan, run: RunSpan, buffer: Buffer): Promise<BlockRun> {
    this.metrics.storageRequests.inc({ operation: "download" });
    const response = await this.container
      .getBlockBlobClient(plan.blobName)
      .download(run.offset, run.length, { conditions: { ifMatch: plan.etag } })
      .catch((error: unknown) => this.rethrowChanged(plan.blobName, error));
    const bytes = await readStreamInto(response.readableStreamBody!, run.length <= buffer.length ? buffer : Buffer.allocUnsafe(run.length));
    return { bytes, offset: run.offset, firstBlock: run.firstBlock, atBlockStart: run.atBlockStart, atEnd: run.atEnd };
  }

  /** A 404, or a 412 on the ETag the plan read, means the blob changed or (a lifecycle rule) deleted it. */
  private async rethrowChanged(blobName: string, error: unknown): Promise<never> {
    if (!(error instanceof RestError && (error.statusCode === 404 || error.statusCode === 412))) throw error;
    // A conditional read of a deleted blob may answer 412 too; say which it was in the log.
    const gone =
      error.statusCode === 404 ||
      !(await this.container
        .getBlockBlobClient(blobName)
        .exists()
        .catch(() => true));
    throw new BlobChangedError(blobName, gone);
  }
}

interface RunSpan {
  readonly offset: number;
  readonly length: number;
  readonly firstBlock: number;
  readonly atBlockStart: boolean;
  readonly atEnd: boolean;
}

/** Ranges over blocks [from, end): whole blocks grouped up to `maxRunBytes`, larger blocks cut. */
function groupRuns(blocks: readonly CommittedBlock[], from: number, end: number, maxRunBytes: number): RunSpan[] {
  const runs: RunSpan[] = [];
  let blobSize = 0;
  for (const block of blocks) blobSize += block.size;
  let offset = 0;
  for (let i = 0; i < from; i++) offset += blocks[i].size;
  let i = from;
  while (i < end) {
    if (blocks[i].size > maxRunBytes) {
      for (let cut = 0; cut < blocks[i].size; cut += maxRunBytes) {
        const length = Math.min(maxRunBytes, blocks[i].size - cut);
        runs.push({ offset: offset + cut, length, firstBlock: i, atBlockStart: cut === 0, atEnd: offset + cut + length === blobSize });
      }
      offset += blocks[i++].size;
      continue;
    }
    const first = i;
    let length = 0;
    while (i < end && blocks[i].size <= maxRunBytes && length + blocks[i].size <= maxRunBytes) length += blocks[i++].size;
    runs.push({ offset, length, firstBlock: first, atBlockStart: true, atEnd: offset + length === blobSize });
    offset += length;
  }
  return runs;
}
