// What every fault test of test/reliability needs: Azurite and a loopback intake started for the file,
// the forwarder bundle run as child processes against them, flow-log blobs that keep growing while it
// runs, an account of every generated tuple (lost, duplicated), the secrets check over everything the
// forwarder wrote, and one `RELIABILITY {json}` line per test with its figures for the note.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import { Azurite, freePort } from "../helpers/azurite";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName } from "../helpers/flow-logs";
import { ForwarderProcess } from "../helpers/forwarder-process";
import { IntakeServer, type IntakeOptions } from "../helpers/intake-server";
import { seededRandom } from "../helpers/seeded-random";
import { waitFor } from "../helpers/wait-for";

export const NSG = "insights-logs-networksecuritygroupflowevent";
export const VNET = "insights-logs-flowlogflowevent";
export const CHECKPOINTS = "checkpoints";
const DEAD_LETTER_PREFIX = "v1/dead-letter/";

export interface RigOptions {
  /** Names the intake keys, so every file has its own secrets to look for. */
  readonly name: string;
  readonly seed: number;
  /** Keep Azurite's data on disk, so it can be stopped and resumed with the same data. */
  readonly persistent?: boolean;
  /** Keep checkpoints in a second Azurite (on disk), which a test can make unreachable. */
  readonly separateCheckpoints?: boolean;
  readonly fault?: IntakeOptions["fault"];
  /** Extra variables for every forwarder started (e.g. SEKOIA_REQUEST_TIMEOUT_SECONDS). */
  readonly env?: Record<string, string>;
}

export class Rig {
  readonly nsgKey: string;
  readonly vnetKey: string;
  readonly processes: ForwarderProcess[] = [];
  /** Texts the forwarder served (metrics, readiness), kept for the secrets check. */
  readonly served: string[] = [];
  readonly generator: FlowLogGenerator;
  /** Every tuple written to storage, by its `flow.0` string (unique across the file). */
  readonly written = new Set<string>();
  healthPort = 0;
  private readonly directories: string[] = [];

  private constructor(
    readonly options: RigOptions,
    readonly azurite: Azurite,
    readonly checkpointAzurite: Azurite,
    readonly intake: IntakeServer,
  ) {
    this.nsgKey = `${options.name}-nsg-key-${options.seed}-q8Zr`;
    this.vnetKey = `${options.name}-vnet-key-${options.seed}-t4Wx`;
    this.generator = new FlowLogGenerator(options.seed);
  }

  static async start(options: RigOptions): Promise<Rig> {
    const directories: string[] = [];
    const location = () => {
      const dir = mkdtempSync(path.join(tmpdir(), "flowlog-reliability-"));
      directories.push(dir);
      return dir;
    };
    const azurite = await Azurite.start(options.persistent ? { location: location() } : {});
    const checkpointAzurite = options.separateCheckpoints ? await Azurite.start({ location: location() }) : azurite;
    const nsgKey = `${options.name}-nsg-key-${options.seed}-q8Zr`;
    const vnetKey = `${options.name}-vnet-key-${options.seed}-t4Wx`;
    const intake = await IntakeServer.start({ keys: [nsgKey, vnetKey], fault: options.fault });
    const rig = new Rig(options, azurite, checkpointAzurite, intake);
    rig.directories.push(...directories);
    for (const c of [NSG, VNET]) await azurite.createContainer(c);
    await checkpointAzurite.createContainer(CHECKPOINTS);
    rig.healthPort = await freePort();
    return rig;
  }

  get env(): Record<string, string> {
    return {
      FLOWLOG_SOURCES: `${this.azurite.containerSasUrl(NSG)},${this.azurite.containerSasUrl(VNET)}`,
      CHECKPOINT_URL: this.checkpointAzurite.containerSasUrl(CHECKPOINTS, "racwdl"),
      SEKOIA_INTAKE_URL: this.intake.url,
      SEKOIA_NSG_INTAKE_KEY: this.nsgKey,
      SEKOIA_VNET_INTAKE_KEY: this.vnetKey,
      POLL_INTERVAL_SECONDS: "1",
      HEALTH_PORT: String(this.healthPort),
      ...this.options.env,
    };
  }

  /** Starts the bundle as a service (or with `args`), on the rig's health port unless told otherwise. */
  spawn(overrides: Record<string, string> = {}, args: string[] = []): ForwarderProcess {
    const process = new ForwarderProcess(args, { ...this.env, ...overrides });
    this.processes.push(process);
    return process;
  }

  container(name: string): ContainerClient {
    return this.azurite.service.getContainerClient(name);
  }

  get checkpoints(): ContainerClient {
    return this.checkpointAzurite.service.getContainerClient(CHECKPOINTS);
  }

  /** `flow.0` of every event the intake accepted, in arrival order. */
  received(): string[] {
    return [...this.intake.events(this.nsgKey), ...this.intake.events(this.vnetKey)].map((e) => (JSON.parse(e) as Record<string, string>)["flow.0"]);
  }

