// Throughput, overhead ratio, CPU and memory of `--once` over a whole estate (500,000+ tuples): the
// forwarder bundle and the in-process baseline run alternately on the same blobs (F B, B F, F B, ...),
// so that the load other work puts on the machine falls on both; each pair gives one ratio.

import { runBaseline } from "../baseline";
import { writeEstate, KEYS, type EstateSummary } from "../flow-log-estate";
import { runOnce } from "../forwarder-runner";
import type { IntakeProcess } from "../intake-process";
import { median } from "../stats";
import { ScenarioStorage } from "../storage";

export interface ThroughputFigures {
  readonly estate: EstateSummary;
  readonly runs: number;
  readonly tuplesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly baselineTuplesPerSecond: number;
  readonly overheadRatio: number;
  readonly ratios: number[];
  readonly cpuSecondsPerMillion: number;
  readonly peakRssMb: number;
}

export async function measureThroughput(intake: IntakeProcess, runs: number, nicsPerKind: number): Promise<ThroughputFigures> {
  const storage = await ScenarioStorage.start();
  try {
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
    const estate = await writeEstate(storage.containers, { nicsPerKind, minutes: 60, hour, seed: 42 });
    const forwarder: { wallMs: number; cpuSeconds: number; peakRssMb: number }[] = [];
    const baseline: number[] = [];
    const ratios: number[] = [];

    const runForwarder = async () => {
      const before = await intake.accepted();
      const result = await runOnce(storage.env(intake.url, await storage.newCheckpoint()));
      await expectDelivered(intake, before, estate.tuples, "forwarder");
      forwarder.push({ wallMs: result.wallMs, ...result.usage });
      return result.wallMs;
    };
    const runFloor = async () => {
      const before = await intake.accepted();
      const sources = (["nsg", "vnet"] as const).map((kind) => ({ kind, container: storage.container(kind), key: KEYS[kind] }));
      const { wallMs } = await runBaseline(sources, intake.url);
      await expectDelivered(intake, before, estate.tuples, "baseline");
      baseline.push(wallMs);
      return wallMs;
    };

    for (let i = 0; i < runs; i++) {
      // Alternate which goes first, so that a trend in the machine's load favours neither.
      let f: number;
      let b: number;
      if (i % 2 === 0) {
        f = await runForwarder();
        b = await runFloor();
      } else {
        b = await runFloor();
        f = await runForwarder();
      }
      ratios.push(f / b);
    }
    const wallSeconds = median(forwarder.map((r) => r.wallMs)) / 1000;
    return {
      estate,
      runs,
      tuplesPerSecond: estate.tuples / wallSeconds,
      megabytesPerSecond: estate.bytes / 1e6 / wallSeconds,
      baselineTuplesPerSecond: estate.tuples / (median(baseline) / 1000),
      overheadRatio: median(ratios),
      ratios,
      cpuSecondsPerMillion: median(forwarder.map((r) => (r.cpuSeconds / estate.tuples) * 1e6)),
      peakRssMb: median(forwarder.map((r) => r.peakRssMb)),
    };
  } finally {
    await storage.stop();
  }
}

export async function expectDelivered(intake: IntakeProcess, before: number, expected: number, who: string): Promise<void> {
  const delivered = (await intake.accepted()) - before;
  if (delivered !== expected) throw new Error(`${who} delivered ${delivered} events, expected ${expected}`);
}
