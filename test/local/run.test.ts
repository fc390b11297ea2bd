// `npm run local`, run for real (tsx, as package.json runs it): Azurite, the writer, the forwarder
// bundle and the loopback intake for a few seconds, ending with every committed tuple delivered once,
// whether it stops after --duration or on a Ctrl-C that reaches the whole process group.

import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const TSX_CLI = path.resolve(__dirname, "../../node_modules/tsx/dist/cli.mjs");
const RUNNER = path.resolve(__dirname, "run.ts");
const DEADLINE_MS = 90_000;

interface LocalRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the runner in a process group of its own, as a terminal would; `onOutput` sees stdout as it grows. */
function startLocal(args: string[], onOutput: (stdout: string, pid: number) => void = () => undefined): Promise<LocalRun> {
  // Without SEKOIA_* the runner uses its loopback intake, whatever the developer's shell holds.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SEKOIA_")));
  const child = spawn(process.execPath, [TSX_CLI, RUNNER, ...args], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    onOutput(stdout, child.pid!);
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      reject(new Error(`npm run local did not end within ${DEADLINE_MS} ms. Output:\n${stdout}\n${stderr}`));
    }, DEADLINE_MS);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function committedTuples(stdout: string): number {
  return Number(/tuples committed +(\d+)\n/.exec(stdout)?.[1] ?? 0);
}

describe("npm run local", () => {
  it("runs for --duration and ends with every committed tuple delivered once", async () => {
    const run = await startLocal(["--duration", "8", "--poll-interval", "2"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^running \d:\d\d {2}blobs \d+ {2}tuples committed \d+ \/ read \S+ \/ sent \S+ \/ received \d+ {2}lag \S+ s {2}retries \S+$/m);
    expect(run.stdout).toContain("Stopping (8 s elapsed)");
    expect(committedTuples(run.stdout)).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/tuples received +(\d+) distinct, 0 duplicated/);
    expect(run.stdout).toContain("forwarder exit       0");
    expect(run.stdout.trimEnd().endsWith("Every committed tuple was delivered, once.")).toBe(true);
  });

  it("on Ctrl-C to the whole process group, still lets the forwarder deliver before judging", async () => {
    let interrupted = false;
    const run = await startLocal(["--poll-interval", "2"], (stdout, pid) => {
      // Interrupt as soon as tuples were committed: the latest ones are not yet read when the signal lands.
      if (!interrupted && /tuples committed [1-9]/.test(stdout)) {
        interrupted = true;
        process.kill(-pid, "SIGINT");
      }
    });
    expect(interrupted).toBe(true);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("Stopping (Ctrl-C)");
    expect(committedTuples(run.stdout)).toBeGreaterThan(0);
    expect(run.stdout.trimEnd().endsWith("Every committed tuple was delivered, once.")).toBe(true);
  });

  it("with --sekoia-api, creates its intakes through the loopback Sekoia API and the stack's provider, and deletes them", async () => {
    const run = await startLocal(["--sekoia-api", "--duration", "6", "--poll-interval", "2"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^Sekoia intakes created through the loopback configuration API on http:\/\/127\.0\.0\.1:\d+\/api \(sekoiaIntakeProvider\): azure-flowlogs-local-nsg \([0-9a-f-]{36}\), azure-flowlogs-local-vnet \([0-9a-f-]{36}\)\.$/m,
    );
    expect(committedTuples(run.stdout)).toBeGreaterThan(0);
    expect(run.stdout).toContain("Sekoia intakes       deleted through the loopback configuration API (sekoiaIntakeProvider), 0 left");
    expect(run.stdout.trimEnd().endsWith("Every committed tuple was delivered, once.")).toBe(true);
  });

  it("prints its usage on --help", async () => {
    const run = await startLocal(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run local -- \[--duration <s>\]/);
  });
});
