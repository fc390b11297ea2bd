// Replays one blob: reads it whole from its first block, decodes it as the forwarder does, and pushes
// its events to the kind's sink, numbered for a DeliveryTracker that tells when the intake has
// acknowledged them all. No checkpoint is read or written; the position reached is kept in memory only,
// so that a blob Azure appends to while it is read is continued from there instead of restarted.

import { positionAt, START_POSITION } from "../checkpoints/blob-position";
import type { BlobCheckpoint } from "../checkpoints/checkpoint-store";
import { DeliveryTracker } from "../checkpoints/delivery-tracker";
import type { DecodeOutput } from "../decode/decode-output";
import { RecordSplitter } from "../decode/record-splitter";
import { decodeRecord } from "../decode/record-decoder";
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
  const kind = source.kind;
  const tracker = new DeliveryTracker(START_POSITION, () => undefined);
  let tuples = 0;
  let malformed = 0;
  const output: DecodeOutput = {
    event(json) {
      tuples++;
      sink.push(json, tracker, tracker.take());
    },
    malformed(reason, detail) {
      malformed++;
      metrics.malformed.inc({ kind, reason });
      log.warn({ source: source.url, blob: blobName, reason, detail }, "Malformed input skipped (the live forwarder keeps it as a dead letter).");
    },
  };

  let readThrough: BlobCheckpoint | undefined;
  for (let read = 1; read <= MAX_READS && !stopSignal.stopped; read++) {
    try {
      const plan = await reader.plan(blobName, readThrough);
      if (plan.rewritten && readThrough) {
        log.warn({ source: source.url, blob: blobName }, "Blob rewritten while replayed; replaying it from the start (its first events are sent twice).");
      }
      const blockStarts = [0];
      for (const block of plan.blocks) blockStarts.push(blockStarts[blockStarts.length - 1] + block.size);
      const splitter = new RecordSplitter(blockStarts);
      for await (const run of reader.runs(plan, stopSignal)) {
        parts.onBytes(run.bytes.length);
        if (run.atBlockStart && splitter.betweenRecords) {
          readThrough = { position: positionAt(plan.blocks, run.firstBlock), updatedAt: new Date().toISOString() };
        }
        const split = splitter.push(run.bytes, run.offset, run.atEnd);
        for (const bad of split.malformed) output.malformed("invalid_json", `block ${bad.block} at byte ${bad.offset}: ${bad.detail}`, bad.text);
        for (const record of split.records) {
          if (!target || target.coversRecord(record)) decodeRecord(kind, record, output);
        }
        await sink.backpressure();
      }
      break;
    } catch (error) {
      if (error instanceof BlobChangedError && !error.gone && read < MAX_READS) continue;
      tracker.fail(error as Error);
      break;
    }
  }
  const delivered = tracker.finishReading();
  // Observed here; the caller sees the outcome through `delivered`.
  delivered.catch(() => undefined);
  return { tuples, malformed, delivered };
}
