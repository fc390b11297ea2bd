// The local session behind `npm run local` (started by run.ts): Azurite, the traffic writer, the
// forwarder bundle as a service and a loopback intake (or a real one), a live progress line, and at the
// end a drain, a summary and an exit code that says whether every committed tuple was delivered once.

import { formatDuration, ProgressLine } from "../../forwarder/commands/progress-line";
import type { FlowLogKind } from "../../forwarder/contract";
import { Azurite, freePort } from "../helpers/azurite";
import { AzuriteQueue, EventGridDelivery } from "../helpers/event-grid";
import { CHECKPOINT_CONTAINER, eventTupleKey, NSG_CONTAINER, NSG_KEY, VNET_CONTAINER, VNET_KEY } from "../helpers/flow-log-stack";
import { ForwarderProcess } from "../helpers/forwarder-process";
import { IntakeServer } from "../helpers/intake-server";
import { LocalSekoiaIntakes } from "./sekoia-intakes";
import { checkDelivery } from "./delivery-check";
import { OptionsError, parseLocalOptions, USAGE, type LocalOptions } from "./options";
import { scrapeMetrics, type MetricTotals } from "./prometheus-text";
import { TrafficWriter } from "./traffic-writer";

/** Where the tuples go: the loopback intake (receipt checked tuple by tuple) or a real Sekoia intake. */
type Destination =
  | { readonly kind: "loopback"; readonly intake: IntakeServer; readonly keys: Record<FlowLogKind, string> }
  | { readonly kind: "sekoia"; readonly url: string; readonly keys: Partial<Record<FlowLogKind, string>> };

const FORWARDER_EXIT_MS = 25_000;

function realIntakeFromEnv(): Destination | undefined {
  const url = process.env.SEKOIA_INTAKE_URL?.trim();
  const keys: Partial<Record<FlowLogKind, string>> = {};
  if (process.env.SEKOIA_NSG_INTAKE_KEY?.trim()) keys.nsg = process.env.SEKOIA_NSG_INTAKE_KEY.trim();
  if (process.env.SEKOIA_VNET_INTAKE_KEY?.trim()) keys.vnet = process.env.SEKOIA_VNET_INTAKE_KEY.trim();
  return url && Object.keys(keys).length > 0 ? { kind: "sekoia", url, keys } : undefined;
}

function metric(metrics: MetricTotals | undefined, name: string): string {
  const value = metrics?.get(name);
  // A labelled counter shows no sample until it first counts something.
  if (value === undefined) return metrics ? "0" : "?";
  return String(Math.round(value));
}

