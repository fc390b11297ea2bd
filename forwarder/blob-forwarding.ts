// Forwards what is new in one blob: plan the read from its checkpoint, decode each run of blocks into
// events for the kind's sink, keep malformed input as dead letters, and move the checkpoint as the
// intake acknowledges, in read order. Resolves once every event read is delivered (or rejects).

import { positionAt } from "./checkpoints/blob-position";
import type { BlobCheckpoint, Stored } from "./checkpoints/checkpoint-store";
import { CheckpointWriter } from "./checkpoints/checkpoint-writer";
import type { DeadLetterItem } from "./checkpoints/dead-letter";
import { DeliveryTracker } from "./checkpoints/delivery-tracker";
import type { DecodeOutput, MalformedReason } from "./decode/decode-output";
import { RecordSplitter, type MalformedSpan } from "./decode/record-splitter";
import { decodeRecord } from "./decode/record-decoder";
import type { FlowLogSource } from "./config";
import type { PipelineParts } from "./pipeline-parts";

export interface BlobResult {
  readonly tuplesRead: number;
  readonly bytesRead: number;
  /**
   * To call once the sink has flushed: resolves when every event read is acknowledged and the
   * checkpoint stored; rejects with what kept an event or the checkpoint from getting there.
   */
  readonly settle: () => Promise<void>;
}

export async function forwardBlob(
  parts: PipelineParts,
  source: FlowLogSource,
  blobName: string,
  stored: Stored<BlobCheckpoint> | undefined,
  onStored: (stored: Stored<BlobCheckpoint>) => void,
): Promise<BlobResult> {
  const { reader, sink, metrics, log, store, stopSignal } = parts;
  const kind = source.kind;
  const plan = await reader.plan(blobName, stored?.value);
  const writer = new CheckpointWriter(store, source, blobName, stored, onStored);
  const lastBlock = plan.blocks[plan.blocks.length - 1];
  if (plan.rewritten) {
    metrics.blobRewrites.inc({ kind });
    log.warn({ source: source.url, blob: blobName, blocks: plan.blocks.length }, "Blob no longer extends what was read; reading it again from the start.");
  }
  if (plan.upToDate) {
    // Remember the new ETag so the next listing skips the blob without asking for its blocks.
    if (stored && stored.value.etag !== plan.etag) writer.update({ ...stored.value, etag: plan.etag, updatedAt: new Date().toISOString() });
    return { tuplesRead: 0, bytesRead: 0, settle: () => writer.drain() };
  }

  const tracker = new DeliveryTracker(plan.start, (position) =>
    writer.update({ position, updatedAt: new Date().toISOString() }),
  );
  let skip = plan.start.skip;
  let tuplesRead = 0;
  let bytesRead = 0;
  let malformed: DeadLetterItem[] = [];
  const output: DecodeOutput = {
    event(json) {
      if (skip > 0) {
        skip--;
        return;
      }
      tuplesRead++;
      sink.push(json, tracker, tracker.take());
    },
    malformed(reason: MalformedReason, detail, input) {
      metrics.malformed.inc({ kind, reason });
      malformed.push({ reason, detail, input });
    },
  };

  const blockStarts = [0];
  for (const block of plan.blocks) blockStarts.push(blockStarts[blockStarts.length - 1] + block.size);
  const splitter = new RecordSplitter(blockStarts);
  let readToEnd = false;
  try {
    for await (const run of reader.runs(plan, stopSignal)) {
      // Positions are only taken between records at a block start: reading resumes there exactly.
      if (run.atBlockStart && splitter.betweenRecords) tracker.mark(positionAt(plan.blocks, run.firstBlock, skip));
      bytesRead += run.bytes.length;
      metrics.bytesRead.inc({ kind }, run.bytes.length);
      const split = splitter.push(run.bytes, run.offset, run.atEnd);
      await keepUnparsed(parts, source, blobName, split.malformed);
      for (const record of split.records) decodeRecord(kind, record, output);
      if (malformed.length > 0) {
        await keep(parts, source, blobName, run.firstBlock, run.offset, malformed);
        malformed = [];
      }
      readToEnd = run.atEnd;
      await sink.backpressure();
    }
    // Only the tail follows the last record: the next read starts at the tail block.
    const tailBlockStart = blockStarts[plan.blocks.length - 1];
    const tailOnly = plan.tailKnown || (readToEnd && splitter.recordsEnd <= tailBlockStart);
    if (!stopSignal.stopped && tailOnly && splitter.betweenRecords && skip === 0) {
      tracker.mark(positionAt(plan.blocks, plan.blocks.length - 1));
    }
  } catch (error) {
    tracker.fail(error as Error);
  }
  metrics.tuplesRead.inc({ kind }, tuplesRead);
  const delivered = tracker.finishReading();
  // Observed here; the caller sees the outcome through `settle`.
  delivered.catch(() => undefined);
  return {
    tuplesRead,
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

/** Stores each block's unparsable bytes as a dead letter of its own. */
async function keepUnparsed(parts: PipelineParts, source: FlowLogSource, blobName: string, spans: readonly MalformedSpan[]): Promise<void> {
  for (const span of spans) {
    parts.metrics.malformed.inc({ kind: source.kind, reason: "invalid_json" });
    await keep(parts, source, blobName, span.block, span.offset, [{ reason: "invalid_json", detail: span.detail, input: span.text }]);
  }
}

/** Stores malformed input as a dead letter (before the checkpoint can pass it) and logs it once. */
async function keep(
  parts: PipelineParts,
  source: FlowLogSource,
  blobName: string,
  block: number,
  offset: number,
  items: DeadLetterItem[],
): Promise<void> {
  const name = await parts.deadLetters.writeBlobItems(source, blobName, block, offset, items);
  const reasons = [...new Set(items.map((i) => i.reason))];
  parts.log.warn(
    { source: source.url, blob: blobName, block, offset, count: items.length, reasons, firstDetail: items[0].detail, deadLetter: name },
    "Malformed input skipped and kept as a dead letter.",
  );
}
