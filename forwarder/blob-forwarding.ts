// Forwards what is new in one blob: plan the read from its checkpoint, read it into the kind's sink,
// keep malformed input as dead letters, and move the checkpoint as the intake acknowledges, in read
// order. Resolves once every event read is delivered (or rejects).

import { readPlan } from "./blob-reading";
import type { BlobCheckpoint, Stored } from "./checkpoints/checkpoint-store";
import { CheckpointWriter } from "./checkpoints/checkpoint-writer";
import type { DeadLetterItem } from "./checkpoints/dead-letter";
import { DeliveryTracker } from "./checkpoints/delivery-tracker";
import type { FlowLogSource } from "./config";
import type { BlobProgress } from "./checkpoint-cache";
import type { PipelineParts } from "./pipeline-parts";
import type { ReadPlan } from "./source/block-reader";

export interface BlobResult {
  readonly tuplesRead: number;
  readonly bytesRead: number;
  /**
   * To call once the sink has flushed: resolves when every event read is acknowledged and the
   * checkpoint stored; rejects with what kept an event or the checkpoint from getting there.
   */
  readonly settle: () => Promise<void>;
}

/** What reading a blob starts from: its checkpoint and a plan made from it (possibly ahead of time). */
export interface PreparedBlob extends BlobProgress {
  /** Planned from `reached`. */
  readonly plan: ReadPlan;
}

/** Told of the blob's progress: each value the intake's acknowledgements reach, and each one stored. */
export interface ProgressListener {
  reached(value: BlobCheckpoint): void;
  stored(stored: Stored<BlobCheckpoint>): void;
}

export async function forwardBlob(
  parts: PipelineParts,
  source: FlowLogSource,
  { stored, reached, plan }: PreparedBlob,
  listener: ProgressListener,
): Promise<BlobResult> {
  const { reader, sink, metrics, log, store, stopSignal } = parts;
  const kind = source.kind;
  const blobName = plan.blobName;
  const storeWriter = new CheckpointWriter(store, source, blobName, stored, (s) => listener.stored(s));
  const writer = {
    update(value: BlobCheckpoint): void {
      listener.reached(value);
      storeWriter.update(value);
    },
    drain: () => storeWriter.drain(),
  };
  const lastBlock = plan.blocks[plan.blocks.length - 1];
  if (plan.rewritten) {
    metrics.blobRewrites.inc({ kind });
    log.warn({ source: source.url, blob: blobName, blocks: plan.blocks.length }, "Blob no longer extends what was read; reading it again from the start.");
  }
  if (plan.upToDate) {
    // Remember the new ETag so the next listing skips the blob without asking for its blocks.
    if (reached && reached.etag !== plan.etag) writer.update({ ...reached, etag: plan.etag, updatedAt: new Date().toISOString() });
    return { tuplesRead: 0, bytesRead: 0, settle: () => writer.drain() };
  }

  const tracker = new DeliveryTracker(plan.start, (position) =>
    writer.update({ position, updatedAt: new Date().toISOString() }),
  );
  let bytesRead = 0;
  try {
    await readPlan(plan, tracker, {
      kind,
      reader,
      sink,
      metrics,
      stopSignal,
      onMalformed: (block, offset, items) => keep(parts, source, blobName, block, offset, items),
      onBytes: (bytes) => (bytesRead += bytes),
    });
  } catch (error) {
    tracker.fail(error as Error);
  }
  const delivered = tracker.finishReading();
  // Observed here; the caller sees the outcome through `settle`.
  delivered.catch(() => undefined);
  return {
    tuplesRead: tracker.taken,
    bytesRead,
    settle: async () => {
      try {
        await delivered;
        if (tracker.position().blocks >= plan.blocks.length - 1 && !stopSignal.stopped) {
          writer.update({ position: tracker.position(), lastBlock, etag: plan.etag, updatedAt: new Date().toISOString() });
        }
      } finally {
        // What was acknowledged stays acknowledged, even when the rest failed.
        await writer.drain();
      }
    },
  };
}

/** Stores malformed input as a dead letter (before the checkpoint can pass it) and logs it once. */
async function keep(
  parts: PipelineParts,
  source: FlowLogSource,
  blobName: string,
  block: number,
  offset: number,
  items: readonly DeadLetterItem[],
): Promise<void> {
  const name = await parts.deadLetters.writeBlobItems(source, blobName, block, offset, items);
  const reasons = [...new Set(items.map((i) => i.reason))];
  parts.log.warn(
    { source: source.url, blob: blobName, block, offset, count: items.length, reasons, firstDetail: items[0].detail, deadLetter: name },
    "Malformed input skipped and kept as a dead letter.",
  );
}
