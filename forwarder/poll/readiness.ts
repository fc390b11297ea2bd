// Readiness: what the forwarder last saw of each dependency, decided in one place from the errors it
// meets. Each ForwarderError names the dependency it blames (errors.ts); an error the forwarder did
// not raise itself comes from the flow-log storage SDK (checkpoint failures are always wrapped as
// CheckpointUnavailableError), so it blames storage.

import { ForwarderError, type Dependency } from "../errors";
import type { ForwarderMetrics } from "../metrics";

export class Readiness {
  private readonly problems = new Map<Dependency, string>();

  /** Event mode: /readyz reports the blob-events queue too. */
  watchesQueue = false;

  constructor(private readonly metrics: ForwarderMetrics) {}

  /** The dependency answered as it should. */
  ok(dependency: Dependency): void {
    this.problems.delete(dependency);
  }

  /** A dependency reported a problem of its own (the sink, on an intake that keeps failing). */
  fail(dependency: Dependency, problem: string): void {
    this.problems.set(dependency, problem);
  }

  /** Blames the dependency `error` names, if any; the forwarder's own states (shutting down) blame none. */
  observe(error: unknown): void {
    const dependency = error instanceof ForwarderError ? error.dependency : "storage";
    if (dependency === undefined) return;
    // Checkpoint failures are counted where they happen; flow-log storage failures surface here.
    if (!(error instanceof ForwarderError)) this.metrics.storageErrors.inc({ area: "source" });
    this.fail(dependency, error instanceof Error ? error.message : String(error));
  }

  failing(dependency: Dependency): boolean {
    return this.problems.has(dependency);
  }

  get ready(): boolean {
    return this.problems.size === 0;
  }

  report(): Partial<Record<Dependency, string>> {
    const report: Partial<Record<Dependency, string>> = { storage: "ok", checkpoints: "ok", intake: "ok" };
    // The queue is a dependency only in event mode.
    if (this.watchesQueue) report.queue = "ok";
    for (const [dependency, problem] of this.problems) report[dependency] = problem;
    return report;
  }
}
