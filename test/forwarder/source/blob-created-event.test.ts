// The queue message body, Event Grid's BlobCreated event: parsed as Event Grid delivers it (base64,
// or plain JSON as before 2022), named by topic and subject; and built by the forwarder for what the
// reconciliation announces, which parses back to the same blob, marked as announced.

import { describe, expect, it } from "vitest";
import { blobCreatedEvent, encodeBlobEvent, parseBlobEvent } from "../../../forwarder/source/blob-created-event";
import { blobCreatedEvent as eventGridEvent } from "../../helpers/event-grid";

const NAME = "flowLogResourceID=/SUBSCRIPTIONS/X_NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_FL/y=2026/m=12/d=03/h=19/m=00/macAddress=6045BD000001/PT1H.json";

describe("parseBlobEvent", () => {
  it("reads the account, container, blob and ETag of a base64 BlobCreated event from Event Grid", () => {
    const event = eventGridEvent("flwesteurope1a2b", "insights-logs-flowlogflowevent", NAME, "0x8DE3A1B2C3D4E5F", "https://x");
    expect(parseBlobEvent(encodeBlobEvent(event))).toEqual({
      account: "flwesteurope1a2b",
      container: "insights-logs-flowlogflowevent",
      blobName: NAME,
      etag: '"0x8DE3A1B2C3D4E5F"',
      eventTime: event.eventTime,
      announced: false,
    });
  });

  it("accepts the plain JSON Event Grid delivered before 2022", () => {
    const event = eventGridEvent("acct", "insights-logs-networksecuritygroupflowevent", "a/PT1H.json", "0x1", "https://x");
    expect(parseBlobEvent(JSON.stringify(event))?.blobName).toBe("a/PT1H.json");
  });

  it("gives nothing for what is not a BlobCreated event", () => {
    const deleted = { ...eventGridEvent("acct", "c", "a/PT1H.json", "0x1", "https://x"), eventType: "Microsoft.Storage.BlobDeleted" };
    expect(parseBlobEvent(encodeBlobEvent(deleted))).toBeUndefined();
    expect(parseBlobEvent("bm90IGpzb24=")).toBeUndefined();
    expect(parseBlobEvent(JSON.stringify({ eventType: "Microsoft.Storage.BlobCreated", topic: "/x", subject: "/y" }))).toBeUndefined();
  });
});

describe("blobCreatedEvent", () => {
  it("builds an announcement that parses back to the listed blob, its quoted ETag and the listing's time, marked as announced", () => {
    const eventTime = "2026-12-03T19:15:00.000Z";
    const body = encodeBlobEvent(
      blobCreatedEvent({
        account: "flwesteurope1a2b",
        container: "insights-logs-flowlogflowevent",
        blobName: NAME,
        etag: '"0x8DE3"',
        id: "i",
        eventTime,
        announced: true,
      }),
    );
    expect(parseBlobEvent(body)).toEqual({
      account: "flwesteurope1a2b",
      container: "insights-logs-flowlogflowevent",
      blobName: NAME,
      etag: '"0x8DE3"',
      eventTime,
      announced: true,
    });
  });

  it("writes Event Grid's schema: an ARM topic ending in the account, the blob subject, the bare ETag in data", () => {
    const event = blobCreatedEvent({
      account: "acct",
      container: "c",
      blobName: "a/PT1H.json",
      etag: '"0x1"',
      id: "i",
      eventTime: "t",
      scope: "/subscriptions/s/resourceGroups/g",
    });
    expect(event).toEqual({
      topic: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct",
      subject: "/blobServices/default/containers/c/blobs/a/PT1H.json",
      eventType: "Microsoft.Storage.BlobCreated",
      id: "i",
      data: { eTag: "0x1" },
      dataVersion: "",
      metadataVersion: "1",
      eventTime: "t",
    });
  });
});
