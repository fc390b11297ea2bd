// The node flags the container image runs the bundle with, read from forwarder/Dockerfile's CMD, so
// that the benchmark measures the bundle exactly as it ships.

import { readFileSync } from "node:fs";
import path from "node:path";

const DOCKERFILE = path.resolve(__dirname, "../../forwarder/Dockerfile");

export function containerNodeArgs(): string[] {
  const cmd = readFileSync(DOCKERFILE, "utf8")
    .split("\n")
    .find((line) => line.startsWith("CMD "));
  if (!cmd) throw new Error(`${DOCKERFILE} has no CMD line`);
  const argv = JSON.parse(cmd.slice(4)) as string[];
  if (argv[0] !== "node" || argv[argv.length - 1] !== "forwarder.js") throw new Error(`unexpected CMD ${cmd}`);
  return argv.slice(1, -1);
}
