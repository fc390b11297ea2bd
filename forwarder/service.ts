// The two ways to run the forwarder: as a service that polls until SIGTERM (and serves health and
// metrics meanwhile), or once, draining what is committed now. Both shut down the same way: stop
// reading, let the intake acknowledge what is in flight, store the checkpoints, leave.

import { hostname } from "node:os";
import type { App } from "./app";
import type { ForwarderConfig } from "./config";
import { serverPort, startHealthServer } from "./health";
import type { Logger } from "./log";
import { reachCheckpoints } from "./startup";

/** SIGTERM to exit must stay under Container Apps' 30 s grace and our promise of 20 s. */
const FLUSH_GRACE_MS = 14_000;
const EXIT_DEADLINE_MS = 19_000;
const ONCE_MAX_PASSES = 3;
/** --once waits this long for a source another replica holds (one lease period and a margin). */
const ONCE_STANDBY_WAIT_MS = 45_000;
const ONCE_STANDBY_RETRY_MS = 3_000;

interface Shutdown {
  readonly requested: boolean;
  /** Resolves when a stop signal arrives. */
  readonly signalled: Promise<void>;
  dispose(): void;
}

function onStopSignals(app: App, log: Logger): Shutdown {
  let requested = false;
  let resolveSignalled!: () => void;
  const signalled = new Promise<void>((resolve) => (resolveSignalled = resolve));
  const timers: NodeJS.Timeout[] = [];
  const handler = (signal: NodeJS.Signals) => {
    if (requested) return;
    requested = true;
    log.info({ signal }, "Stopping: no new reads; delivering and checkpointing what is in flight.");
    app.forwarder.stop();
    resolveSignalled();
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
    get requested() {
      return requested;
    },
    signalled,
    dispose() {
      timers.forEach(clearTimeout);
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
    },
  };
}

async function checkCheckpoints(app: App, log: Logger): Promise<boolean> {
  try {
    await app.store.check();
    app.health.ok("checkpoints");
    return true;
  } catch (error) {
    app.health.fail("checkpoints", (error as Error).message);
    log.error({ err: error }, "Checkpoint container not reachable.");
    return false;
  }
}

export async function runService(app: App, config: ForwarderConfig, log: Logger): Promise<number> {
  const server = await startHealthServer(config.healthPort, app.health, app.metrics);
  // Listening proves no other live forwarder on this host has this port: the pair names the replica.
  app.leases.identify(`${hostname()}:${serverPort(server)}`);
  const shutdown = onStopSignals(app, log);
  log.info(
    { healthPort: serverPort(server), sources: config.sources.map((s) => s.url), pollIntervalSeconds: config.pollIntervalSeconds },
    "Forwarder started.",
  );
  await reachCheckpoints(() => app.store.check(), app.health, log, shutdown.signalled);
  while (!shutdown.requested) {
    const started = Date.now();
    try {
      await app.forwarder.poll();
    } catch (error) {
      log.error({ err: error }, "Poll failed; retrying at the next interval.");
    }
    const wait = Math.max(0, started + config.pollIntervalSeconds * 1000 - Date.now());
    await Promise.race([shutdown.signalled, new Promise((resolve) => setTimeout(resolve, wait).unref())]);
  }
  await app.leases.releaseAll();
  shutdown.dispose();
  await new Promise((resolve) => server.close(resolve));
  log.info("Forwarder stopped.");
  return 0;
}

export async function runOnce(app: App, log: Logger): Promise<number> {
  const shutdown = onStopSignals(app, log);
  try {
    if (!(await checkCheckpoints(app, log))) return 1;
    const standbyDeadline = Date.now() + ONCE_STANDBY_WAIT_MS;
    for (let pass = 1; ; pass++) {
      const report = await app.forwarder.poll();
      if (report.failures > 0) return 1;
      if (shutdown.requested) return 0;
      if (report.standby > 0) {
        if (Date.now() > standbyDeadline) {
          log.error({ sources: report.standby }, "Another replica kept holding sources; they were not drained.");
          return 1;
        }
        await new Promise((resolve) => setTimeout(resolve, ONCE_STANDBY_RETRY_MS));
      } else if (report.changedWhileReading === 0 || pass >= ONCE_MAX_PASSES) {
        return 0;
      }
    }
  } finally {
    await app.leases.releaseAll();
    shutdown.dispose();
  }
}
