// flowlog_queue_oldest_message_age_seconds: the queue's front is peeked at most once per interval and
// never twice at once, an empty receive brings the gauge to 0 without a peek, and a failed peek keeps
// what was last seen and is logged once, not at every attempt.

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../forwarder/log";
import { ForwarderMetrics } from "../../../forwarder/metrics";
import { PEEK_INTERVAL_MS, QueueAge } from "../../../forwarder/poll/queue-age";

// A minute ago: the gauge measures against the real clock.
const PUT_AT = Date.now() - 60_000;

function queueAgeWithClock() {
  const clock = { now: PUT_AT + 60_000 };
  const front = { peeks: 0, answer: async (): Promise<number | undefined> => PUT_AT };
  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) warnings.push((JSON.parse(line) as { msg: string }).msg);
      done();
    },
  });
  const metrics = new ForwarderMetrics();
  const queue = {
    oldestMessageTime: () => {
      front.peeks++;
      return front.answer();
    },
  };
  const age = new QueueAge(queue, metrics, createLogger({ level: "warn", secrets: [], destination }), () => clock.now);
  return { age, metrics, front, clock, warnings };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("QueueAge", () => {
  it(`peeks at most once per ${PEEK_INTERVAL_MS / 1000} s, never twice at once, and reads 0 after an empty receive`, async () => {
    const { age, metrics, front, clock } = queueAgeWithClock();
    let answer!: (at: number | undefined) => void;
    front.answer = () => new Promise((resolve) => (answer = resolve));
    age.peekIfDue();
    age.peekIfDue();
    expect(front.peeks).toBe(1);
    answer(PUT_AT);
    await settle();
    expect(metrics.queueOldestSince).toBe(PUT_AT);
    const gauge = (await metrics.queueOldestMessageAge.get()).values[0].value;
    expect(gauge).toBeGreaterThan(0);

    clock.now += PEEK_INTERVAL_MS - 1;
    age.peekIfDue();
    expect(front.peeks).toBe(1);
    age.noneWaiting();
    expect((await metrics.queueOldestMessageAge.get()).values[0].value).toBe(0);
    clock.now += 1;
    age.peekIfDue();
    expect(front.peeks).toBe(2);
  });

  it("keeps the last age seen when a peek fails, and warns once until a peek succeeds", async () => {
    const { age, metrics, front, clock, warnings } = queueAgeWithClock();
    age.peekIfDue();
    await settle();
    front.answer = () => Promise.reject(new Error("queue down"));
    for (let i = 0; i < 3; i++) {
      clock.now += PEEK_INTERVAL_MS;
      age.peekIfDue();
      await settle();
    }
    expect(front.peeks).toBe(4);
    expect(metrics.queueOldestSince).toBe(PUT_AT);
    expect(warnings).toEqual(["Blob-events queue not peeked; its oldest message's age is as last seen."]);
  });
});
