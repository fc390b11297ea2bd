// The benchmark's one table, printed and written to results.md with the machine it ran on.

import { writeFileSync } from "node:fs";
import path from "node:path";
import type { IdlePollFigures } from "./scenarios/idle-poll";
import type { MemoryFigure } from "./scenarios/memory";
import type { LatencyFigures } from "./scenarios/latency";
import type { ReadAmplificationFigures } from "./scenarios/read-amplification";
import type { ThroughputFigures } from "./scenarios/throughput";

export interface BenchFigures {
  readonly machine: string;
  readonly seconds: number;
  readonly throughput: ThroughputFigures;
  readonly readAmplification: ReadAmplificationFigures;
  readonly idle: IdlePollFigures;
  readonly latency: LatencyFigures;
  readonly memory: readonly MemoryFigure[];
}

const n = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mark = (ok: boolean) => (ok ? "met" : "**not met**");

/** The ceiling every memory scenario must stay under, with or without the image's heap cap. */
export const MAX_PEAK_RSS_MB = 160;

export function table(f: BenchFigures): string {
  const t = f.throughput;
  const r = f.readAmplification;
  const l = f.latency;
  const [few, many] = [f.idle.byHistory[0], f.idle.byHistory[f.idle.byHistory.length - 1]];
  const idleSpread = Math.abs(many.requests - few.requests) / few.requests;
  const rows = [
    ["figure", "result", "target", ""],
    ["---", "---", "---", "---"],
    [
      "throughput (`--once`)",
      `${n(t.tuplesPerSecond)} tuples/s, ${n(t.megabytesPerSecond, 1)} MB/s of blob content (${n(t.estate.tuples)} tuples, ${n(t.estate.bytes / 1e6, 1)} MB, ${t.estate.blobs} blobs; baseline ${n(t.baselineTuplesPerSecond)} tuples/s)`,
      "report",
      "",
    ],
    [
      "overhead ratio (forwarder / baseline wall time)",
      `${n(t.overheadRatio, 2)} (runs: ${t.ratios.map((x) => n(x, 2)).join(", ")})`,
      "<= 1.5",
      mark(t.overheadRatio <= 1.5),
    ],
    [
      `read amplification (${r.appends} appends, \`--once\` after each)`,
      `${n(r.contentRatio, 3)} blob content; ${n(r.wireRatio, 2)} on the wire incl. listings, block lists, headers (${n(r.finalBytes / 1e3)} kB final, ${n(r.storageRequestsPerRun, 1)} source requests per run)`,
      "<= 1.1",
      mark(r.contentRatio <= 1.1),
    ],
    [
      "idle poll cost (storage requests per poll)",
      f.idle.byHistory.map((h) => `${n(h.olderBlobs)} older blobs: ${n(h.requests)}`).join("; ") +
        ` (${Object.entries(many.operations)
          .map(([op, c]) => `${op} ${c}`)
          .join(", ")})`,
      "same within 10%",
      mark(idleSpread <= 0.1),
    ],
    [
      "latency commit → acknowledged",
      `measured at ${l.intervalSeconds} s polls: p50 ${n(l.p50, 1)} s, p95 ${n(l.p95, 1)} s (poll work p50 ${n(l.workP50, 2)} s, p95 ${n(l.workP95, 2)} s; ${l.samples} appends). Derived for 30 s polls, U(0,30)+work: p50 ${n(l.expectedAt30.p50, 1)} s, p95 ${n(l.expectedAt30.p95, 1)} s`,
      "p95 <= interval + 5 s",
      mark(l.p95 <= l.intervalSeconds + 5 && l.expectedAt30.p95 <= 35),
    ],
    ...f.memory.map((m) => [
      `peak RSS (VmHWM), ${m.scenario}`,
      `${n(m.plainPeakRssMb)} MB as plain \`node forwarder.js\`, ${n(m.imagePeakRssMb)} MB with the image's node flags (${n(m.tuples)} tuples, ${n(m.bytes / 1e6)} MB)`,
      `<= ${MAX_PEAK_RSS_MB} MB`,
      mark(Math.max(m.plainPeakRssMb, m.imagePeakRssMb) <= MAX_PEAK_RSS_MB),
    ]),
    ["peak RSS (VmHWM), throughput run", `${n(t.peakRssMb)} MB on the ${n(t.estate.tuples)}-tuple run (image's node flags)`, "report", ""],
    ["CPU per million tuples", `${n(t.cpuSecondsPerMillion, 2)} CPU s (user + system of the forwarder process)`, "report", ""],
  ];
  return rows.map((row) => `| ${row.join(" | ")} |`).join("\n");
}

export function writeResults(f: BenchFigures): string {
  const text = `# Benchmark results

Written by \`npm run bench\` (test/bench/run.ts) on ${new Date().toISOString().slice(0, 10)} in ${n(f.seconds)} s.

**Machine:** ${f.machine}.

${table(f)}

Every figure comes from the forwarder bundle (\`forwarder/dist/forwarder.js\`) run as a child process
against Azurite and a loopback intake that enforces Sekoia's contract. Throughput, CPU and the 500k-run
RSS are medians of ${f.throughput.runs} runs; the overhead ratio is the median of ${f.throughput.runs} pairs run alternately
(forwarder then baseline, baseline then forwarder, ...) in one process tree, so that other load on a
shared machine falls on both sides. Absolute timings on a shared machine are noisy; ratios much less.
`;
  const file = path.resolve(__dirname, "results.md");
  writeFileSync(file, text);
  return file;
}
