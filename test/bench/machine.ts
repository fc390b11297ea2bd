// The machine a benchmark ran on, as results.md states it: CPU model, cores, memory, Node and kernel.

import { readFileSync } from "node:fs";
import os from "node:os";

export function describeMachine(): string {
  let model = os.cpus()[0]?.model ?? "unknown CPU";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) model = line.split(":")[1].trim();
  } catch {
    // Not Linux: os.cpus() named it.
  }
  const memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  return `${model}, ${os.availableParallelism()} cores, ${memory} RAM, Node ${process.version}, ${os.type()} ${os.release()}`;
}
