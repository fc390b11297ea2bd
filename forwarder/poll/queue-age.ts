// Event mode's other half of the lag: flowlog_lag_seconds only says that older data is delivered or
// on the queue, so this keeps flowlog_queue_oldest_message_age_seconds, how long the oldest message
// still waiting for a replica has waited. The queue's front is peeked at most every PEEK_INTERVAL_MS,
// in the background, so the gauge never delays or fails the pump; an empty receive proves no message
// waits, at no cost, so the gauge falls to 0 as soon as the queue is drained.

import type { Logger } from "../log";
import type { ForwarderMetrics } from "../metrics";

/** At most one peek per this, per replica: about 2,880 queue operations a day. */
export const PEEK_INTERVAL_MS = 30_000;

/** Where the front message's time comes from: the blob-events queue (BlobEventQueue). */
export interface QueueFront {
  oldestMessageTime(): Promise<number | undefined>;
}

export class QueueAge {
  private nextPeek = 0;
  private peeking = false;
  private peekFailing = false;

  constructor(
    private readonly queue: QueueFront,
    private readonly metrics: ForwarderMetrics,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** An empty receive: no message waits, known at no cost. */
  noneWaiting(): void {
    this.metrics.queueOldestSince = undefined;
  }

  /** Peeks at the queue's front in the background, unless one is under way or the last was too recent. */
  peekIfDue(): void {
    if (this.peeking || this.now() < this.nextPeek) return;
    this.nextPeek = this.now() + PEEK_INTERVAL_MS;
    this.peeking = true;
    this.queue
      .oldestMessageTime()
      .then(
        (insertedAt) => {
          this.metrics.queueOldestSince = insertedAt;
          this.peekFailing = false;
        },
        (error: unknown) => {
          // The gauge keeps what it last saw; the receive reports the queue's health (/readyz).
          if (!this.peekFailing) this.log.warn({ err: error }, "Blob-events queue not peeked; its oldest message's age is as last seen.");
          this.peekFailing = true;
        },
      )
      .finally(() => (this.peeking = false));
  }
}
