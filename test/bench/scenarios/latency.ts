// Latency from a block's commit to the intake's acknowledgement of its events, with the forwarder
// running as a service. Appends (one record each, a unique record time as the marker) land at random
// moments on an NSG and a VNet blob; the intake notes when each marker is first acknowledged.
//
// A latency is the wait for the next poll plus the work of that poll (D: from the poll's start to the
// acknowledgement). Measuring at the default 30 s interval would take most of the bench's 5 minutes,
// so it is measured at a short interval, and the 30 s figure is derived: the wait is uniform over the
// interval, so latency at 30 s is distributed as U(0, 30 s) + D, with D as measured.

import { freePort } from "../../helpers/azurite";
import { FlowLogGenerator } from "../../helpers/flow-logs";
import { seededRandom } from "../../helpers/seeded-random";
import { macAddress, NicLog } from "../flow-log-estate";
import { ForwarderChild, polls } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { percentile } from "../stats";
import { ScenarioStorage } from "../storage";

export interface LatencyFigures {
  readonly intervalSeconds: number;
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  /** Poll start to acknowledgement. */
  readonly workP50: number;
  readonly workP95: number;
  /** Derived for the default interval from the measured work. */
  readonly expectedAt30: { readonly p50: number; readonly p95: number };
}

export async function measureLatency(intake: IntakeProcess, intervalSeconds: number, appends: number): Promise<LatencyFigures> {
  const storage = await ScenarioStorage.start();
  try {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const gen = new FlowLogGenerator(13);
    const blobs = (["nsg", "vnet"] as const).map((kind) => new NicLog(gen, kind, storage.container(kind), macAddress(kind, 2), new Date(hour), 2));
    for (const blob of blobs) await blob.append(new Date(hour), [{ rules: 2, tuplesPerRule: 20 }]);
    const env = {
      ...storage.env(intake.url, await storage.newCheckpoint()),
      POLL_INTERVAL_SECONDS: String(intervalSeconds),
      HEALTH_PORT: String(await freePort()),
    };
    const child = new ForwarderChild([], env);
    const committed = new Map<string, number>();
    let acked = new Map<string, number>();
    try {
      await child.waitForMessages("Poll finished.", 1, 60_000);
      await intake.track(true);
      const random = seededRandom(17);
      for (let i = 0; i < appends; i++) {
        await new Promise((resolve) => setTimeout(resolve, random() * intervalSeconds * 1000));
        // A record time unique to this append, in the generator's format, is the marker.
        const time = new Date(hour + 1_000 + i * 1_000 + 7);
        await blobs[i % 2].append(time, [{ rules: 2, tuplesPerRule: 50 }]);
        committed.set(time.toISOString().replace("Z", "0000Z"), Date.now());
      }
      const deadline = Date.now() + (intervalSeconds + 30) * 1000;
      acked = await intake.marked();
      while ([...committed.keys()].some((m) => !acked.has(m))) {
        if (Date.now() > deadline)
          throw new Error(`Within ${intervalSeconds + 30} s, ${[...committed.keys()].filter((m) => !acked.has(m)).length} appends were never acknowledged.`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        acked = await intake.marked();
      }
    } finally {
      await intake.track(false).catch(() => undefined);
      await child.stop();
    }
    return figures(child, committed, acked, intervalSeconds);
  } finally {
    await storage.stop();
  }
}

function figures(child: ForwarderChild, committed: Map<string, number>, acked: Map<string, number>, intervalSeconds: number): LatencyFigures {
  const pollStarts = polls(child.logs)
    .map((p) => Date.parse(p.time) - p.durationMs)
    .sort((a, b) => a - b);
  const latencies: number[] = [];
  const work: number[] = [];
  for (const [marker, at] of committed) {
    const ack = acked.get(marker)!;
    latencies.push((ack - at) / 1000);
    // The poll that delivered it is the last one to start before the acknowledgement.
    const start = pollStarts.filter((s) => s <= ack).pop() ?? at;
    work.push((ack - start) / 1000);
  }
  // U(0, 30) + D, evaluated on a fine grid of the uniform part for every measured D.
  const derived: number[] = [];
  for (const d of work) for (let w = 0.05; w < 30; w += 0.1) derived.push(w + d);
  return {
    intervalSeconds,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    workP50: percentile(work, 50),
    workP95: percentile(work, 95),
    expectedAt30: { p50: percentile(derived, 50), p95: percentile(derived, 95) },
  };
}
