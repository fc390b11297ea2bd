// Runs the forwarder bundle as the container does (the Dockerfile's node flags) in a child process with
// a usage probe preloaded, and reports its wall time, exit code, JSON log lines, peak RSS and CPU time.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BUNDLE, parseLogs } from "../helpers/forwarder-process";
import { containerNodeArgs } from "./container-command";

const PROBE = path.resolve(__dirname, "usage-probe.cjs");

export interface ChildUsage {
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly wallMs: number;
  readonly logs: Record<string, unknown>[];
  readonly usage: ChildUsage;
  readonly stderr: string;
}

export interface RunOptions {
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** Run as plain `node forwarder.js`, without the image's node flags (its heap cap). */
  readonly withoutImageFlags?: boolean;
  readonly cwd?: string;
}

export class ForwarderChild {
  readonly child: ChildProcess;
  readonly done: Promise<RunResult>;
  private stdout = "";
  private stderr = "";

  constructor(args: readonly string[], env: Record<string, string>, options: RunOptions = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-usage-"));
    const usageFile = path.join(dir, "usage.json");
    const started = performance.now();
    this.child = spawn(
      process.execPath,
      [...(options.withoutImageFlags ? [] : containerNodeArgs()), ...(options.nodeArgs ?? []), "--require", PROBE, BUNDLE, ...args],
      {
        env: { PATH: process.env.PATH ?? "", BENCH_USAGE_FILE: usageFile, ...env },
        cwd: options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.done = new Promise((resolve) => {
      this.child.once("close", (code) => {
        const wallMs = performance.now() - started;
        let usage: ChildUsage = { peakRssMb: Number.NaN, cpuSeconds: Number.NaN };
        try {
          const raw = JSON.parse(readFileSync(usageFile, "utf8")) as { peakRssKb: number; cpuUs: number };
          usage = { peakRssMb: raw.peakRssKb / 1024, cpuSeconds: raw.cpuUs / 1e6 };
        } catch {
          // Killed before it could write: the figures stay NaN and show as such.
        }
        rmSync(dir, { recursive: true, force: true });
        resolve({ code, wallMs, logs: parseLogs(this.stdout), usage, stderr: this.stderr });
      });
    });
  }

  get logs(): Record<string, unknown>[] {
    return parseLogs(this.stdout);
  }

  /** Waits until `count` log lines have `msg`, failing with what never happened. */
  async waitForMessages(msg: string, count: number, timeoutMs: number): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.filter((l) => l.msg === msg);
      if (found.length >= count) return found;
      if (this.child.exitCode !== null)
        throw new Error(`The forwarder exited before logging "${msg}" ${count} times:\n${this.stdout.slice(-3000)}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`Within ${timeoutMs} ms the forwarder never logged "${msg}" ${count} times:\n${this.stdout.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<RunResult> {
    this.child.kill("SIGTERM");
    return this.done;
  }
}

/** Runs `--once` to completion; a non-zero exit is an error, since the figures would mean nothing. */
export async function runOnce(env: Record<string, string>, options?: RunOptions): Promise<RunResult> {
  const result = await new ForwarderChild(["--once"], env, options).done;
  if (result.code !== 0) throw new Error(`forwarder --once exited ${result.code}:\n${JSON.stringify(result.logs.slice(-5))}\n${result.stderr}`);
  return result;
}

/** The "Poll finished." lines of a run. */
export function polls(logs: readonly Record<string, unknown>[]): { bytesRead: number; tuplesSent: number; durationMs: number; time: string }[] {
  return logs.filter((l) => l.msg === "Poll finished.") as never;
}
