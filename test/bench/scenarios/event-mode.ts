// Event mode against polling on one workload: 16 resources (8 NSG, 8 VNet blobs) that each get one
// append per round, with 1, 2 and 4 replicas in event mode and one replica polling. Per replica:
// tuples, CPU seconds and bytes read; the read amplification, the split across replicas, the
// commit-to-ack latency (event mode), and storage requests and CPU per hour at the real cadence (an
// append a minute per resource, a poll every 30 s): a round stands for a minute, so per-hour figures
// are per-round figures times 60. Polling runs at POLL_INTERVAL = half a round, the 30 s-per-minute
// ratio. Appends come from the Azure-like writer; the Event Grid stand-in enqueues one BlobCreated
// event per commit, as Azure's delivery would.

import { readFileSync } from "node:fs";
import { freePort } from "../../helpers/azurite";
import { AzuriteQueue, EventGridDelivery } from "../../helpers/event-grid";
import { FlowLogGenerator } from "../../helpers/flow-logs";
import { sumMetric } from "../../reliability/fault-harness";
import { macAddress, NicLog, recordSizes } from "../flow-log-estate";
import { ForwarderChild } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { percentile, round } from "../stats";
import { ScenarioStorage } from "../storage";

export interface ReplicaFigures {
  readonly tuples: number;
  readonly cpuSeconds: number;
  readonly bytesRead: number;
}

export interface ModeFigures {
  readonly mode: "events" | "polling";
  readonly replicas: number;
  readonly perReplica: readonly ReplicaFigures[];
  /** Bytes read over bytes committed (head and tail included): 1.00 reads everything once. */
  readonly readAmplification: number;
  /** Largest deviation of a replica's tuples from an even share, as a fraction of it. */
  readonly splitDeviation: number;
  readonly latencyP50: number;
  readonly latencyP95: number;
  /** At the real cadence: storage requests the forwarder made, and its CPU seconds, per hour. */
  readonly requestsPerHour: number;
  readonly cpuSecondsPerHour: number;
  /** Per hour: the queue's share of requestsPerHour, and Event Grid deliveries (one per append). */
  readonly queueRequestsPerHour: number;
  readonly eventGridDeliveriesPerHour: number;
}

const RESOURCES_PER_KIND = 8;
const HZ = 100;

