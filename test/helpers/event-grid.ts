// Azurite's queue service (in memory, on a free loopback port) and an Event Grid stand-in that delivers
// to it what Azure's storage-queue delivery delivers: one Microsoft.Storage.BlobCreated event per
// committed block list, in the Event Grid event schema, base64-encoded JSON as a queue message
// (MicrosoftDocs/azure-docs#102923: Event Grid's queue messages are base64), built by the forwarder's
// own builder (the reconciliation writes the same body). It can lose, duplicate or hold back events, as
// the tests of reconciliation and coalescing need.

import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { QueueClient, QueueSASPermissions, SASProtocol, StorageSharedKeyCredential, generateQueueSASQueryParameters } from "@azure/storage-queue";
import { blobCreatedEvent as forwarderBlobCreatedEvent, encodeBlobEvent } from "../../forwarder/source/blob-created-event";
import { DEV_ACCOUNT, DEV_KEY, freePort, startAzuriteService } from "./azurite";
import { seededRandom } from "./seeded-random";

const AZURITE_QUEUE_BIN = path.resolve(__dirname, "../../node_modules/azurite/dist/src/queue/main.js");
export const EVENTS_QUEUE = "flowlog-blob-events";

export class AzuriteQueue {
  readonly credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<AzuriteQueue> {
    const azurite = new AzuriteQueue(await freePort());
    await azurite.resume();
    return azurite;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}/${DEV_ACCOUNT}`;
  }

  client(queue = EVENTS_QUEUE): QueueClient {
    return new QueueClient(`${this.endpoint}/${queue}`, this.credential);
  }

  /** Starts on the same port (in memory: the queue must be created again). */
  async resume(): Promise<void> {
    const args = [AZURITE_QUEUE_BIN, "--queueHost", "127.0.0.1", "--queuePort", String(this.port), "--skipApiVersionCheck", "--disableTelemetry", "--loose"];
    args.push("--inMemoryPersistence");
    this.child = await startAzuriteService(args, "Azurite's queue service");
    await this.client().createIfNotExists();
  }

  /** Kills the service: the queue is unreachable until resume(). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** A queue URL with a service SAS allowing what the forwarder does (read, add = the reconciliation's announcements, update, process = receive and delete). */
  queueSasUrl(queue = EVENTS_QUEUE, permissions = "raup"): string {
    const sas = generateQueueSASQueryParameters(
      {
        queueName: queue,
        permissions: QueueSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 24 * 3_600_000),
        protocol: SASProtocol.HttpsAndHttp,
      },
      this.credential,
    ).toString();
    return `${this.endpoint}/${queue}?${sas}`;
  }

  /** Messages visible now (up to 32): those no replica has taken. */
  async visible(): Promise<number> {
    return (await this.client().peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;
  }

  /** Messages in the queue, visible or not. */
  async length(): Promise<number> {
    return (await this.client().getProperties()).approximateMessagesCount ?? 0;
  }
}

/** The event Event Grid publishes for a Put Block List: the forwarder's own builder, with the data fields it does not read. */
export function blobCreatedEvent(account: string, container: string, blobName: string, etag: string, endpoint: string): Record<string, unknown> {
  return forwarderBlobCreatedEvent({
    account,
    container,
    blobName,
    etag,
    id: randomUUID(),
    eventTime: new Date().toISOString(),
    scope: "/subscriptions/00000000-0000-0000-0000-00000000f417/resourceGroups/rg-flowlogs",
    data: {
      api: "PutBlockList",
      clientRequestId: randomUUID(),
      requestId: randomUUID(),
      contentType: "application/octet-stream",
      contentLength: 0,
      blobType: "BlockBlob",
      url: `${endpoint}/${container}/${blobName}`,
      sequencer: "0000000000000000000000000000000000000000000000000000000000000000",
      storageDiagnostics: { batchId: randomUUID() },
    },
  });
}

export interface DeliveryOptions {
  /** Share of events never delivered (a subscription created late, dead-lettered events). */
  readonly lose?: number;
  /** Share of events delivered twice (Event Grid delivers at least once). */
  readonly duplicate?: number;
  readonly seed?: number;
}

export class EventGridDelivery {
  delivered = 0;
  lost = 0;
  duplicated = 0;
  /** While true, events are dropped (the queue is down and Event Grid's retries are not modelled). */
  paused = false;
  private readonly random: () => number;

  constructor(
    private readonly queue: AzuriteQueue,
    private readonly blobEndpoint: string,
    private readonly options: DeliveryOptions = {},
  ) {
    this.random = seededRandom(options.seed ?? 1);
  }

  /** Called once a block list is committed, with the blob's new ETag. */
  async blobCreated(container: string, blobName: string, etag: string): Promise<void> {
    if (this.paused || this.random() < (this.options.lose ?? 0)) {
      this.lost++;
      return;
    }
    const body = encodeBlobEvent(blobCreatedEvent(DEV_ACCOUNT, container, blobName, etag, this.blobEndpoint));
    const copies = this.random() < (this.options.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) await this.queue.client().sendMessage(body);
    this.delivered++;
    if (copies > 1) this.duplicated++;
  }
}
