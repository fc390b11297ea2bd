// `npm run bench`: measures the forwarder bundle end to end (throughput and overhead against a minimal
// baseline, read amplification over a simulated hour, idle poll cost as history grows, latency, peak
// memory, CPU per tuple) and prints one table, also written to test/bench/results.md. Each scenario
// starts its own in-memory Azurite; one intake child serves them all. The memory scenarios write about 800 MB to Azurite; the whole run takes 15-30 minutes on 2 cores.

import { KEYS } from "./flow-log-estate";
import { IntakeProcess } from "./intake-process";
import { describeMachine } from "./machine";
import { table, writeResults } from "./report";
import { measureIdlePolls } from "./scenarios/idle-poll";
import { measureLatency } from "./scenarios/latency";
import { measureBacklog, measureIntakeOutage, measureLargeBlob, measureManyBlobs } from "./scenarios/memory";
import { measureReadAmplification } from "./scenarios/read-amplification";
import { measureThroughput } from "./scenarios/throughput";

const THROUGHPUT_RUNS = 3;
const NICS_PER_KIND = 32;
const HOUR_APPENDS = 60;
const LATENCY_INTERVAL_SECONDS = 2;
const LATENCY_APPENDS = 20;
const LARGE_BLOB_BYTES = 100 * 1024 * 1024;
const MANY_BLOBS = 60;
const MANY_BLOB_BYTES = 10 * 1024 * 1024;
const BACKLOG_BLOBS = 5_000;

async function main(): Promise<void> {
  const started = performance.now();
  const step = (what: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${what}\n`);
  const intake = await IntakeProcess.start(Object.values(KEYS));
  try {
    step("throughput and overhead ratio");
    const throughput = await measureThroughput(intake, THROUGHPUT_RUNS, NICS_PER_KIND);
    step("read amplification over one simulated hour");
    const readAmplification = await measureReadAmplification(intake, HOUR_APPENDS);
    step("idle poll cost with 100 and 10,000 older blobs");
    const idle = await measureIdlePolls(intake, [100, 10_000]);
    step("latency");
    const latency = await measureLatency(intake, LATENCY_INTERVAL_SECONDS, LATENCY_APPENDS);
    const memory = [];
    step("memory: one 100 MB blob");
    memory.push(await measureLargeBlob(intake, LARGE_BLOB_BYTES));
    step("memory: 60 blobs of 10 MB");
    memory.push(await measureManyBlobs(intake, MANY_BLOBS, MANY_BLOB_BYTES));
    step("memory: a backlog of 5,000 blobs");
    memory.push(await measureBacklog(intake, BACKLOG_BLOBS));
    step("memory: the intake down for a minute");
    memory.push(await measureIntakeOutage(intake));
    const figures = { machine: describeMachine(), seconds: (performance.now() - started) / 1000, throughput, readAmplification, idle, latency, memory };
    const file = writeResults(figures);
    process.stdout.write(`\n${figures.machine}\n\n${table(figures)}\n\nWritten to ${file}\n`);
  } finally {
    await intake.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
