// `npm run bench:events`: event mode against polling (scenarios/event-mode.ts), and a first start over
// a backlog shared through the queue (scenarios/event-backlog.ts), on their own because the full
// `npm run bench` takes 15-30 minutes; prints the figures as JSON and tables.

import { KEYS } from "./flow-log-estate";
import { IntakeProcess } from "./intake-process";
import { describeMachine } from "./machine";
import { measureBacklog } from "./scenarios/event-backlog";
import { measureEventMode } from "./scenarios/event-mode";

const ROUNDS = Number(process.env.BENCH_EVENT_ROUNDS ?? 20);
const ROUND_MS = 4_000;

async function main(): Promise<void> {
  const intake = await IntakeProcess.start(Object.values(KEYS));
  try {
    // BENCH_EVENT_REPLICAS=4 BENCH_EVENT_POLLING=false measures one configuration only; BENCH_EVENT_ROUNDS=0
    // only the backlog, BENCH_EVENT_BACKLOG=false only the rounds.
    const replicas = (process.env.BENCH_EVENT_REPLICAS ?? "1,2,4").split(",").map(Number);
    process.stdout.write(`${describeMachine()}\n`);
    if (ROUNDS > 0) await rounds(intake, replicas);
    if (process.env.BENCH_EVENT_BACKLOG !== "false") await backlog(intake, replicas);
  } finally {
    await intake.stop();
  }
}

async function rounds(intake: IntakeProcess, replicas: readonly number[]): Promise<void> {
  const results = await measureEventMode(intake, ROUNDS, ROUND_MS, replicas, process.env.BENCH_EVENT_POLLING !== "false");
  process.stdout.write(`${ROUNDS} rounds of one append per resource (16 resources), a round standing for a minute\n\n`);
  process.stdout.write(
    "| mode | replicas | tuples per replica | CPU s per replica | MB read per replica | read amplification | worst split deviation | latency p50 / p95 s | storage requests / h | queue requests / h | Event Grid deliveries / h | CPU s / h |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.mode} | ${r.replicas} | ${r.perReplica.map((p) => p.tuples).join(" / ")} | ${r.perReplica.map((p) => p.cpuSeconds).join(" / ")} | ${r.perReplica.map((p) => (p.bytesRead / 1e6).toFixed(2)).join(" / ")} | ${r.readAmplification} | ${r.splitDeviation} | ${r.latencyP50} / ${r.latencyP95} | ${r.requestsPerHour} | ${r.queueRequestsPerHour} | ${r.eventGridDeliveriesPerHour} | ${r.cpuSecondsPerHour} |\n`,
    );
  }
  process.stdout.write(`\n${JSON.stringify(results)}\n`);
}

async function backlog(intake: IntakeProcess, replicas: readonly number[]): Promise<void> {
  const results = [];
  for (const count of replicas) results.push(await measureBacklog(intake, count));
  process.stdout.write(
    `\nFirst start over a backlog no event announced (${results[0].blobs} blobs, ${results[0].tuples} tuples), the replicas started together\n\n`,
  );
  process.stdout.write("| replicas | tuples per replica | worst split deviation | read amplification | queue puts | drain s |\n|---|---|---|---|---|---|\n");
  for (const r of results) {
    process.stdout.write(
      `| ${r.replicas} | ${r.tuplesPerReplica.join(" / ")} | ${r.splitDeviation} | ${r.readAmplification} | ${r.queuePuts} | ${r.drainSeconds} |\n`,
    );
  }
  process.stdout.write(`\n${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
