// PollRound bounds the blobs whose delivery is under way: each settles on its own, the reader gets
// room back as soon as one does, and a failed delivery is counted against its blob's source.

import { describe, expect, it } from "vitest";
import { createLogger } from "../../../forwarder/log";
import type { BlobResult } from "../../../forwarder/poll/blob-forwarding";
import { MAX_BLOBS_IN_DELIVERY, PollRound } from "../../../forwarder/poll/poll-round";
import type { SourceContext } from "../../../forwarder/poll/source-context";

const context = { source: { url: "http://127.0.0.1:10000/devstoreaccount1/insights-logs-flowlogflowevent" } } as unknown as SourceContext;

function pendingBlob(): { result: BlobResult; deliver: () => void; fail: (error: Error) => void } {
  let deliver = () => {};
  let fail: (error: Error) => void = () => {};
  const delivered = new Promise<void>((resolve, reject) => ((deliver = resolve), (fail = reject)));
  return { result: { tuplesRead: 10, bytesRead: 100, settle: () => delivered }, deliver, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("PollRound", () => {
  it(`holds the reader once ${MAX_BLOBS_IN_DELIVERY} blobs are in delivery, and gives room back as one settles`, async () => {
    const round = new PollRound(Date.now(), createLogger({ level: "silent", secrets: [] }), () => undefined);
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
});
