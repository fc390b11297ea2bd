// Replays one blob: reads it whole from its first block with the forwarder's own reading, pushing its
// events to the kind's sink, numbered for a DeliveryTracker that tells when the intake has
// acknowledged them all. No checkpoint is read or written; the position reached is kept in memory only,
// so that a blob Azure appends to while it is read is continued from there instead of restarted.

import { BlobChangedError } from "../errors";
import { readPlan, type ReadHandlers } from "../poll/blob-reading";
import { DeliveryTracker } from "../poll/delivery-tracker";
import type { SourceContext } from "../poll/source-context";
import { START_POSITION } from "../source/blob-position";

/** Reads of a blob that changed underneath (Azure appending) before the blob counts as failed. */
const MAX_READS = 3;

export interface ReplayedBlob {
  readonly tuples: number;
  readonly malformed: number;
  /** Resolves when every event pushed is acknowledged; rejects with what kept one from it. */
  readonly delivered: Promise<void>;
}

/**
 * `keepRecord`, when given, selects the records of this blob to replay; the others are read and dropped.
 * `onBytes` is told of every run of bytes downloaded, for the progress line.
 */
export async function replayBlob(
  context: SourceContext,
  blobName: string,
  onBytes: (bytes: number) => void,
  keepRecord?: (record: unknown) => boolean,
): Promise<ReplayedBlob> {
  const { source, reader, log, stopping } = context;
  const tracker = new DeliveryTracker(START_POSITION, () => undefined);
  let malformed = 0;
  const handlers: ReadHandlers = {
    keepRecord,
    onBytes,
    onMalformed: async (block, offset, items) => {
      malformed += items.length;
      log.warn(
        { source: source.url, blob: blobName, block, offset, count: items.length, firstDetail: items[0].detail },
        "Malformed input skipped (the live forwarder keeps it as a dead letter).",
      );
    },
  };
  let position = START_POSITION;
  for (let read = 1; read <= MAX_READS && !stopping.aborted; read++) {
    try {
      const plan = await reader.plan(blobName, { position });
      if (plan.rewritten && read > 1) {
        log.warn({ source: source.url, blob: blobName }, "Blob rewritten while replayed; replaying it from the start (its first events are sent twice).");
      }
      await readPlan(plan, tracker, context, handlers);
      break;
    } catch (error) {
      // Azure appended meanwhile: go on from the last event read, not from the start.
      position = tracker.readPosition();
      if (error instanceof BlobChangedError && !error.gone && read < MAX_READS) continue;
      tracker.fail(error as Error);
      break;
    }
  }
  const delivered = tracker.finishReading();
  // Observed here; the caller sees the outcome through `delivered`.
  delivered.catch(() => undefined);
  return { tuples: tracker.taken, malformed, delivered };
}
