// The first contact with the checkpoint container. Right after a deployment the identity's role
// assignments can take minutes to propagate and storage answers 403: that is "not yet authorized",
// retried with backoff until it passes or the service is stopped, never a crash. /healthz stays 200
// meanwhile (the process is fine), /readyz and flowlog_dependency_up report it.

import { setTimeout as sleep } from "node:timers/promises";
import { CheckpointUnavailableError } from "../errors";
import type { Logger } from "../log";
import type { Readiness } from "../poll/readiness";

export interface Backoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const AUTHORIZATION_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 30_000 };

export function isNotYetAuthorized(error: unknown): boolean {
  return error instanceof CheckpointUnavailableError && error.statusCode === 403;
}

/**
 * Checks the checkpoint container until it answers or `stopping` aborts. Returns true when it
 * answered; false on another failure (reported as before: the poll loop keeps retrying) or a stop.
 */
export async function reachCheckpoints(
  check: () => Promise<void>,
  readiness: Readiness,
  log: Logger,
  stopping: AbortSignal,
  backoff: Backoff = AUTHORIZATION_BACKOFF,
): Promise<boolean> {
  for (let attempt = 1, delayMs = backoff.firstMs; ; attempt++, delayMs = Math.min(delayMs * 2, backoff.maxMs)) {
    try {
      await check();
      readiness.ok("checkpoints");
      if (attempt > 1) log.info({ attempts: attempt }, "Checkpoint container authorized.");
      return true;
    } catch (error) {
      if (!isNotYetAuthorized(error)) {
        readiness.observe(error);
        log.error({ err: error }, "Checkpoint container not reachable.");
        return false;
      }
      readiness.fail("checkpoints", `not yet authorized (403; role assignments can take minutes to propagate), retrying in ${delayMs / 1000} s`);
      log.warn({ attempt, retryInMs: delayMs }, "Checkpoint container not yet authorized; retrying.");
    }
    await sleep(delayMs, undefined, { signal: stopping }).catch(() => undefined);
    if (stopping.aborted) return false;
  }
}
