// Event mode's source of work: the Storage Queue that Event Grid fills with the flow-log accounts'
// Microsoft.Storage.BlobCreated events (one per Put Block List, so one per minute's append). A message
// only says "this blob changed": what to read still comes from the blob's committed block list and its
// checkpoint, exactly as a poll reads it. Messages are received hidden for a while and deleted only by
// the caller, once what they announced is delivered; one not deleted reappears for any replica. The
// reconciliation listing puts messages of the same shape for blobs no event announced
// (poll/blob-announcer.ts), so any replica reads those too.

import { DefaultAzureCredential } from "@azure/identity";
import { AnonymousCredential, QueueClient, type StoragePipelineOptions } from "@azure/storage-queue";
import { QueueUnavailableError } from "../errors";
import type { ForwarderMetrics } from "../metrics";
import { parseBlobEvent, type BlobChange } from "./blob-created-event";
import { parseContainerUrl } from "./container-location";

/** A queue URL as configured: host-style Azure or path-style Azurite, the SAS kept apart. */
export interface QueueLocation {
  /** Queue URL without query string: safe to log. */
  readonly url: string;
  readonly account: string;
  readonly queue: string;
  readonly sas?: string;
}

/** https://<account>.queue.core.windows.net/<queue>[?sas] or http://127.0.0.1:<port>/<account>/<queue>[?sas]. */
export function parseQueueUrl(raw: string): QueueLocation {
  // Queue names follow the container naming rules; the URL shapes are the same.
  const { url, account, container, sas } = parseContainerUrl(raw);
  return { url, account, queue: container, sas };
}

export interface BlobEventMessage {
  readonly messageId: string;
  readonly popReceipt: string;
  readonly dequeueCount: number;
  /** Undefined when the body is not a BlobCreated event (the caller deletes it, loudly). */
  readonly change: BlobChange | undefined;
}

const PIPELINE_OPTIONS: StoragePipelineOptions = {
  retryOptions: { maxTries: 3, tryTimeoutInMs: 30_000, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
  userAgentOptions: { userAgentPrefix: "sekoia-azure-flowlog-forwarder" },
};

/** Storage Queues hand out at most 32 messages per request. */
export const MAX_MESSAGES_PER_RECEIVE = 32;

export class BlobEventQueue {
  private readonly client: QueueClient;

  constructor(
    readonly location: QueueLocation,
    private readonly metrics: ForwarderMetrics,
  ) {
    this.client = location.sas
      ? new QueueClient(`${location.url}?${location.sas}`, new AnonymousCredential(), PIPELINE_OPTIONS)
      : new QueueClient(location.url, new DefaultAzureCredential(), PIPELINE_OPTIONS);
  }

  /** Up to `count` (at most 32) messages, each hidden from other receivers for `hiddenSeconds`. */
  async receive(hiddenSeconds: number, count = MAX_MESSAGES_PER_RECEIVE): Promise<BlobEventMessage[]> {
    this.metrics.storageRequests.inc({ operation: "queue_receive" });
    try {
      const response = await this.client.receiveMessages({ numberOfMessages: Math.min(count, MAX_MESSAGES_PER_RECEIVE), visibilityTimeout: hiddenSeconds });
      return response.receivedMessageItems.map((m) => ({
        messageId: m.messageId,
        popReceipt: m.popReceipt,
        dequeueCount: m.dequeueCount,
        change: parseBlobEvent(m.messageText),
      }));
    } catch (error) {
      this.metrics.storageErrors.inc({ area: "queue" });
      throw new QueueUnavailableError("be read", error);
    }
  }

  /**
   * When the message at the front of the queue was put (the oldest waiting for a replica: Storage
   * Queues hand out roughly in order); undefined when none is visible. Messages a replica holds hidden
   * are not seen.
   */
  async oldestMessageTime(): Promise<number | undefined> {
    this.metrics.storageRequests.inc({ operation: "queue_peek" });
    try {
      const [front] = (await this.client.peekMessages({ numberOfMessages: 1 })).peekedMessageItems;
      return front?.insertedOn.getTime();
    } catch (error) {
      this.metrics.storageErrors.inc({ area: "queue" });
      throw new QueueUnavailableError("be peeked", error);
    }
  }

  /**
   * Puts a message for any replica to take. It never expires (Azure's default is 7 days): it leaves the
   * queue only once what it announces is delivered, however long the backlog ahead of it takes.
   */
  async send(body: string): Promise<void> {
    this.metrics.storageRequests.inc({ operation: "queue_put" });
    try {
      await this.client.sendMessage(body, { messageTimeToLive: -1 });
    } catch (error) {
      this.metrics.storageErrors.inc({ area: "queue" });
      throw new QueueUnavailableError("take a message", error);
    }
  }

  /** Done with: what it announced is delivered. A message received again elsewhere meanwhile (404) is that receiver's. */
  async delete(message: BlobEventMessage): Promise<void> {
    this.metrics.storageRequests.inc({ operation: "queue_delete" });
    try {
      await this.client.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
      this.metrics.storageErrors.inc({ area: "queue" });
      throw new QueueUnavailableError("delete a message", error);
    }
  }

  /** Makes a message visible again after `seconds` (another replica is reading its blob now). */
  async retryLater(message: BlobEventMessage, seconds: number): Promise<void> {
    this.metrics.storageRequests.inc({ operation: "queue_update" });
    try {
      await this.client.updateMessage(message.messageId, message.popReceipt, undefined, seconds);
    } catch (error) {
      // Not made visible sooner: it reappears when its receive timeout ends.
      if ((error as { statusCode?: number }).statusCode === 404) return;
      this.metrics.storageErrors.inc({ area: "queue" });
    }
  }
}
