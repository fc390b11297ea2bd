// PollRound bounds the blobs whose delivery is under way: each settles on its own, the reader gets
// room back as soon as one does, and a failed delivery is counted against its blob's source. It also
// decides which sources may move their scan window: one whose blobs were all delivered or handed to
// the queue, not one with a blob another replica reads or that failed.

import { describe, expect, it } from "vitest";
import { createLogger } from "../../../forwarder/log";
import type { BlobResult } from "../../../forwarder/poll/blob-forwarding";
import { MAX_BLOBS_IN_DELIVERY, PollRound } from "../../../forwarder/poll/poll-round";
import type { SourceContext } from "../../../forwarder/poll/source-context";

const context = { source: { url: "http://127.0.0.1:10000/devstoreaccount1/insights-logs-flowlogflowevent" } } as unknown as SourceContext;
const otherContext = { source: { url: "http://127.0.0.1:10000/devstoreaccount1/insights-logs-networksecuritygroupflowevent" } } as unknown as SourceContext;
const silentRound = () => new PollRound(Date.now(), createLogger({ level: "silent", secrets: [] }), () => undefined);

function pendingBlob(): { result: BlobResult; deliver: () => void; fail: (error: Error) => void } {
  let deliver = () => {};
  let fail: (error: Error) => void = () => {};
  const delivered = new Promise<void>((resolve, reject) => ((deliver = resolve), (fail = reject)));
  return { result: { tuplesRead: 10, bytesRead: 100, settle: () => delivered }, deliver, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("PollRound", () => {
  it(`holds the reader once ${MAX_BLOBS_IN_DELIVERY} blobs are in delivery, and gives room back as one settles`, async () => {
    const round = silentRound();
    const blobs = Array.from({ length: MAX_BLOBS_IN_DELIVERY }, () => pendingBlob());
    blobs.forEach((blob, i) => round.read(context, `blob-${i}`, blob.result));
    expect(round.hasRoomForBlob()).toBe(false);
    let room = false;
    void round.roomForBlob().then(() => (room = true));
    await tick();
    expect(room).toBe(false);
    blobs[3].deliver();
    await tick();
    expect(room).toBe(true);
    expect(round.hasRoomForBlob()).toBe(true);

    let settled = false;
    void round.settled().then(() => (settled = true));
    for (const blob of blobs.slice(1)) blob.deliver();
    await tick();
    expect(settled).toBe(false);
    blobs[0].fail(new Error("intake refused"));
    await tick();
    expect(settled).toBe(true);
    expect(round.failures).toBe(1);
    expect(round.isComplete(context)).toBe(false);
    expect(round.report(0)).toMatchObject({ blobsRead: MAX_BLOBS_IN_DELIVERY, tuplesRead: 10 * MAX_BLOBS_IN_DELIVERY, bytesRead: 100 * MAX_BLOBS_IN_DELIVERY });
  });

  it("keeps a source whose changed blobs were all announced (now or before) complete: the queue holds them until delivered", () => {
    const round = silentRound();
    round.announcing = true;
    round.announced("announced");
    round.announced("already announced");
    expect(round.isComplete(context)).toBe(true);
    expect(round.report(0)).toMatchObject({ blobsAnnounced: 1, failures: 0 });
  });

  it("leaves a source with a blob another replica reads, or one that failed, incomplete, and only that source", () => {
    const round = silentRound();
    round.announced("announced");
    round.leftToOther(context);
    expect(round.isComplete(context)).toBe(false);
    expect(round.isComplete(otherContext)).toBe(true);
    round.blobFailed(otherContext, "blob-1", new Error("storage down"));
    expect(round.isComplete(otherContext)).toBe(false);
    expect(round.failures).toBe(1);
  });
});
