// Event mode's reconciliation hands each changed blob it lists to the queue instead of reading it: a
// blob whose checkpoint holds the listed ETag is delivered, any other is announced (blob-announcer.ts)
// for whichever replica is free. Either way the listing is done with it, and the source's scan window
// may move past it (PollRound.announced says why that is safe).

import type { Logger } from "../log";
import type { ListedBlob } from "../source/blob-listing";
import type { BlobAnnouncer } from "./blob-announcer";
import type { PollRound } from "./poll-round";
import type { Progress } from "./progress";
import type { SourceContext } from "./source-context";

export class QueueHandover {
  constructor(
    private readonly progress: Progress,
    private readonly announcer: BlobAnnouncer,
    private readonly log: Logger,
  ) {}

  /**
   * True when the blob is delivered as listed or on the queue now. False when the queue refused the
   * message: the round stops announcing, and this blob and the rest of the poll are read by the listing
   * itself, so nothing waits on a queue that cannot hold it.
   */
  async handOver(context: SourceContext, blob: ListedBlob, round: PollRound): Promise<boolean> {
    // A new ETag is how a listing sees new content: a commit without new blocks is rare, and the
    // replica taking the message finds it up to date from the block list.
    if (await this.deliveredAsListed(context, blob)) return true;
    try {
      round.announced(await this.announcer.announce(context.source, blob, round.started));
      return true;
    } catch (error) {
      round.announcing = false;
      this.log.warn(
        { source: context.source.url, blob: blob.name, err: error },
        "Blob not announced on the queue; the reconciliation reads what it finds itself until the next one.",
      );
      return false;
    }
  }

  /** Whether the blob's checkpoint holds the listed ETag: everything it has is delivered. */
  private async deliveredAsListed(context: SourceContext, blob: ListedBlob): Promise<boolean> {
    // A cached ETag that matches cannot be stale (a newer checkpoint would have another ETag).
    if (this.progress.deliveredEtag(context.source, blob.name) === blob.etag) return true;
    // Another replica may have delivered it since this one last looked.
    this.progress.forgetCachedBlob(context.source, blob.name);
    return (await this.progress.blob(context.source, blob.name, blob.hour)).reached?.etag === blob.etag;
  }
}
