// Event mode's unit of work: take a batch of blob-changed messages from the queue, coalesce those that
// name the same blob (a blob is read once, from its checkpoint, whatever number of appends were
// announced), read each blob under its own lease, and delete the messages only once the intake
// acknowledged what was read and the checkpoint is stored. A blob another replica is reading, or
// one that failed, keeps its messages: they come back soon, to whichever replica is free. Messages the
// reconciliation listing announced (poll/blob-announcer.ts) are taken the same way.

import { isFlowLogBlob } from "../source/hour-partition";
import type { BlobEventMessage, BlobEventQueue } from "../source/blob-events";
import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";
import { changeKey, type ChangedBlob, type Poller } from "./poller";
import type { Readiness } from "./readiness";
import type { SourceContext } from "./source-context";

/**
 * How long a received message stays hidden from other replicas: longer than a batch takes to read
 * and deliver, so it is not handed out twice; a replica that dies returns its messages after it.
 */
export const MESSAGE_HIDDEN_SECONDS = 60;
/**
 * Messages taken at a time. A minute's appends arrive within a second or two; the first replica to
 * ask would take all 32 and leave the others idle (4 replicas on 16 blobs: one read 41 % more than an
 * even share in `npm run bench:events`). Fewer per batch spread a burst over the replicas; coalescing
 * still merges an event's duplicates in a batch, and a blob already delivered under the announced
 * ETag is skipped without a read.
 */
export const MESSAGES_PER_BATCH = 8;
/** A message whose blob another replica reads (or that failed) comes back after this. */
export const RETRY_SECONDS = 3;

export interface PumpParts {
  readonly queue: BlobEventQueue;
  readonly poller: Poller;
  readonly sources: readonly SourceContext[];
  readonly readiness: Readiness;
  readonly metrics: ForwarderMetrics;
  readonly log: Logger;
}

export interface PumpReport {
  readonly messages: number;
  readonly blobs: number;
  readonly deleted: number;
  readonly retried: number;
}

export class BlobEventPump {
  constructor(private readonly parts: PumpParts) {}

  /** One batch; resolves with what became of it (messages: 0 when the queue is empty). Throws QueueUnavailableError. */
  async pumpOnce(): Promise<PumpReport> {
    const { queue, poller, readiness } = this.parts;
    const messages = await queue.receive(MESSAGE_HIDDEN_SECONDS, MESSAGES_PER_BATCH);
    readiness.ok("queue");
    if (messages.length === 0) return { messages: 0, blobs: 0, deleted: 0, retried: 0 };

    // Per blob: its messages, the newest one's time and ETag, and the newest of Event Grid's own times
    // (the latency metric's start: an announced backlog is as old as the backlog, not Event Grid's delay).
    const groups = new Map<string, { change: ChangedBlob; messages: BlobEventMessage[]; newest: string; newestCommit: string }>();
    const unusable: BlobEventMessage[] = [];
    for (const message of messages) {
      const context = this.contextOf(message);
      if (!context) {
        unusable.push(message);
        continue;
      }
      const { blobName, etag, eventTime = "", announced } = message.change!;
      const commit = announced ? "" : eventTime;
      const key = changeKey(context, blobName);
      const group = groups.get(key);
      if (!group) groups.set(key, { change: { context, blobName, etag }, messages: [message], newest: eventTime, newestCommit: commit });
      else {
        group.messages.push(message);
        if (commit > group.newestCommit) group.newestCommit = commit;
        // The newest event's ETag: a checkpoint that reached it covers every older one.
        if (eventTime > group.newest) {
          group.newest = eventTime;
          group.change = { ...group.change, etag };
        }
      }
    }
    let deleted = 0;
    for (const message of unusable) {
      await queue.delete(message);
      deleted++;
    }

    const outcomes = await poller.forwardChanges(
      [...groups.values()].map((g) => g.change),
      { messages: messages.length, announcedMessages: messages.filter((m) => m.change?.announced).length },
    );
    let retried = 0;
    for (const [key, group] of groups) {
      if (outcomes.get(key) === "delivered") {
        for (const message of group.messages) await queue.delete(message);
        deleted += group.messages.length;
        if (group.newestCommit) this.parts.metrics.eventLatency.observe((Date.now() - Date.parse(group.newestCommit)) / 1000);
      } else {
        for (const message of group.messages) await queue.retryLater(message, RETRY_SECONDS);
        retried += group.messages.length;
      }
    }
    return { messages: messages.length, blobs: groups.size, deleted, retried };
  }

  /** The source a message's blob belongs to, or none (then the message is deleted, with a line saying why). */
  private contextOf(message: BlobEventMessage): SourceContext | undefined {
    const { log, sources } = this.parts;
    const change = message.change;
    if (!change) {
      log.warn({ messageId: message.messageId }, "Queue message is not a BlobCreated event; deleted.");
      return undefined;
    }
    // Event Grid filters on PT1H.json already; anything else in the container is not ours to read.
    if (!isFlowLogBlob(change.blobName)) return undefined;
    const context = sources.find((s) => s.source.account === change.account && s.source.container === change.container);
    if (!context) log.warn({ account: change.account, container: change.container }, "Event for a container this forwarder does not read; deleted.");
    return context;
  }
}