  /** Lost (written, never received) and duplicated (received more than once) tuples. */
  account(written: ReadonlySet<string> = this.written): { tuples: number; lost: number; duplicated: number; duplicates: string[] } {
    const counts = new Map<string, number>();
    for (const tuple of this.received()) counts.set(tuple, (counts.get(tuple) ?? 0) + 1);
    let lost = 0;
    for (const tuple of written) if (!counts.has(tuple)) lost++;
    const duplicates = [...counts].filter(([, n]) => n > 1).flatMap(([tuple, n]) => Array<string>(n - 1).fill(tuple));
    return { tuples: written.size, lost, duplicated: duplicates.length, duplicates };
  }

  /** For each tuple, when the intake accepted each copy of it (from the request log). */
  arrivals(): Map<string, number[]> {
    const times = new Map<string, number[]>();
    for (const key of [this.nsgKey, this.vnetKey]) {
      const events = this.intake.events(key);
      let index = 0;
      for (const request of this.intake.requests) {
        if (request.status !== 200 || request.key !== key) continue;
        for (const event of events.slice(index, index + request.events)) {
          const tuple = (JSON.parse(event) as Record<string, string>)["flow.0"];
          times.set(tuple, [...(times.get(tuple) ?? []), request.at]);
        }
        index += request.events;
      }
    }
    return times;
  }

  async allDelivered(what: string, timeoutMs: number, written: ReadonlySet<string> = this.written): Promise<void> {
    try {
      await waitFor(what, () => this.account(written).lost === 0, timeoutMs, 200);
    } catch (error) {
      const { lost, duplicated } = this.account(written);
      const last = this.processes.at(-1);
      const tail = last ? `${last.stdout.split("\n").slice(-25).join("\n")}\n${last.stderr.slice(-2000)}` : "";
      throw new Error(`${(error as Error).message} ${lost} of ${written.size} tuples missing, ${duplicated} duplicated. Last forwarder output:\n${tail}`, {
        cause: error,
      });
    }
  }

  async get(path: string, port = this.healthPort): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    const body = await response.text();
    this.served.push(body);
    return { status: response.status, body };
  }

  /** Sum of a metric's samples on /metrics, optionally only those whose labels contain `labels`. */
  async metric(name: string, labels = "", port = this.healthPort): Promise<number> {
    return sumMetric((await this.get("/metrics", port)).body, name, labels);
  }

  /** Text of every dead-letter blob in the checkpoint container. */
  async deadLetters(): Promise<{ name: string; text: string }[]> {
    const letters: { name: string; text: string }[] = [];
    for await (const item of this.checkpoints.listBlobsFlat({ prefix: DEAD_LETTER_PREFIX })) {
      const buffer = await this.checkpoints.getBlockBlobClient(item.name).downloadToBuffer();
      letters.push({ name: item.name, text: buffer.toString("utf8") });
    }
    return letters;
  }

  /** Intake keys and SAS signatures, raw and URL-encoded: none may appear in anything the forwarder wrote. */
  secrets(): string[] {
    const sigs = [this.azurite, this.checkpointAzurite].flatMap((a) =>
      [NSG, VNET, CHECKPOINTS].flatMap((c) => [a.containerSasUrl(c), a.containerSasUrl(c, "racwdl")]),
    );
    const signatures = sigs.map((url) => new URL(url).searchParams.get("sig")!);
    return [...new Set([this.nsgKey, this.vnetKey, ...signatures].flatMap((s) => [s, encodeURIComponent(s)]))];
  }

  /** Everything the forwarder wrote that a person or a system could read: output, served texts, dead letters. */
  async leakedSecrets(): Promise<string[]> {
    const texts = [...this.processes.flatMap((p) => [p.stdout, p.stderr]), ...this.served, ...(await this.deadLetters()).map((d) => d.text)];
    return this.secrets().filter((secret) => texts.some((text) => text.includes(secret)));
  }

  /** SIGTERMs every forwarder still running and waits for it to leave. */
  async stopProcesses(): Promise<void> {
    const live = this.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    for (const p of live) p.child.kill("SIGTERM");
    await Promise.all(live.map((p) => p.waitForExit(25_000)));
  }

  async stop(): Promise<void> {
    for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await Promise.all(this.processes.map((p) => p.exited));
    await this.intake.stop();
    await this.azurite.stop();
    if (this.checkpointAzurite !== this.azurite) await this.checkpointAzurite.stop();
    for (const dir of this.directories) rmSync(dir, { recursive: true, force: true });
  }
}

export function sumMetric(text: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name || !(match[2] ?? "").includes(labels)) continue;
    sum += Number(match[3]);
  }
  return sum;
}

