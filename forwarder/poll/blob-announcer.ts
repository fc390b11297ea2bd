// Event mode's reconciliation hands what it finds to the queue instead of reading it: one message per
// changed blob, in the body Event Grid writes, so any replica takes it under the per-blob lease and the
// azure-queue scale rule sees the work. A first start over hours of retained blobs is then shared by
// every replica (and adds replicas) instead of being read by the one holding the source's lease.
//
// It remembers what it announced, so the next listing (15 min later) does not put the same blob and
// ETag again while its message still waits: a duplicate is harmless (coalescing and the ETag check
// make it a receive and a delete) but costs queue operations. The record is bounded in size and age;
// forgetting too early only costs such a duplicate, and the age bound is what makes an announcement
// whose message went missing anyway (a queue cleared by hand) be made again rather than never.

import { randomUUID } from "node:crypto";
import type { FlowLogSource } from "../config";
import { blobCreatedEvent, encodeBlobEvent } from "../source/blob-created-event";
import type { ListedBlob } from "../source/blob-listing";

/** Blobs remembered at most: about 4 MB of names; a larger backlog sees its oldest announcements made twice. */
export const MAX_REMEMBERED = 10_000;
/**
 * How long an announcement is remembered: several reconciliations, so a backlog waiting its turn is
 * not announced again each time, yet a message lost anyway is made again within the hour.
 */
export const REMEMBERED_MS = 3_600_000;

/** Where announcements go: the blob-events queue (BlobEventQueue). */
export interface MessageSender {
  send(body: string): Promise<void>;
}

export type Announcement = "announced" | "already announced";

export class BlobAnnouncer {
  /** Per blob, the ETag announced and when; in the order remembered (oldest first). */
  private readonly remembered = new Map<string, { readonly etag: string; readonly at: number }>();

  constructor(
    private readonly queue: MessageSender,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Puts a message for the blob as listed, unless this very ETag was announced recently. `eventTime`
   * is when the listing started: the listed ETag was current then or later, so Event Grid's own events
   * for later appends carry later times and coalescing still picks the newest ETag. Throws what the
   * queue said (QueueUnavailableError); then nothing is remembered.
   */
  async announce(source: FlowLogSource, blob: ListedBlob, eventTime: number): Promise<Announcement> {
    const key = `${source.url}\n${blob.name}`;
    const now = this.now();
    const last = this.remembered.get(key);
    if (last && last.etag === blob.etag && now - last.at < REMEMBERED_MS) return "already announced";
    const event = blobCreatedEvent({
      account: source.account,
      container: source.container,
      blobName: blob.name,
      etag: blob.etag,
      id: randomUUID(),
      eventTime: new Date(eventTime).toISOString(),
      announced: true,
    });
    await this.queue.send(encodeBlobEvent(event));
    this.remember(key, blob.etag, now);
    return "announced";
  }

  private remember(key: string, etag: string, now: number): void {
    // Re-inserted, so the map stays in the order remembered and the oldest go first.
    this.remembered.delete(key);
    this.remembered.set(key, { etag, at: now });
    for (const [oldest, { at }] of this.remembered) {
      if (this.remembered.size <= MAX_REMEMBERED && now - at < REMEMBERED_MS) break;
      this.remembered.delete(oldest);
    }
  }
}
