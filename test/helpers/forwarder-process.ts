// Runs the forwarder bundle (what the container runs) as a child process, collecting its JSON log
// lines, with deadlines that say what never happened.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const BUNDLE = path.resolve(__dirname, "../../forwarder/dist/forwarder.js");

export interface ForwarderRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly logs: Record<string, unknown>[];
}

export class ForwarderProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<ForwarderRun>;

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [BUNDLE, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once("close", (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, logs: parseLogs(this.stdout) }));
    });
  }

  get logs(): Record<string, unknown>[] {
    return parseLogs(this.stdout);
  }

  /** Waits until a log line satisfies `predicate`, failing with `what` after `timeoutMs`. */
  async waitForLog(what: string, predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`Within ${timeoutMs} ms the forwarder never logged ${what}. Output:\n${this.stdout.slice(-4000)}\n${this.stderr.slice(-2000)}`);
      if (this.child.exitCode !== null)
        throw new Error(`The forwarder exited (${this.child.exitCode}) before it logged ${what}:\n${this.stdout.slice(-4000)}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async waitForExit(timeoutMs: number): Promise<ForwarderRun> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        reject(new Error(`The forwarder did not exit within ${timeoutMs} ms. Output:\n${this.stdout.slice(-4000)}\n${this.stderr.slice(-2000)}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function parseLogs(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Runs `--once` to completion. */
export async function runOnce(env: Record<string, string>, timeoutMs = 60_000): Promise<ForwarderRun> {
  return new ForwarderProcess(["--once"], env).waitForExit(timeoutMs);
}
