// Reads what a plan covers into a sink: split the downloaded ranges into records, decode each record
// into one event per tuple, number the events for a DeliveryTracker, and mark the positions where a
// later read can resume exactly (between records, at a block start). Shared by the live forwarder,
// which checkpoints those positions, and replay, which keeps them in memory only.

import { positionAt } from "./checkpoints/blob-position";
import type { DeadLetterItem } from "./checkpoints/dead-letter";
import type { DeliveryTracker } from "./checkpoints/delivery-tracker";
import type { DecodeOutput } from "./decode/decode-output";
import type { FlowLogKind } from "./decode/flow-log-kind";
import { decodeRecord } from "./decode/record-decoder";
import { RecordSplitter } from "./decode/record-splitter";
import type { ForwarderMetrics } from "./metrics";
import type { StopSignal } from "./pipeline-parts";
import type { SekoiaSink } from "./sink/sekoia-sink";
import type { BlockReader, ReadPlan } from "./source/block-reader";

/** Where malformed input goes; it is handled before the reading moves past it. */
export type MalformedHandler = (block: number, offset: number, items: readonly DeadLetterItem[]) => Promise<void>;

export interface BlobReading {
  readonly kind: FlowLogKind;
  readonly reader: BlockReader;
  readonly sink: SekoiaSink;
  readonly metrics: ForwarderMetrics;
  readonly stopSignal: StopSignal;
  readonly onMalformed: MalformedHandler;
  /** Records to decode; all when absent. */
  readonly keepRecord?: (record: unknown) => boolean;
  readonly onBytes?: (bytes: number) => void;
}

/** Reads `plan` into the sink, numbering events after those `tracker` has taken; throws what stopped it. */
export async function readPlan(plan: ReadPlan, tracker: DeliveryTracker, reading: BlobReading): Promise<void> {
  const { kind, reader, sink, metrics, stopSignal, keepRecord } = reading;
  let skip = plan.start.skip;
  let tuples = 0;
  let invalid: DeadLetterItem[] = [];
  const output: DecodeOutput = {
    event(quoted) {
      if (skip > 0) {
        skip--;
        return;
      }
      tuples++;
      sink.push(quoted, tracker, tracker.take());
    },
    malformed(reason, detail, input) {
      metrics.malformed.inc({ kind, reason });
      invalid.push({ reason, detail, input });
    },
  };
  const blockStarts = [0];
  for (const block of plan.blocks) blockStarts.push(blockStarts[blockStarts.length - 1] + block.size);
  const splitter = new RecordSplitter(blockStarts);
  let readToEnd = false;
  try {
    for await (const run of reader.runs(plan, stopSignal)) {
      if (run.atBlockStart && splitter.betweenRecords) tracker.mark(positionAt(plan.blocks, run.firstBlock, skip));
      metrics.bytesRead.inc({ kind }, run.bytes.length);
      reading.onBytes?.(run.bytes.length);
      const split = splitter.push(run.bytes, run.offset, run.atEnd);
      for (const span of split.malformed) {
        metrics.malformed.inc({ kind, reason: "invalid_json" });
        await reading.onMalformed(span.block, span.offset, [{ reason: "invalid_json", detail: span.detail, input: span.text }]);
      }
      for (const record of split.records) if (!keepRecord || keepRecord(record)) decodeRecord(kind, record, output);
      if (invalid.length > 0) {
        await reading.onMalformed(run.firstBlock, run.offset, invalid);
        invalid = [];
      }
      readToEnd = run.atEnd;
      await sink.backpressure();
      // Reading on would only queue more events for an intake that refuses the key.
      if (sink.keyRejection) throw sink.keyRejection.error;
    }
    // Only the tail follows the last record: a later read starts at the tail block.
    const tailOnly = plan.tailKnown || (readToEnd && splitter.recordsEnd <= blockStarts[plan.blocks.length - 1]);
    if (!stopSignal.stopped && tailOnly && splitter.betweenRecords && skip === 0) {
      tracker.mark(positionAt(plan.blocks, plan.blocks.length - 1));
    }
  } finally {
    metrics.tuplesRead.inc({ kind }, tuples);
  }
}
