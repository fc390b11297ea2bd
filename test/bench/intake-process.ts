// The bench intake run in its own process: start it, ask it for counts and acknowledgement times, stop it.

import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { IntakeStats } from "./bench-intake";

const CHILD = path.resolve(__dirname, "intake-child.ts");

export class IntakeProcess {
  private next = 0;
  private readonly waiting = new Map<number, (answer: unknown) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on("message", (message: { id?: number; answer?: unknown }) => {
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message.answer);
      this.waiting.delete(message.id);
    });
  }

  static async start(keys: readonly string[]): Promise<IntakeProcess> {
    const child = fork(CHILD, [], { execArgv: ["--import", "tsx"], env: { ...process.env, BENCH_INTAKE_KEYS: JSON.stringify(keys) } });
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (m: { port: number }) => resolve(m.port));
      child.once("exit", (code) => reject(new Error(`bench intake exited with ${code}`)));
    });
    child.removeAllListeners("exit");
    return new IntakeProcess(child, `http://127.0.0.1:${port}`);
  }

  private ask<T>(cmd: string): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (answer: unknown) => void);
      this.child.send({ id, cmd });
    });
  }

  stats(): Promise<IntakeStats> {
    return this.ask("stats");
  }

  /** Events accepted so far, all keys together. */
  async accepted(): Promise<number> {
    const { events } = await this.stats();
    return Object.values(events).reduce((a, b) => a + b, 0);
  }

  track(on: boolean): Promise<void> {
    return this.ask(on ? "track" : "untrack");
  }

  /** Record time → first acknowledgement (epoch ms) since tracking began. */
  async marked(): Promise<Map<string, number>> {
    return new Map(await this.ask<[string, number][]>("marked"));
  }

  /** Answers every request 503 (down) or serves again (up). */
  setDown(down: boolean): Promise<void> {
    return this.ask(down ? "down" : "up");
  }

  async stop(): Promise<void> {
    await this.ask("close");
    if (this.child.exitCode === null) this.child.kill();
  }
}
