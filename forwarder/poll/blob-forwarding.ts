// Forwards what is new in one blob: read it from where its progress stands into the kind's sink, keep
// malformed input as dead letters, and hand each position the intake's acknowledgements reach, in
// read order, to the blob's progress (which stores it). Resolves once every event read is delivered
// (or rejects).

import type { DeadLetterItem } from "../checkpoints/dead-letter";
import type { ReadPlan } from "../source/block-reader";
import { readPlan } from "./blob-reading";
import { DeliveryTracker } from "./delivery-tracker";
import type { BlobProgress } from "./progress";
import type { SourceContext } from "./source-context";

export interface BlobResult {
  readonly tuplesRead: number;
  readonly bytesRead: number;
  /**
   * Resolves when every event read is acknowledged and the checkpoint stored (the sink sends the
   * last events when flushed); rejects with what kept an event or the checkpoint from getting there.
   */
  readonly settle: () => Promise<void>;
}

/** What reading a blob starts from: its progress and a plan made from it (possibly ahead of time). */
export interface PreparedBlob {
  readonly progress: BlobProgress;
  /** Planned from `progress.reached`. */
  readonly plan: ReadPlan;
}

export async function forwardBlob(context: SourceContext, { progress, plan }: PreparedBlob): Promise<BlobResult> {
  const { source, metrics, log, stopping } = context;
  const blobName = plan.blobName;
  const lastBlock = plan.blocks[plan.blocks.length - 1];
  if (plan.rewritten) {
    metrics.blobRewrites.inc({ kind: source.kind });
    log.warn({ source: source.url, blob: blobName, blocks: plan.blocks.length }, "Blob no longer extends what was read; reading it again from the start.");
  }
  if (plan.upToDate) {
    // Remember the new ETag so the next listing skips the blob without asking for its blocks.
    const reached = progress.reached;
    if (reached && reached.etag !== plan.etag) progress.reach({ ...reached, etag: plan.etag, updatedAt: new Date().toISOString() });
    return { tuplesRead: 0, bytesRead: 0, settle: () => progress.saved() };
  }

  const tracker = new DeliveryTracker(plan.start, (position) => progress.reach({ position, updatedAt: new Date().toISOString() }));
  let bytesRead = 0;
  try {
    await readPlan(plan, tracker, context, {
      onMalformed: (block, offset, items) => keep(context, blobName, block, offset, items),
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
        if (tracker.position().blocks >= plan.blocks.length - 1 && !stopping.aborted) {
          progress.reach({ position: tracker.position(), lastBlock, etag: plan.etag, updatedAt: new Date().toISOString() });
        }
      } finally {
        // What was acknowledged stays acknowledged, even when the rest failed.
        await progress.saved();
      }
    },
  };
}

/** Stores malformed input as a dead letter (before the checkpoint can pass it) and logs it once. */
async function keep(context: SourceContext, blobName: string, block: number, offset: number, items: readonly DeadLetterItem[]): Promise<void> {
  const { source, deadLetters, log } = context;
  const name = await deadLetters.writeBlobItems(source, blobName, block, offset, items);
  const reasons = [...new Set(items.map((i) => i.reason))];
  log.warn(
    { source: source.url, blob: blobName, block, offset, count: items.length, reasons, firstDetail: items[0].detail, deadLetter: name },
    "Malformed input skipped and kept as a dead letter.",
  );
}
