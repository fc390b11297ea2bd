// Reads what a plan covers into a sink: split the downloaded ranges into records, decode each record
// into one event per tuple, number the events for a DeliveryTracker, and mark the positions where a
// later read can resume exactly (between records, at a block start). Shared by the live forwarder,
// which checkpoints those positions, and replay, which keeps them in memory only.

import type { DeadLetterItem } from "../checkpoints/dead-letter";
import type { DecodeOutput } from "../decode/decode-output";
import { decodeRecord } from "../decode/record-decoder";
import { RecordSplitter } from "../decode/record-splitter";
import { positionAt } from "../source/blob-position";
import type { ReadPlan } from "../source/block-reader";
import type { DeliveryTracker } from "./delivery-tracker";
import type { SourceContext } from "./source-context";

/** What the caller does with what a read meets besides events. */
export interface ReadHandlers {
  /** Malformed input; handled before the reading moves past it. */
  readonly onMalformed: (block: number, offset: number, items: readonly DeadLetterItem[]) => Promise<void>;
  /** Records to decode; all when absent. */
  readonly keepRecord?: (record: unknown) => boolean;
  readonly onBytes?: (bytes: number) => void;
}

/** Reads `plan` into the sink, numbering events after those `tracker` has taken; throws what stopped it. */
export async function readPlan(plan: ReadPlan, tracker: DeliveryTracker, context: SourceContext, handlers: ReadHandlers): Promise<void> {
  const { reader, sink, metrics, stopping } = context;
  const { kind } = context.source;
  const { keepRecord } = handlers;
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
    for await (const run of reader.runs(plan, stopping)) {
      if (run.atBlockStart && splitter.betweenRecords) tracker.mark(positionAt(plan.blocks, run.firstBlock, skip));
      metrics.bytesRead.inc({ kind }, run.bytes.length);
      handlers.onBytes?.(run.bytes.length);
      for (const item of splitter.push(run.bytes, run.offset, run.atEnd)) {
        if (item.kind === "malformed") {
          metrics.malformed.inc({ kind, reason: "invalid_json" });
          const { span } = item;
          await handlers.onMalformed(span.block, span.offset, [{ reason: "invalid_json", detail: span.detail, input: span.text }]);
          continue;
        }
        if (keepRecord && !keepRecord(item.record)) continue;
        decodeRecord(kind, item.record, output);
        // Per record, not per run: a run's events fill several bodies, and each body not yet
        // compressed holds a buffer of the sink's.
        const room = sink.backpressure();
        if (room) await room;
      }
      if (invalid.length > 0) {
        await handlers.onMalformed(run.firstBlock, run.offset, invalid);
        invalid = [];
      }
      readToEnd = run.atEnd;
      // Reading on would only queue more events for an intake that refuses the key.
      if (sink.keyRejection) throw sink.keyRejection.error;
    }
    // Only the tail follows the last record: a later read starts at the tail block.
    const tailOnly = plan.tailKnown || (readToEnd && splitter.recordsEnd <= blockStarts[plan.blocks.length - 1]);
    if (!stopping.aborted && tailOnly && splitter.betweenRecords && skip === 0) {
      tracker.mark(positionAt(plan.blocks, plan.blocks.length - 1));
    }
  } finally {
    metrics.tuplesRead.inc({ kind }, tuples);
  }
}
