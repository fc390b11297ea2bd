// The body of a blob-events queue message: one Microsoft.Storage.BlobCreated event in the Event Grid
// schema, as Event Grid's storage-queue delivery writes it, and as the reconciliation listing writes
// it too when it announces a blob no event announced (poll/blob-announcer.ts). One builder and one
// parser, so the forwarder's announcements and the tests' Event Grid stand-in cannot drift apart.

import { headerEtag } from "./blob-listing";

/** What one message says changed: a blob of a flow-log account's container. */
export interface BlobChange {
  readonly account: string;
  readonly container: string;
  readonly blobName: string;
  /** The blob's ETag after the change (quoted, as checkpoints hold it): a checkpoint with it has nothing new. */
  readonly etag?: string;
  /** Event Grid's eventTime: when the append was committed (commit-to-ack latency starts here). */
  readonly eventTime?: string;
  /** A reconciliation listing announced it, not Event Grid: its eventTime is the listing's, not a commit's. */
  readonly announced: boolean;
}

const BLOB_CREATED = "Microsoft.Storage.BlobCreated";
/** Marks a forwarder's announcement in the event's data; Event Grid's own events never carry it. */
const ANNOUNCED_BY = "flowlog-forwarder-reconciliation";

export interface BlobCreatedFields {
  readonly account: string;
  readonly container: string;
  readonly blobName: string;
  /** Quoted or bare: the event carries it bare, as Event Grid does. */
  readonly etag: string;
  readonly id: string;
  readonly eventTime: string;
  /** What precedes `/providers/Microsoft.Storage/...` in the topic (Event Grid's: `/subscriptions/<id>/resourceGroups/<rg>`). */
  readonly scope?: string;
  /** Made by a reconciliation listing, not Event Grid. */
  readonly announced?: boolean;
  /** More of Event Grid's data fields (api, url, sequencer...), which the forwarder does not read. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The event Event Grid publishes for a Put Block List (Microsoft's "Blob storage as an Event Grid source"). */
export function blobCreatedEvent(fields: BlobCreatedFields): Record<string, unknown> {
  return {
    topic: `${fields.scope ?? ""}/providers/Microsoft.Storage/storageAccounts/${fields.account}`,
    subject: `/blobServices/default/containers/${fields.container}/blobs/${fields.blobName}`,
    eventType: BLOB_CREATED,
    id: fields.id,
    data: { ...fields.data, eTag: fields.etag.replace(/"/g, ""), ...(fields.announced && { announcedBy: ANNOUNCED_BY }) },
    dataVersion: "",
    metadataVersion: "1",
    eventTime: fields.eventTime,
  };
}

/** A message body as Event Grid's storage-queue delivery writes one: base64 JSON (MicrosoftDocs/azure-docs#102923). */
export function encodeBlobEvent(event: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(event)).toString("base64");
}

/**
 * Parses a message body: one event in the Event Grid schema, base64-encoded JSON (plain JSON was
 * delivered before 2022 and is accepted too). The blob is named by the event's topic (the account) and
 * subject (`/blobServices/default/containers/<container>/blobs/<name>`), not its URL, which differs by
 * cloud. Undefined when the body is not a BlobCreated event.
 */
export function parseBlobEvent(body: string): BlobChange | undefined {
  const text = body.trimStart().startsWith("{") || body.trimStart().startsWith("[") ? body : Buffer.from(body, "base64").toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const event = (Array.isArray(parsed) ? parsed[0] : parsed) as
    { eventType?: unknown; topic?: unknown; subject?: unknown; eventTime?: unknown; data?: { eTag?: unknown; announcedBy?: unknown } } | undefined;
  if (!event || event.eventType !== BLOB_CREATED || typeof event.topic !== "string" || typeof event.subject !== "string") return undefined;
  const account = /\/storageAccounts\/([^/]+)$/i.exec(event.topic)?.[1];
  const subject = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/.exec(event.subject);
  if (!account || !subject) return undefined;
  return {
    account,
    container: subject[1],
    blobName: subject[2],
    etag: typeof event.data?.eTag === "string" ? headerEtag(event.data.eTag) : undefined,
    eventTime: typeof event.eventTime === "string" ? event.eventTime : undefined,
    announced: event.data?.announcedBy === ANNOUNCED_BY,
  };
}