/** Peak resident memory of a live process, from /proc (Linux): VmHWM in bytes. */
export function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`No VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

/**
 * Flow-log blobs of several NSGs and VNet flow logs, in the current hour and the one before, that
 * grow record by record (one block per record, committed as Azure does) at seeded random.
 */
export class GrowingBlobs {
  private readonly blobs: { blob: AzureFlowLogBlob; kind: "nsg" | "vnet"; mac: string; resource: string; hour: Date }[] = [];
  private readonly random: () => number;
  private appending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rig: Rig,
    options: { nsgBlobs: number; vnetBlobs: number; seed: number },
  ) {
    this.random = seededRandom(options.seed);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    for (let i = 0; i < options.nsgBlobs + options.vnetBlobs; i++) {
      const kind = i < options.nsgBlobs ? "nsg" : "vnet";
      const at = new Date(i % 3 === 2 ? hour - 3_600_000 : hour);
      const mac = `000D3A${String(options.seed % 1000).padStart(3, "0")}${String(i).padStart(3, "0")}`;
      const resource =
        kind === "nsg"
          ? nsgResourceId("00000000-0000-0000-0000-00000000f417", "rg-faults", `nsg-${i}`)
          : `/SUBSCRIPTIONS/00000000-0000-0000-0000-00000000F417/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/VNET-${i}`;
      const name = kind === "nsg" ? nsgBlobName(resource, at, mac) : vnetBlobName(resource, at, mac);
      this.blobs.push({ blob: new AzureFlowLogBlob(rig.container(kind === "nsg" ? NSG : VNET), name), kind, mac, resource, hour: at });
    }
  }

  /** Tells `listener` of every commit to any of these blobs (the Event Grid stand-in). */
  onCommit(listener: (container: string, blobName: string, etag: string) => Promise<void>): void {
    for (const { blob } of this.blobs) blob.onCommit = listener;
  }

  /** Names of the blobs, for per-blob accounting. */
  get names(): string[] {
    return this.blobs.map((b) => b.blob.name);
  }

  /**
   * Commits a first record to every blob. The forwarder finds a resource (a blob-name root) that is
   * new since its first poll only when it re-walks the roots (every few minutes), so the fault tests
   * create all their resources up front and let blobs grow from there.
   */
  async create(): Promise<void> {
    for (const blob of this.blobs) await this.append(1, 10, blob);
  }

  /**
   * Appends `records` records (of `tuplesPerRule` x 2 tuples) to one blob picked at random, after
   * any append still under way: two writers committing one blob's block list at once would race, and
   * Azure has one writer per blob.
   */
  append(records: number, tuplesPerRule = 10, target = this.blobs[Math.floor(this.random() * this.blobs.length)]): Promise<number> {
    const appended = this.appending.then(() => this.appendNow(records, tuplesPerRule, target));
    this.appending = appended.catch(() => undefined);
    return appended;
  }

  /** Resolves once every append called so far has committed (or failed): none is under way. */
  async idle(): Promise<void> {
    await this.appending;
  }

  private async appendNow(records: number, tuplesPerRule: number, target: (typeof this.blobs)[number]): Promise<number> {
    const made = Array.from({ length: records }, () => {
      const shape = { time: new Date(target.hour.getTime() + Math.floor(this.random() * 3_599_000)), mac: target.mac, rules: 2, tuplesPerRule };
      return target.kind === "nsg"
        ? this.rig.generator.nsgRecord(target.resource, shape)
        : this.rig.generator.vnetRecord("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", target.resource, shape);
    });
    await target.blob.append(made.map((m) => m.record));
    // Counted once committed: a tuple exists for the forwarder only from then on.
    for (const m of made) for (const t of m.tuples) this.rig.written.add(t.tuple);
    return made.reduce((sum, m) => sum + m.tuples.length, 0);
  }

  /**
   * Appends until `tuples` more tuples are committed, spread over about `durationMs`; `paused()` holds
   * the appends back (storage outages).
   */
  async grow(tuples: number, durationMs: number, options: { tuplesPerRule?: number; paused?: () => boolean } = {}): Promise<void> {
    const perRule = options.tuplesPerRule ?? 10;
    const perAppend = 4 * perRule * 2;
    const appends = Math.ceil(tuples / perAppend);
    const pace = durationMs / appends;
    const started = Date.now();
    for (let i = 0; i < appends; i++) {
      while (options.paused?.()) await sleep(50);
      await this.append(4, perRule);
      const due = started + (i + 1) * pace;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Figures {
  readonly fault: string;
  readonly runs: number;
  readonly tuples: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Seconds from the end of the fault to everything delivered (or to the condition cleared). */
  readonly recoverySeconds: number;
  readonly [extra: string]: unknown;
}

/** One line per test, collected into the note: `RELIABILITY {json}`. */
export function report(figures: Figures): void {
  console.log(`RELIABILITY ${JSON.stringify(figures)}`);
}

/** Milliseconds since `since`, as seconds with one decimal. */
export function secondsSince(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** Log lines of all processes with message `msg`. */
export function logsWith(processes: readonly ForwarderProcess[], msg: string): Record<string, unknown>[] {
  return processes.flatMap((p) => p.logs.filter((l) => l.msg === msg));
}
