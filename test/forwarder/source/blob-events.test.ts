// The blob-events queue as configured: BLOB_EVENTS_QUEUE_URL turns event mode on, its SAS kept apart.
// (The message body is tested in blob-created-event.test.ts.)

import { describe, expect, it } from "vitest";
import { parseQueueUrl } from "../../../forwarder/source/blob-events";
import { loadConfig } from "../../../forwarder/config";

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
