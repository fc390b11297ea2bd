// The reconciliation's announcements: one message per changed blob, in the body the pump parses, and
// not again for the same ETag while remembered; remembered for a bounded time and number of blobs, so
// a lost message is made again and memory stays flat; a put that failed is not remembered.

import { describe, expect, it } from "vitest";
import type { FlowLogSource } from "../../../forwarder/config";
import { BlobAnnouncer, MAX_REMEMBERED, REMEMBERED_MS } from "../../../forwarder/poll/blob-announcer";
import { parseBlobEvent } from "../../../forwarder/source/blob-created-event";
import type { ListedBlob } from "../../../forwarder/source/blob-listing";

const SOURCE: FlowLogSource = {
  url: "https://flowlogs.blob.core.windows.net/insights-logs-flowlogflowevent",
  account: "flowlogs",
  container: "insights-logs-flowlogflowevent",
  kind: "vnet",
};
const LISTED_AT = Date.parse("2026-12-03T19:15:00Z");

function listed(n: number, etag = '"0x1"'): ListedBlob {
  return { name: `flowLogResourceID=/X/y=2026/m=12/d=03/h=18/m=00/macAddress=${String(n).padStart(12, "0")}/PT1H.json`, etag, size: 100 };
}

function announcerWithClock(): { announcer: BlobAnnouncer; sent: string[]; clock: { now: number }; failing: { next: boolean } } {
  const sent: string[] = [];
  const clock = { now: LISTED_AT };
  const failing = { next: false };
  const queue = {
    send: async (body: string) => {
      if (failing.next) {
        failing.next = false;
        throw new Error("queue down");
      }
      sent.push(body);
    },
  };
  return { announcer: new BlobAnnouncer(queue, () => clock.now), sent, clock, failing };
}

describe("BlobAnnouncer", () => {
  it("puts one Event Grid body per blob, which the pump parses as announced at the listing's time", async () => {
    const { announcer, sent } = announcerWithClock();
    expect(await announcer.announce(SOURCE, listed(1, '"0x8DE3"'), LISTED_AT)).toBe("announced");
    expect(sent.map(parseBlobEvent)).toEqual([
      { account: "flowlogs", container: SOURCE.container, blobName: listed(1).name, etag: '"0x8DE3"', eventTime: "2026-12-03T19:15:00.000Z", announced: true },
    ]);
  });

  it("does not announce the same ETag again, but does a new one", async () => {
    const { announcer, sent, clock } = announcerWithClock();
    await announcer.announce(SOURCE, listed(1), LISTED_AT);
    clock.now += 15 * 60_000;
    expect(await announcer.announce(SOURCE, listed(1), clock.now)).toBe("already announced");
    expect(await announcer.announce(SOURCE, listed(1, '"0x2"'), clock.now)).toBe("announced");
    expect(await announcer.announce(SOURCE, listed(2), clock.now)).toBe("announced");
    expect(sent).toHaveLength(3);
  });

  it("announces again once the announcement is older than it remembers, in case its message was lost", async () => {
    const { announcer, sent, clock } = announcerWithClock();
    await announcer.announce(SOURCE, listed(1), LISTED_AT);
    clock.now += REMEMBERED_MS;
    expect(await announcer.announce(SOURCE, listed(1), clock.now)).toBe("announced");
    expect(sent).toHaveLength(2);
  });

  it("remembers nothing of a put that failed", async () => {
    const { announcer, sent, failing } = announcerWithClock();
    failing.next = true;
    await expect(announcer.announce(SOURCE, listed(1), LISTED_AT)).rejects.toThrow("queue down");
    expect(await announcer.announce(SOURCE, listed(1), LISTED_AT)).toBe("announced");
    expect(sent).toHaveLength(1);
  });

  it(`remembers at most ${MAX_REMEMBERED} blobs, forgetting the oldest first`, async () => {
    const { announcer, sent } = announcerWithClock();
    for (let n = 0; n <= MAX_REMEMBERED; n++) await announcer.announce(SOURCE, listed(n), LISTED_AT);
    expect(await announcer.announce(SOURCE, listed(MAX_REMEMBERED), LISTED_AT)).toBe("already announced");
    expect(await announcer.announce(SOURCE, listed(0), LISTED_AT)).toBe("announced");
    expect(sent).toHaveLength(MAX_REMEMBERED + 2);
  });
});
