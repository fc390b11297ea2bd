// Retry decisions as data: which intake answers are retried, which are loud failures, and how long a
// retry waits (capped exponential backoff with jitter, never sooner than Retry-After, within a cap).

import { describe, expect, it } from "vitest";
import { classifyNetworkError, classifyStatus, parseRetryAfter, retryDelayMs, type BackoffOptions } from "../../../forwarder/sink/retry";

const NOW = Date.UTC(2026, 3, 2, 12, 0, 0);

describe("parseRetryAfter", () => {
  it("reads delta-seconds as milliseconds", () => {
    expect(parseRetryAfter("1", NOW)).toBe(1000);
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
    expect(parseRetryAfter("0", NOW)).toBe(0);
  });

  it("reads an HTTP date as the time left until it, never negative", () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
  });

  it("ignores an absent or unreadable header", () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter("", NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
  });
});

describe("classifyStatus", () => {
  it.each([200, 201, 204])("treats %i as delivered", (status) => {
    expect(classifyStatus(status, null, NOW)).toEqual({ kind: "delivered" });
  });

  it.each([401, 403])("treats %i as a rejected key, not retried", (status) => {
    expect(classifyStatus(status, "5", NOW)).toEqual({ kind: "key_rejected", status });
  });

  it("treats 413 as too large, not retried as is", () => {
    expect(classifyStatus(413, null, NOW)).toEqual({ kind: "too_large" });
  });

  it.each([408, 429, 500, 502, 503, 504])("retries %i and carries its Retry-After", (status) => {
    expect(classifyStatus(status, "7", NOW)).toEqual({ kind: "retry", reason: `http_${status}`, retryAfterMs: 7000 });
    expect(classifyStatus(status, null, NOW)).toEqual({ kind: "retry", reason: `http_${status}`, retryAfterMs: undefined });
  });

  it.each([400, 422])("treats %i as a rejection for good", (status) => {
    expect(classifyStatus(status, null, NOW)).toEqual({ kind: "rejected", status });
  });

  it("treats 404 as a configuration error (a regional base URL without its path), not a rejection of the events", () => {
    expect(classifyStatus(404, null, NOW)).toEqual({ kind: "key_rejected", status: 404 });
  });
});

describe("classifyNetworkError", () => {
  it("retries a timeout with reason timeout and any other failure with reason network", () => {
    expect(classifyNetworkError(new DOMException("timed out", "TimeoutError"))).toEqual({ kind: "retry", reason: "timeout" });
    expect(classifyNetworkError(new TypeError("fetch failed"))).toEqual({ kind: "retry", reason: "network" });
    expect(classifyNetworkError("not an error")).toEqual({ kind: "retry", reason: "network" });
  });
});

describe("retryDelayMs", () => {
  const options = (random: number, over: Partial<BackoffOptions> = {}): BackoffOptions => ({
    baseMs: 100,
    maxMs: 5_000,
    maxRetryAfterMs: 60_000,
    random: () => random,
    ...over,
  });

  it("doubles the ceiling with each attempt and jitters within its upper half", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(options(0), a))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(options(0.999999), a)).map(Math.round)).toEqual([100, 200, 400, 800]);
  });

  it("never exceeds maxMs, even after very many attempts", () => {
    expect(retryDelayMs(options(0.999999), 10)).toBeLessThanOrEqual(5_000);
    expect(retryDelayMs(options(0.999999), 10_000)).toBeLessThanOrEqual(5_000);
    expect(Number.isFinite(retryDelayMs(options(0.5), 10_000))).toBe(true);
  });

  it("waits at least Retry-After when it is longer than the backoff", () => {
    expect(retryDelayMs(options(0), 1, 1000)).toBe(1000);
    expect(retryDelayMs(options(0.999999), 1, 10)).toBeCloseTo(100, 0);
  });

  it("caps an honoured Retry-After at maxRetryAfterMs", () => {
    expect(retryDelayMs(options(0), 1, 86_400_000)).toBe(60_000);
  });
});