/** CPU seconds a live process has used, from /proc (Linux, USER_HZ = 100). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / HZ;
}

async function metricsOf(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

export async function measureMode(intake: IntakeProcess, mode: "events" | "polling", replicas: number, rounds: number, roundMs: number): Promise<ModeFigures> {
  const storage = await ScenarioStorage.start();
  const queue = mode === "events" ? await AzuriteQueue.start() : undefined;
  const children: { child: ForwarderChild; port: number }[] = [];
  try {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const gen = new FlowLogGenerator(2121);
    const size = recordSizes(2122);
    const logs = (["nsg", "vnet"] as const).flatMap((kind) =>
      Array.from({ length: RESOURCES_PER_KIND }, (_, n) => new NicLog(gen, kind, storage.container(kind), macAddress(kind, 100 + n), new Date(hour), n)),
    );
    const delivery = queue ? new EventGridDelivery(queue, storage.azurite.endpoint) : undefined;
    // Every resource exists before the forwarders start (the first listing finds them all).
    for (const log of logs) await log.append(new Date(hour), [size()]);
    if (delivery) for (const log of logs) log.blob.onCommit = (container, name, etag) => delivery.blobCreated(container, name, etag);

    const checkpoint = await storage.newCheckpoint();
    for (let r = 0; r < replicas; r++) {
      const port = await freePort();
      const env = {
        ...storage.env(intake.url, checkpoint),
        HEALTH_PORT: String(port),
        POLL_INTERVAL_SECONDS: String(Math.max(1, Math.round(roundMs / 2000))),
        ...(queue ? { BLOB_EVENTS_QUEUE_URL: queue.queueSasUrl(), RECONCILE_INTERVAL_SECONDS: "900" } : {}),
      };
      const child = new ForwarderChild([], env);
      children.push({ child, port });
      await child.waitForMessages("Poll finished.", 1, 60_000);
    }
    // Settle: what the first listing found is delivered before the measured rounds start.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const before = await Promise.all(children.map(async ({ child, port }) => ({ cpu: cpuSecondsOf(child.child.pid!), metrics: await metricsOf(port) })));
    const bytesBefore = logs.reduce((sum, l) => sum + l.bytes, 0);
    await intake.track(true);
    const committed = new Map<string, number>();
    for (let round = 1; round <= rounds; round++) {
      const started = Date.now();
      for (const [i, log] of logs.entries()) {
        const time = new Date(hour + round * 60_000 + i * 1_000 + 7);
        await log.append(time, [size()]);
        committed.set(time.toISOString().replace("Z", "0000Z"), Date.now());
      }
      const wait = started + roundMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const deadline = Date.now() + 120_000;
    let acked = await intake.marked();
    while ([...committed.keys()].some((m) => !acked.has(m))) {
      if (Date.now() > deadline) throw new Error(`Within 120 s, ${[...committed.keys()].filter((m) => !acked.has(m)).length} appends were never acknowledged.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      acked = await intake.marked();
    }
    await intake.track(false);
    const after = await Promise.all(children.map(async ({ child, port }) => ({ cpu: cpuSecondsOf(child.child.pid!), metrics: await metricsOf(port) })));

    const perReplica = children.map((_, i) => ({
      tuples: sumMetric(after[i].metrics, "flowlog_tuples_read_total") - sumMetric(before[i].metrics, "flowlog_tuples_read_total"),
      cpuSeconds: round(after[i].cpu - before[i].cpu, 2),
      bytesRead: sumMetric(after[i].metrics, "flowlog_bytes_read_total") - sumMetric(before[i].metrics, "flowlog_bytes_read_total"),
    }));
    const requests = children.reduce(
      (sum, _, i) => sum + sumMetric(after[i].metrics, "flowlog_storage_requests_total") - sumMetric(before[i].metrics, "flowlog_storage_requests_total"),
      0,
    );
    const queueRequests = children.reduce(
      (sum, _, i) =>
        sum +
        ["queue_receive", "queue_delete", "queue_update"].reduce(
          (s, op) =>
            s +
            sumMetric(after[i].metrics, "flowlog_storage_requests_total", `operation="${op}"`) -
            sumMetric(before[i].metrics, "flowlog_storage_requests_total", `operation="${op}"`),
          0,
        ),
      0,
    );
    const committedBytes = logs.reduce((sum, l) => sum + l.bytes, 0) - bytesBefore;
    const totalTuples = perReplica.reduce((s, r) => s + r.tuples, 0);
    const even = totalTuples / replicas;
    const latencies = [...committed].map(([marker, at]) => (acked.get(marker)! - at) / 1000);
    // The measured rounds took `rounds` simulated minutes plus the drain: scale by the rounds.
    const perHour = 60 / rounds;
    return {
      mode,
      replicas,
      perReplica,
      readAmplification: round(perReplica.reduce((s, r) => s + r.bytesRead, 0) / committedBytes, 3),
      splitDeviation: round(Math.max(...perReplica.map((r) => Math.abs(r.tuples - even) / even)), 3),
      latencyP50: round(percentile(latencies, 50), 2),
      latencyP95: round(percentile(latencies, 95), 2),
      requestsPerHour: Math.round(requests * perHour),
      cpuSecondsPerHour: round(perReplica.reduce((s, r) => s + r.cpuSeconds, 0) * perHour, 1),
      queueRequestsPerHour: Math.round(queueRequests * perHour),
      eventGridDeliveriesPerHour: mode === "events" ? logs.length * 60 : 0,
    };
  } finally {
    await Promise.all(children.map(({ child }) => child.stop()));
    await queue?.stop();
    await storage.stop();
  }
}

export async function measureEventMode(
  intake: IntakeProcess,
  rounds: number,
  roundMs: number,
  eventReplicas: readonly number[] = [1, 2, 4],
  polling = true,
): Promise<ModeFigures[]> {
  const results: ModeFigures[] = [];
  if (polling) results.push(await measureMode(intake, "polling", 1, rounds, roundMs));
  for (const replicas of eventReplicas) results.push(await measureMode(intake, "events", replicas, rounds, roundMs));
  return results;
}