async function runSession(options: LocalOptions): Promise<number> {
  const started = Date.now();
  const azurite = await Azurite.start();
  const cleanups: (() => Promise<unknown>)[] = [() => azurite.stop()];
  try {
    const real = realIntakeFromEnv();
    const sekoia = options.sekoiaApi ? await LocalSekoiaIntakes.create() : undefined;
    if (sekoia) {
      cleanups.push(() => sekoia.stop());
      process.stdout.write(`${sekoia.describe()}\n`);
    }
    const keys = sekoia?.keys ?? { nsg: NSG_KEY, vnet: VNET_KEY };
    const destination = real ?? ({ kind: "loopback", intake: await IntakeServer.start({ keys: [keys.nsg, keys.vnet] }), keys } as const);
    if (destination.kind === "loopback") cleanups.push(() => destination.intake.stop());
    const kinds = Object.keys(destination.keys) as FlowLogKind[];
    const containers = { nsg: NSG_CONTAINER, vnet: VNET_CONTAINER };
    for (const container of [...kinds.map((k) => containers[k]), CHECKPOINT_CONTAINER]) await azurite.createContainer(container);

    const writer = new TrafficWriter(azurite.service, kinds, options.nicsPerKind, options.recordIntervalMs);
    writer.start();
    cleanups.push(() => writer.stop());

    // Event mode with more than one replica: the queue Event Grid would fill, and a stand-in filling it.
    const queue = options.replicas > 1 ? await AzuriteQueue.start() : undefined;
    if (queue) {
      cleanups.push(() => queue.stop());
      const delivery = new EventGridDelivery(queue, azurite.endpoint);
      writer.onCommit = (container, name, etag) => delivery.blobCreated(container, name, etag);
    }
    const replicas: { readonly process: ForwarderProcess; readonly port: number }[] = [];
    for (let r = 0; r < options.replicas; r++) {
      const port = await freePort();
      const process = new ForwarderProcess([], {
        FLOWLOG_SOURCES: kinds.map((k) => azurite.containerSasUrl(containers[k])).join(","),
        CHECKPOINT_URL: azurite.containerSasUrl(CHECKPOINT_CONTAINER, "racwdl"),
        SEKOIA_INTAKE_URL: destination.kind === "loopback" ? destination.intake.url : destination.url,
        ...(destination.keys.nsg ? { SEKOIA_NSG_INTAKE_KEY: destination.keys.nsg } : {}),
        ...(destination.keys.vnet ? { SEKOIA_VNET_INTAKE_KEY: destination.keys.vnet } : {}),
        POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds),
        HEALTH_PORT: String(port),
        ...(queue ? { BLOB_EVENTS_QUEUE_URL: queue.queueSasUrl() } : {}),
      });
      replicas.push({ process, port });
      cleanups.push(async () => {
        if (process.child.exitCode === null) process.child.kill("SIGKILL");
      });
    }
    const healthPort = replicas[0].port;
    const running = () => replicas.some((r) => r.process.child.exitCode === null);
    /** Every replica's metrics summed (a replica that does not answer keeps its last figures). */
    const perReplica: (MetricTotals | undefined)[] = replicas.map(() => undefined);
    const scrapeAll = async (): Promise<MetricTotals | undefined> => {
      for (const [i, r] of replicas.entries()) perReplica[i] = (await scrapeMetrics(r.port)) ?? perReplica[i];
      if (perReplica.every((m) => m === undefined)) return undefined;
      const total = new Map<string, number>();
      for (const m of perReplica) for (const [name, value] of m ?? []) total.set(name, (total.get(name) ?? 0) + value);
      return total;
    };
    process.stdout.write(
      `Local run: Azurite on 127.0.0.1:${azurite.port}, ${writer.nicCount} NICs (${kinds.join(", ")}) writing every ${options.recordIntervalMs / 1000} s, ` +
        (queue
          ? `${options.replicas} forwarders in event mode on the queue of Azurite's queue service on 127.0.0.1:${queue.port} (metrics on ${replicas.map((r) => `http://127.0.0.1:${r.port}/metrics`).join(", ")}), `
          : `forwarder polling every ${options.pollIntervalSeconds} s (metrics on http://127.0.0.1:${healthPort}/metrics), `) +
        `${destination.kind === "loopback" ? `loopback intake on ${destination.intake.url}` : `Sekoia intake ${destination.url}`}.\n` +
        `${options.durationSeconds ? `Running for ${options.durationSeconds} s` : "Running until Ctrl-C"}.\n`,
    );

    const received = () => (destination.kind === "loopback" ? kinds.flatMap((k) => destination.intake.events(destination.keys[k])) : []);
    let metrics: MetricTotals | undefined;
    const progress = new ProgressLine(process.stdout);
    const draw = (phase: string) => {
      const receivedText = destination.kind === "loopback" ? ` / received ${received().length}` : "";
      progress.update(
        `${phase} ${formatDuration(Date.now() - started)}  blobs ${writer.blobsWritten}  tuples committed ${writer.tuplesCommitted} / read ${metric(metrics, "flowlog_tuples_read_total")} / sent ${metric(metrics, "flowlog_tuples_sent_total")}${receivedText}  lag ${metric(metrics, "flowlog_lag_seconds")} s  retries ${metric(metrics, "flowlog_retries_total")}`,
      );
    };

    // Run until --duration, Ctrl-C (relayed by run.ts), SIGTERM, or run.ts going away.
    const stopRequested = new Promise<string>((resolve) => {
      process
        .once("SIGINT", () => resolve("Ctrl-C"))
        .once("SIGTERM", () => resolve("SIGTERM"))
        .once("disconnect", () => resolve("launcher gone"));
      if (options.durationSeconds) setTimeout(() => resolve(`${options.durationSeconds} s elapsed`), options.durationSeconds * 1000).unref();
    });
    let stopReason: string | undefined;
    void stopRequested.then((reason) => (stopReason = reason));
    while (stopReason === undefined && running()) {
      metrics = (await scrapeAll()) ?? metrics;
      draw("running");
      await Promise.race([stopRequested, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    }
    progress.finish();

    // Drain: nothing more is committed; give the forwarder a few polls to deliver what was.
    await writer.stop();
    const committed = kinds.flatMap((k) => writer.committed[k]);
    const drainMs = options.pollIntervalSeconds * 3_000 + 10_000;
    process.stdout.write(
      `Stopping (${stopReason ?? "the forwarder exited"}): writer stopped at ${committed.length} tuples; waiting up to ${drainMs / 1000} s for delivery.\n`,
    );
    const deadline = Date.now() + drainMs;
    const allDelivered = () =>
      destination.kind === "loopback"
        ? checkDelivery(committed, received().map(eventTupleKey)).missing.length === 0
        : Number(metrics?.get("flowlog_tuples_sent_total") ?? 0) >= committed.length;
    while (Date.now() < deadline && running()) {
      metrics = (await scrapeAll()) ?? metrics;
      draw("draining");
      if (allDelivered()) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    progress.finish();
    metrics = (await scrapeAll()) ?? metrics;
    for (const r of replicas) r.process.child.kill("SIGTERM");
    const exits = await Promise.all(replicas.map((r) => r.process.waitForExit(FORWARDER_EXIT_MS).catch(() => undefined)));
    const exit = exits.find((e) => e === undefined || e.code !== 0) ?? exits[0];

    const lines = [
      "",
      `Summary after ${formatDuration(Date.now() - started)}:`,
      `  blobs written        ${writer.blobsWritten} (${writer.nicCount} NICs)`,
      `  tuples committed     ${committed.length}`,
      `  tuples read          ${metric(metrics, "flowlog_tuples_read_total")} (forwarder)`,
      `  tuples sent          ${metric(metrics, "flowlog_tuples_sent_total")} (forwarder: accepted by the intake)`,
      `  retries              ${metric(metrics, "flowlog_retries_total")}`,
      `  lag at the end       ${metric(metrics, "flowlog_lag_seconds")} s`,
      `  forwarder exit       ${exits.map((e) => (e ? (e.code ?? e.signal) : "did not exit in time (killed)")).join(", ")}`,
      ...(replicas.length > 1
        ? [`  tuples read per replica ${perReplica.map((m) => metric(m, "flowlog_tuples_read_total")).join(" / ")} (event mode: each took its share)`]
        : []),
    ];
    let ok = exits.every((e) => e?.code === 0);
    if (sekoia) {
      const left = await sekoia.deleteIntakes();
      lines.push(`  Sekoia intakes       deleted through the loopback configuration API (sekoiaIntakeProvider), ${left} left`);
      ok &&= left === 0;
    }
    if (destination.kind === "loopback") {
      const check = checkDelivery(committed, received().map(eventTupleKey));
      lines.push(`  tuples received      ${check.receivedUnique} distinct, ${check.duplicates.size} duplicated (loopback intake)`);
      if (check.missing.length > 0) lines.push(`NOT DELIVERED: ${check.missing.length} committed tuple(s), e.g. ${check.missing[0]}`);
      for (const [key, times] of [...check.duplicates].slice(0, 5)) lines.push(`DUPLICATE: received ${times} times: ${key}`);
      if (check.unexpected.length > 0) lines.push(`UNEXPECTED: ${check.unexpected.length} received tuple(s) never committed, e.g. ${check.unexpected[0]}`);
      ok &&= check.missing.length === 0 && check.duplicates.size === 0 && check.unexpected.length === 0;
      if (ok) lines.push("Every committed tuple was delivered, once.");
    } else {
      const sent = Number(metrics?.get("flowlog_tuples_sent_total") ?? 0);
      ok &&= sent >= committed.length;
      lines.push(
        `Shipped to ${destination.url}: the forwarder counts ${sent} of ${committed.length} committed tuples accepted by the intake.`,
        "Receipt cannot be verified from here, nor duplicates detected: check the events in Sekoia.",
      );
    }
    if (!ok && exit)
      lines.push(
        "Last forwarder log lines:",
        ...exit.stdout
          .trimEnd()
          .split("\n")
          .slice(-10)
          .map((l) => `  ${l}`),
      );
    process.stdout.write(lines.join("\n") + "\n");
    return ok ? 0 : 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseLocalOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.sekoiaApi && realIntakeFromEnv()) {
    process.stderr.write("--sekoia-api uses the loopback intake: unset SEKOIA_INTAKE_URL and the SEKOIA_*_INTAKE_KEY variables.\n");
    return 2;
  }
  return runSession(options);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Local run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
