// Event mode on a first start over a backlog: 48 blobs (24 NSG, 24 VNet) of 20 minutes each, written
// before any replica starts and announced by no event (a subscription created after them). 1, 2 and 4
// replicas start together; the one whose listing finds the blobs announces each on the queue, and
// every replica reads from it. Per replica: tuples and bytes read; the split across replicas, the read
// amplification, the puts the listing made, and the seconds from the first start to the last tuple
// acknowledged (on a machine with fewer cores than replicas, more replicas cannot drain it sooner).

import { freePort } from "../../helpers/azurite";
import { AzuriteQueue } from "../../helpers/event-grid";
import { sumMetric } from "../../reliability/fault-harness";
import { writeEstate } from "../flow-log-estate";
import { ForwarderChild } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { round } from "../stats";
import { ScenarioStorage } from "../storage";

export interface BacklogFigures {
  readonly replicas: number;
  readonly blobs: number;
  readonly tuples: number;
  readonly tuplesPerReplica: readonly number[];
  /** Largest deviation of a replica's tuples from an even share, as a fraction of it. */
  readonly splitDeviation: number;
  /** Bytes read over bytes committed (head and tail included): 1.00 reads everything once. */
  readonly readAmplification: number;
  /** Messages the replicas put on the queue (the listing's announcements). */
  readonly queuePuts: number;
  readonly drainSeconds: number;
}

const NICS_PER_KIND = 24;
const MINUTES = 20;
const DRAIN_TIMEOUT_MS = 600_000;

async function metricsOf(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

export async function measureBacklog(intake: IntakeProcess, replicas: number): Promise<BacklogFigures> {
  const storage = await ScenarioStorage.start();
  const queue = await AzuriteQueue.start();
  const children: { child: ForwarderChild; port: number }[] = [];
  try {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
    const estate = await writeEstate(storage.containers, { nicsPerKind: NICS_PER_KIND, minutes: MINUTES, hour, seed: 3131 });
    const checkpoint = await storage.newCheckpoint();
    const acceptedBefore = await intake.accepted();
    const started = Date.now();
    for (let r = 0; r < replicas; r++) {
      const port = await freePort();
      const env = {
        ...storage.env(intake.url, checkpoint),
        HEALTH_PORT: String(port),
        BLOB_EVENTS_QUEUE_URL: queue.queueSasUrl(),
        RECONCILE_INTERVAL_SECONDS: "900",
      };
      children.push({ child: new ForwarderChild([], env), port });
    }
    while ((await intake.accepted()) - acceptedBefore < estate.tuples) {
      if (Date.now() - started > DRAIN_TIMEOUT_MS)
        throw new Error(`Within ${DRAIN_TIMEOUT_MS / 1000} s the backlog of ${estate.tuples} tuples was not delivered.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const drainSeconds = round((Date.now() - started) / 1000, 1);
    const metrics = await Promise.all(children.map(({ port }) => metricsOf(port)));
    const tuplesPerReplica = metrics.map((m) => sumMetric(m, "flowlog_tuples_read_total"));
    const even = estate.tuples / replicas;
    return {
      replicas,
      blobs: estate.blobs,
      tuples: estate.tuples,
      tuplesPerReplica,
      splitDeviation: round(Math.max(...tuplesPerReplica.map((t) => Math.abs(t - even) / even)), 3),
      readAmplification: round(metrics.reduce((sum, m) => sum + sumMetric(m, "flowlog_bytes_read_total"), 0) / estate.bytes, 3),
      queuePuts: metrics.reduce((sum, m) => sum + sumMetric(m, "flowlog_storage_requests_total", 'operation="queue_put"'), 0),
      drainSeconds,
    };
  } finally {
    await Promise.all(children.map(({ child }) => child.stop()));
    await queue.stop();
    await storage.stop();
  }
}
