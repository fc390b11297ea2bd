// The bookkeeping of one poll: the blobs read (each settling as its events are acknowledged), the
// sources found complete so far, and what went wrong, which becomes the poll's report and log lines.

import type { SourceCheckpoint } from "../checkpoints/checkpoint-store";
import { BlobChangedError, ForwarderError } from "../errors";
import type { Logger } from "../log";
import type { Announcement } from "./blob-announcer";
import type { BlobResult } from "./blob-forwarding";
import type { SourceContext } from "./source-context";

/** Blobs whose delivery (acknowledgements, then the checkpoint write) may be under way at once. */
export const MAX_BLOBS_IN_DELIVERY = 64;

export interface PollReport {
  /** Blobs the listings returned (those of the hour partitions they looked at): a listing's reads follow it. */
  readonly blobsListed: number;
  readonly blobsRead: number;
  readonly tuplesRead: number;
  readonly tuplesSent: number;
  readonly bytesRead: number;
  /** Blobs or sources that could not be forwarded completely this time. */
  readonly failures: number;
  /** Blobs that changed while being read: a next poll right away finds the rest. */
  readonly changedWhileReading: number;
  /** Sources another replica holds, left to it. */
  readonly standby: number;
  /** Event mode: changed blobs put on the queue for any replica to read (not counting those announced before). */
  readonly blobsAnnounced: number;
}

export class PollRound {
  /**
   * Blobs read whose delivery is under way. Each settles on its own as soon as its events are
   * acknowledged and its checkpoint stored; the reader waits for room beyond MAX_BLOBS_IN_DELIVERY.
   * Holding every blob's result until the poll ended (and letting checkpoint writes queue without
   * bound) made a backlog of 5,000 blobs grow the heap with its size.
   */
  private inDelivery = 0;
  private readonly deliveryWaiters: (() => void)[] = [];
  private blobsRead = 0;
  private tuplesRead = 0;
  private bytesRead = 0;
  /** Per source, the state to record if every blob it found gets delivered. */
  readonly discovered = new Map<SourceContext, SourceCheckpoint>();
  private readonly incomplete = new Set<SourceContext>();
  failures = 0;
  changedWhileReading = 0;
  standby = 0;
  private blobsAnnounced = 0;
  private blobsListed = 0;
  /** Event mode's reconciliation: changed blobs go to the queue, until it refuses one. */
  announcing = false;

  constructor(
    readonly started: number,
    private readonly log: Logger,
    /** Told of every failure, for readiness. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  isComplete(context: SourceContext): boolean {
    return !this.incomplete.has(context);
  }

  /** The source is left for a later poll, with a log line saying why. */
  sourceFailed(context: SourceContext, error: unknown, message: string, fields: Record<string, unknown> = {}): void {
    this.incomplete.add(context);
    this.failures++;
    this.onFailure(error);
    this.log.error({ source: context.source.url, err: error, ...fields }, message);
  }

  /** Another replica reads the blob now (event mode): the source is not complete, and nothing failed. */
  leftToOther(context: SourceContext): void {
    this.incomplete.add(context);
  }

  /**
   * The blob is the queue's to hand out (announced now or before): the source stays complete, so its
   * scan window moves past the blob. Safe because an announced message never expires
   * (BlobEventQueue.send) and is deleted only once a replica delivered what it names: everything
   * before the window is then delivered or queued, and the queue, not the listing, answers for the
   * rest (an operator must never clear it by hand; docs/scaling.md). Counting the blob as not yet
   * delivered kept a busy estate's window still (some blob always has an append whose event is seconds
   * away), and every listing widened until it read the checkpoint of every retained blob.
   */
  listed(blobs: number): void {
    this.blobsListed += blobs;
  }

  announced(announcement: Announcement): void {
    if (announcement === "announced") this.blobsAnnounced++;
  }

  blobFailed(context: SourceContext, blobName: string, error: unknown): void {
    this.incomplete.add(context);
    if (error instanceof BlobChangedError) {
      this.changedWhileReading++;
      this.log.info({ source: context.source.url, blob: blobName }, `${error.message[0].toUpperCase()}${error.message.slice(1)}; reading it again next poll.`);
      return;
    }
    this.failures++;
    this.onFailure(error);
    const level = error instanceof ForwarderError && error.expected ? "warn" : "error";
    this.log[level]({ source: context.source.url, blob: blobName, err: error }, "Blob not forwarded completely; the next poll resumes from its checkpoint.");
  }

  /** Counts the blob's read and starts settling it; a failure to deliver it is reported as the blob's. */
  read(context: SourceContext, blobName: string, result: BlobResult): void {
    this.blobsRead++;
    this.tuplesRead += result.tuplesRead;
    this.bytesRead += result.bytesRead;
    this.inDelivery++;
    void result
      .settle()
      .catch((error: unknown) => this.blobFailed(context, blobName, error))
      .finally(() => {
        this.inDelivery--;
        this.deliveryWaiters.splice(0).forEach((wake) => wake());
      });
  }

  /** True when another blob may be read now; otherwise await `roomForBlob`. */
  hasRoomForBlob(): boolean {
    return this.inDelivery < MAX_BLOBS_IN_DELIVERY;
  }

  roomForBlob(): Promise<void> {
    return this.deliveredBelow(MAX_BLOBS_IN_DELIVERY);
  }

  /** Resolves once every blob read has settled (call after the sinks were told to flush). */
  settled(): Promise<void> {
    return this.deliveredBelow(1);
  }

  private async deliveredBelow(limit: number): Promise<void> {
    while (this.inDelivery >= limit) await new Promise<void>((wake) => this.deliveryWaiters.push(wake));
  }

  report(tuplesSent: number): PollReport {
    return {
      blobsListed: this.blobsListed,
      blobsRead: this.blobsRead,
      tuplesRead: this.tuplesRead,
      tuplesSent,
      bytesRead: this.bytesRead,
      failures: this.failures,
      changedWhileReading: this.changedWhileReading,
      standby: this.standby,
      blobsAnnounced: this.blobsAnnounced,
    };
  }
}
