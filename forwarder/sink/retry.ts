// Retry decisions as data: what an intake answer or a network failure means, and how long to wait.
// 429, 408 and 5xx and network failures are retried with capped exponential backoff, jittered over
// the upper half of each step, never sooner than the intake's Retry-After; 401/403 (bad key) and 404
// (wrong intake URL) are configuration errors, and 413 (too large) is never retried blindly.

export type IntakeOutcome =
  | { readonly kind: "delivered" }
  | { readonly kind: "retry"; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: "key_rejected"; readonly status: number }
  | { readonly kind: "too_large" }
  | { readonly kind: "rejected"; readonly status: number };

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function classifyStatus(status: number, retryAfter: string | null, nowMs: number): IntakeOutcome {
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 401 || status === 403 || status === 404) return { kind: "key_rejected", status };
  if (status === 413) return { kind: "too_large" };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: "retry", reason: `http_${status}`, retryAfterMs: parseRetryAfter(retryAfter, nowMs) };
  }
  return { kind: "rejected", status };
}

export function classifyNetworkError(error: unknown): IntakeOutcome {
  const name = error instanceof Error ? error.name : "";
  return { kind: "retry", reason: name === "TimeoutError" ? "timeout" : "network" };
}

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Upper bound on an honoured Retry-After, so a broken header cannot stall the feed for days. */
  readonly maxRetryAfterMs: number;
  readonly random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 1_000,
  maxMs: 60_000,
  maxRetryAfterMs: 600_000,
  random: Math.random,
};

/** Delay before retry number `attempt` (1-based). */
export function retryDelayMs(options: BackoffOptions, attempt: number, retryAfterMs?: number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 30));
  const jittered = ceiling / 2 + options.random() * (ceiling / 2);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, options.maxRetryAfterMs));
}
