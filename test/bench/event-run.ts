// `npm run bench:events`: event mode against polling (scenarios/event-mode.ts), on its own because the
// full `npm run bench` takes 15-30 minutes; prints the figures as JSON and a table.

import { KEYS } from "./flow-log-estate";
import { IntakeProcess } from "./intake-process";
import { describeMachine } from "./machine";
import { measureEventMode } from "./scenarios/event-mode";

const ROUNDS = Number(process.env.BENCH_EVENT_ROUNDS ?? 20);
const ROUND_MS = 4_000;

async function main(): Promise<void> {
  const intake = await IntakeProcess.start(Object.values(KEYS));
  try {
    // BENCH_EVENT_REPLICAS=4 BENCH_EVENT_POLLING=false measures one configuration only.
    const replicas = (process.env.BENCH_EVENT_REPLICAS ?? "1,2,4").split(",").map(Number);
    const results = await measureEventMode(intake, ROUNDS, ROUND_MS, replicas, process.env.BENCH_EVENT_POLLING !== "false");
    process.stdout.write(`${describeMachine()}\n${ROUNDS} rounds of one append per resource (16 resources), a round standing for a minute\n\n`);
    process.stdout.write(
      "| mode | replicas | tuples per replica | CPU s per replica | MB read per replica | read amplification | worst split deviation | latency p50 / p95 s | storage requests / h | queue requests / h | Event Grid deliveries / h | CPU s / h |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (const r of results) {
      process.stdout.write(
        `| ${r.mode} | ${r.replicas} | ${r.perReplica.map((p) => p.tuples).join(" / ")} | ${r.perReplica.map((p) => p.cpuSeconds).join(" / ")} | ${r.perReplica.map((p) => (p.bytesRead / 1e6).toFixed(2)).join(" / ")} | ${r.readAmplification} | ${r.splitDeviation} | ${r.latencyP50} / ${r.latencyP95} | ${r.requestsPerHour} | ${r.queueRequestsPerHour} | ${r.eventGridDeliveriesPerHour} | ${r.cpuSecondsPerHour} |\n`,
      );
    }
    process.stdout.write(`\n${JSON.stringify(results)}\n`);
  } finally {
    await intake.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
