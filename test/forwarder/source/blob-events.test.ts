// Parsing Event Grid's storage-queue messages: the documented BlobCreated event, base64 as Event Grid
// delivers it now (or plain JSON as it did before 2022), naming the blob by topic and subject.

import { describe, expect, it } from "vitest";
import { parseBlobEvent, parseQueueUrl } from "../../../forwarder/source/blob-events";
import { loadConfig } from "../../../forwarder/config";
import { blobCreatedEvent } from "../../helpers/event-grid";

const NAME = "flowLogResourceID=/SUBSCRIPTIONS/X_NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_FL/y=2026/m=12/d=03/h=19/m=00/macAddress=6045BD000001/PT1H.json";

describe("parseBlobEvent", () => {
  it("reads the account, container, blob and ETag of a base64 BlobCreated event", () => {
    const event = blobCreatedEvent("flwesteurope1a2b", "insights-logs-flowlogflowevent", NAME, "0x8DE3A1B2C3D4E5F", "https://x");
    const body = Buffer.from(JSON.stringify(event)).toString("base64");
    expect(parseBlobEvent(body)).toEqual({
      account: "flwesteurope1a2b",
      container: "insights-logs-flowlogflowevent",
      blobName: NAME,
      etag: '"0x8DE3A1B2C3D4E5F"',
      eventTime: event.eventTime,
    });
  });

  it("accepts the plain JSON Event Grid delivered before 2022", () => {
    const event = blobCreatedEvent("acct", "insights-logs-networksecuritygroupflowevent", "a/PT1H.json", "0x1", "https://x");
    expect(parseBlobEvent(JSON.stringify(event))?.blobName).toBe("a/PT1H.json");
  });

  it("gives nothing for what is not a BlobCreated event", () => {
    const deleted = { ...blobCreatedEvent("acct", "c", "a/PT1H.json", "0x1", "https://x"), eventType: "Microsoft.Storage.BlobDeleted" };
    expect(parseBlobEvent(Buffer.from(JSON.stringify(deleted)).toString("base64"))).toBeUndefined();
    expect(parseBlobEvent("bm90IGpzb24=")).toBeUndefined();
    expect(parseBlobEvent(JSON.stringify({ eventType: "Microsoft.Storage.BlobCreated", topic: "/x", subject: "/y" }))).toBeUndefined();
  });
});

describe("BLOB_EVENTS_QUEUE_URL", () => {
  const base = {
    FLOWLOG_SOURCES: "https://acct.blob.core.windows.net/insights-logs-flowlogflowevent",
    CHECKPOINT_URL: "https://state.blob.core.windows.net/checkpoints",
    SEKOIA_VNET_INTAKE_KEY: "k",
  };

  it("turns event mode on with a queue URL, its SAS kept apart", () => {
    const config = loadConfig({ ...base, BLOB_EVENTS_QUEUE_URL: "https://state.queue.core.windows.net/flowlog-blob-events?sv=1&sig=abc" });
    expect(config.eventsQueue).toEqual({
      url: "https://state.queue.core.windows.net/flowlog-blob-events",
      account: "state",
      queue: "flowlog-blob-events",
      sas: "sv=1&sig=abc",
    });
    expect(config.reconcileIntervalSeconds).toBe(900);
    expect(parseQueueUrl("http://127.0.0.1:10001/devstoreaccount1/q-1").account).toBe("devstoreaccount1");
  });

  it("stays in polling mode without it, and names the variable when it is malformed", () => {
    expect(loadConfig(base).eventsQueue).toBeUndefined();
    expect(() => loadConfig({ ...base, BLOB_EVENTS_QUEUE_URL: "https://state.queue.core.windows.net/a/b" })).toThrow(/BLOB_EVENTS_QUEUE_URL/);
    expect(() => loadConfig({ ...base, RECONCILE_INTERVAL_SECONDS: "5" })).toThrow(/RECONCILE_INTERVAL_SECONDS .*10 to 86400/);
  });
});
