// Keeps what could not be delivered (malformed input, events the intake refused for good) in the
// checkpoint container, so nothing is dropped silently and an operator can inspect and re-drive it.
// Names are deterministic, so a re-read after a crash rewrites the same record instead of adding one.

import { createHash } from "node:crypto";
import type { ForwarderMetrics } from "../metrics";
import { CHECKPOINT_PREFIX, checkpointFailure, type CheckpointStore, type SourceRef } from "./checkpoint-store";

export const DEAD_LETTER_PREFIX = `${CHECKPOINT_PREFIX}/dead-letter`;

export interface DeadLetterItem {
  readonly reason: string;
  readonly detail: string;
  /** The offending input as text (a block, a record, a tuple or an event). */
  readonly input: string;
}

export interface DeadLetterRecord {
  readonly source?: string;
  readonly blob?: string;
  readonly block?: number;
  readonly offset?: number;
  readonly writtenAt: string;
  readonly items: readonly DeadLetterItem[];
}

export class DeadLetterStore {
  constructor(
    private readonly store: CheckpointStore,
    private readonly metrics: ForwarderMetrics,
  ) {}

  /** Malformed input found reading `blobName` from byte `offset` (block `block`). */
  async writeBlobItems(source: SourceRef, blobName: string, block: number, offset: number, items: readonly DeadLetterItem[]): Promise<string> {
    // One read can keep several letters from the same block (the block, and records of the run it
    // starts): the content digest keeps them apart, and a re-read still rewrites the same letter.
    const name = `${DEAD_LETTER_PREFIX}/${source.account}/${source.container}/${blobName}/block-${String(block).padStart(6, "0")}-${digestOf(items.map((i) => i.input))}.json`;
    await this.put(name, { source: `${source.account}/${source.container}`, blob: blobName, block, offset, writtenAt: new Date().toISOString(), items });
    return name;
  }

  /** Events the intake refused for good. */
  async writeRejectedEvents(kind: string, events: readonly string[], reason: string): Promise<string> {
    const name = `${DEAD_LETTER_PREFIX}/rejected/${kind}/${new Date().toISOString().slice(0, 10)}/${digestOf(events)}.json`;
    await this.put(name, { writtenAt: new Date().toISOString(), items: events.map((input) => ({ reason: "rejected_by_intake", detail: reason, input })) });
    return name;
  }

  private async put(name: string, record: DeadLetterRecord): Promise<void> {
    const body = JSON.stringify(record);
    this.metrics.storageRequests.inc({ operation: "dead_letter_write" });
    try {
      await this.store.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
    } catch (error) {
      this.metrics.storageErrors.inc({ area: "checkpoint" });
      throw checkpointFailure(`store the dead letter ${name}`, error);
    }
  }
}

function digestOf(inputs: readonly string[]): string {
  return createHash("sha256").update(inputs.join("\n")).digest("hex").slice(0, 16);
}
