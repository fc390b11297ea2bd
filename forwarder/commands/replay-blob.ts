// Replays one blob: reads it whole from its first block with the forwarder's own reading, pushing its
// events to the kind's sink, numbered for a DeliveryTracker that tells when the intake has
// acknowledged them all. No checkpoint is read or written; the position reached is kept in memory only,
// so that a blob Azure appends to while it is read is continued from there instead of restarted.

import { readPlan } from "../blob-reading";
import { START_POSITION } from "../checkpoints/blob-position";
import { DeliveryTracker } from "../checkpoints/delivery-tracker";
import type { FlowLogSource } from "../config";
import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";
import type { StopSignal } from "../pipeline-parts";
import type { SekoiaSink } from "../sink/sekoia-sink";
import { BlobChangedError, type BlockReader } from "../source/block-reader";
import type { ResourceTarget } from "./resource-target";

/** Reads of a blob that changed underneath (Azure appending) before the blob counts as failed. */
const MAX_READS = 3;

export interface ReplayParts {
  readonly reader: BlockReader;
  readonly sink: SekoiaSink;
  readonly metrics: ForwarderMetrics;
  readonly log: Logger;
  readonly stopSignal: StopSignal;
  /** Told of every run of bytes downloaded, for the progress line. */
  readonly onBytes: (bytes: number) => void;
}

export interface ReplayedBlob {
  readonly tuples: number;
  readonly malformed: number;
  /** Resolves when every event pushed is acknowledged; rejects with what kept one from it. */
  readonly delivered: Promise<void>;
}

/** `target`, when given, selects the records of this blob to replay; the others are read and dropped. */
export async function replayBlob(parts: ReplayParts, source: FlowLogSource, blobName: string, target?: ResourceTarget): Promise<ReplayedBlob> {
  const { reader, sink, metrics, log, stopSignal } = parts;
  const tracker = new DeliveryTracker(START_POSITION, () => undefined);
  let malformed = 0;
  const reading = {
    kind: source.kind,
    reader,
    sink,
    metrics,
    stopSignal,
    keepRecord: target ? (record: unknown) => target.coversRecord(record) : undefined,
    onBytes: parts.onBytes,
    onMalformed: async (block: number, offset: number, items: readonly { reason: string; detail: string }[]) => {
      malformed += items.length;
      log.warn(
        { source: source.url, blob: blobName, block, offset, count: items.length, firstDetail: items[0].detail },
        "Malformed input skipped (the live forwarder keeps it as a dead letter).",
      );
    },
  };
  let position = START_POSITION;
  for (let read = 1; read <= MAX_READS && !stopSignal.stopped; read++) {
    try {
      const plan = await reader.plan(blobName, { position, updatedAt: new Date().toISOString() });
      if (plan.rewritten && read > 1) {
        log.warn({ source: source.url, blob: blobName }, "Blob rewritten while replayed; replaying it from the start (its first events are sent twice).");
      }
      await readPlan(plan, tracker, reading);
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
