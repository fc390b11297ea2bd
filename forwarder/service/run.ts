// The two ways to run the forwarder: as a service that polls until SIGTERM (and serves health and
// metrics meanwhile), or once, draining what is committed now. Both shut down the same way: stop
// reading, let the intake acknowledge what is in flight, store the checkpoints, leave.

import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { ForwarderConfig } from "../config";
import type { Logger } from "../log";
import type { BlobEventPump } from "../poll/blob-event-pump";
import type { App } from "./app";
import { serverPort, startHealthServer } from "./health-server";
import { reachCheckpoints } from "./startup";

/** SIGTERM to exit must stay under Container Apps' 30 s grace and our promise of 20 s. */
const FLUSH_GRACE_MS = 14_000;
const EXIT_DEADLINE_MS = 19_000;
const ONCE_MAX_PASSES = 3;
/** --once waits this long for a source another replica holds (one lease period and a margin). */
const ONCE_STANDBY_WAIT_MS = 45_000;
const ONCE_STANDBY_RETRY_MS = 3_000;

/** Stops the app on SIGTERM or SIGINT (app.stopping tells), with the deadlines of a shutdown; dispose() undoes it. */
function onStopSignals(app: App, log: Logger): { dispose(): void } {
  const timers: NodeJS.Timeout[] = [];
  const handler = (signal: NodeJS.Signals) => {
    if (app.stopping.aborted) return;
    log.info({ signal }, "Stopping: no new reads; delivering and checkpointing what is in flight.");
    app.stop();
    timers.push(
      setTimeout(() => {
        log.warn("Intake still busy at the shutdown deadline; abandoning unacknowledged batches (they are re-read on the next start).");
        app.sinks.forEach((sink) => sink.abort());
      }, FLUSH_GRACE_MS),
      setTimeout(() => {
        log.error("Shutdown did not complete in time; exiting.");
        process.exit(1);
      }, EXIT_DEADLINE_MS),
    );
    timers.forEach((t) => t.unref());
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  return {
    dispose() {
      timers.forEach(clearTimeout);
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
    },
  };
}

export async function runService(app: App, config: ForwarderConfig, log: Logger): Promise<number> {
  const server = await startHealthServer(config.healthPort, app.readiness, app.metrics);
  // Listening proves no other live forwarder on this host has this port: the pair names the replica.
  app.leases.identify(`${hostname()}:${serverPort(server)}`);
  const shutdown = onStopSignals(app, log);
  log.info(
    {
      healthPort: serverPort(server),
      sources: config.sources.map((s) => s.url),
      pollIntervalSeconds: config.pollIntervalSeconds,
      mode: app.pump ? "events" : "polling",
      ...(config.eventsQueue && { queue: config.eventsQueue.url, reconcileIntervalSeconds: config.reconcileIntervalSeconds }),
    },
    "Forwarder started.",
  );
  await reachCheckpoints(() => app.store.check(), app.readiness, log, app.stopping);
  if (app.pump) await runEvents(app, app.pump, config, log);
  while (!app.stopping.aborted && !app.pump) {
    const started = Date.now();
    try {
      await app.poller.poll();
    } catch (error) {
      log.error({ err: error }, "Poll failed; retrying at the next interval.");
    }
    const wait = Math.max(0, started + config.pollIntervalSeconds * 1000 - Date.now());
    // A stop ends the wait at once (the sleep rejects with an AbortError).
    await sleep(wait, undefined, { signal: app.stopping, ref: false }).catch(() => undefined);
  }
  await app.leases.releaseAll();
  shutdown.dispose();
  await new Promise((resolve) => server.close(resolve));
  log.info("Forwarder stopped.");
  return 0;
}

/** Event mode: an empty queue is asked again after this (Storage Queues have no long polling). */
const EMPTY_QUEUE_WAIT_MS = 1_000;

/**
 * Event mode: take blob-changed messages until stopped; list (reconcile) at start and every
 * RECONCILE_INTERVAL_SECONDS, and every poll interval while the queue is unavailable, so reading goes
 * on by listing and /readyz says why. While the queue answers, the listing announces what it finds on
 * the queue instead of reading it, so a backlog is shared by every replica and drives the scale rule.
 */
async function runEvents(app: App, pump: BlobEventPump, config: ForwarderConfig, log: Logger): Promise<void> {
  let nextReconcile = 0;
  let queueDown = false;
  while (!app.stopping.aborted) {
    if (Date.now() >= nextReconcile) {
      const started = Date.now();
      try {
        await app.poller.poll({ announce: !queueDown });
      } catch (error) {
        log.error({ err: error }, "Reconciliation listing failed; retrying at the next interval.");
      }
      nextReconcile = started + (queueDown ? config.pollIntervalSeconds : config.reconcileIntervalSeconds) * 1000;
    }
    let idle: boolean;
    try {
      if (!queueDown) app.queueAge?.peekIfDue();
      const report = await pump.pumpOnce();
      if (report.messages === 0) app.queueAge?.noneWaiting();
      if (queueDown) log.info("Blob-events queue answers again; reading what it announces.");
      queueDown = false;
      idle = report.messages === 0;
    } catch (error) {
      app.readiness.observe(error);
      if (!queueDown) {
        log.error({ err: error }, "Blob-events queue unavailable; finding changed blobs by listing every poll interval until it answers.");
        nextReconcile = Math.min(nextReconcile, Date.now() + config.pollIntervalSeconds * 1000);
      }
      queueDown = true;
      idle = true;
    }
    const wait = queueDown ? Math.min(5_000, config.pollIntervalSeconds * 1000) : idle ? EMPTY_QUEUE_WAIT_MS : 0;
    if (wait > 0) await sleep(wait, undefined, { signal: app.stopping, ref: false }).catch(() => undefined);
  }
}

export async function runOnce(app: App, log: Logger): Promise<number> {
  const shutdown = onStopSignals(app, log);
  try {
    if (!(await app.poller.checkCheckpoints())) return 1;
    const standbyDeadline = Date.now() + ONCE_STANDBY_WAIT_MS;
    for (let pass = 1; ; pass++) {
      const report = await app.poller.poll();
      if (report.failures > 0) return 1;
      if (app.stopping.aborted) return 0;
      if (report.standby > 0) {
        if (Date.now() > standbyDeadline) {
          log.error({ sources: report.standby }, "Another replica kept holding sources; they were not drained.");
          return 1;
        }
        await sleep(ONCE_STANDBY_RETRY_MS);
      } else if (report.changedWhileReading === 0 || pass >= ONCE_MAX_PASSES) {
        return 0;
      }
    }
  } finally {
    await app.leases.releaseAll();
    shutdown.dispose();
  }
}
