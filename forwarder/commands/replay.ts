// `replay --since <time> [--until <time>] [--target <resource id>]`: re-ships the flow-log blobs of a
// range of hours from storage, each read whole from its first block, through the same Sekoia sinks as
// the service, after an incident or to fill a gap. It never reads or writes the live checkpoints, so
// the running forwarder is not disturbed (events the intake refuses for good still become dead letters).

import { configSecrets, loadConfig } from "../config";
import { UsageError } from "../errors";
import { createLogger } from "../log";
import type { SourceContext } from "../poll/source-context";
import { createApp } from "../service/app";
import { floorHour } from "../source/hour-partition";
import { containerClient } from "../source/storage-client";
import { inHours, listHourBlobs, type HourBlob } from "./blob-listing";
import { parseCommandArgs, type Command, type ParsedArgs } from "./command";
import { formatBytes, formatDuration, progressBar, ProgressLine } from "./progress-line";
import { replayBlob, type ReplayedBlob } from "./replay-blob";
import { RecordSelection, ResourceTarget, TARGET_FORM } from "./resource-target";
import { emptyRangeWarning, Holdings, NOTHING_SELECTED_EXIT, targetMissWarning } from "./selection";
import { parseTimeArgument, TIME_ARGUMENT_HELP } from "./time-argument";

const USAGE = `Usage: node forwarder.js replay --since <time> [--until <time>] [--target <resource id>]

Re-sends to Sekoia every tuple of the flow-log blobs whose hour partition starts in [--since, --until),
reading each blob whole from storage, through the same intakes as the service. The live checkpoints
are neither read nor written: the running forwarder carries on undisturbed, and events it already
delivered are delivered again. Progress and an ETA go to stderr; JSON logs to stdout.

  --since <time>          the first hour replayed is the one this instant falls in:
                          ${TIME_ARGUMENT_HELP}
  --until <time>          hours starting at or after this instant are not replayed; same forms,
                          default now
  --target <resource id>  only this resource (case-insensitive), or what lies under it: an NSG id,
                          a VNet, subnet or NIC id, a flow log id, or a resource group
  --help                  this text

Needs the same environment as the service (FLOWLOG_SOURCES, CHECKPOINT_URL, intake keys).
Exit code: 0 when every selected tuple was accepted by the intake; 1 otherwise (run it again);
2 on a usage error; 3 when nothing was selected: no blob of the sources falls in the range, or
--target covers none of its blobs or records (a warning on stderr says what exists; nothing is sent).
`;

/** Like --once: a batch the intake keeps refusing is given up after this long, and the exit code says so. */
const REPLAY_MAX_RETRY_MS = 300_000;

interface ReplayRange {
  readonly fromHour: number;
  readonly until: number;
  readonly target?: { readonly raw: string; readonly selects: ResourceTarget };
}

function parseRange(values: ParsedArgs["values"], now: number): ReplayRange {
  const instant = (option: string, fallback?: number): number => {
    const raw = values[option] as string | undefined;
    if (raw === undefined && fallback !== undefined) return fallback;
    if (raw === undefined) throw new UsageError(`--${option} is required.`, USAGE);
    const parsed = parseTimeArgument(raw, now);
    if (parsed === undefined) throw new UsageError(`--${option} is "${raw}"; expected ${TIME_ARGUMENT_HELP}.`, USAGE);
    return parsed;
  };
  const since = instant("since");
  const until = instant("until", now);
  if (until <= since) throw new UsageError("--until must be later than --since.", USAGE);
  const raw = values.target as string | undefined;
  if (raw === undefined) return { fromHour: floorHour(since), until };
  // An id not from /subscriptions/ on (a bare name, a portal URL) could never select anything.
  const selects = ResourceTarget.parse(raw);
  if (!selects) throw new UsageError(`--target is "${raw}"; expected ${TARGET_FORM}.`, USAGE);
  return { fromHour: floorHour(since), until, target: { raw, selects } };
}

interface ReplayJob {
  readonly context: SourceContext;
  readonly blob: HourBlob;
  /** Set when the blob's path does not name the target: its records then decide, one by one. */
  readonly keepRecord?: (record: unknown) => boolean;
}

/** NSG blob paths name the NSG their records belong to; VNet paths name the flow log, not its target. */
function selectJob(context: SourceContext, blob: HourBlob, target: ResourceTarget | undefined, records: RecordSelection | undefined): ReplayJob | undefined {
  if (!target || target.coversRoot(blob.root)) return { context, blob };
  return context.source.kind === "vnet" ? { context, blob, keepRecord: records?.keep } : undefined;
}

export const replayCommand: Command = {
  name: "replay",
  summary: "re-send a time range from storage, without touching the live checkpoints (replay --help)",
  usage: USAGE,
  async run(args, env) {
    const parsed = parseCommandArgs(this, args, { since: { type: "string" }, until: { type: "string" }, target: { type: "string" } });
    if (!parsed) return 0;
    if (parsed.positionals.length > 0) throw new UsageError(`Unexpected argument ${parsed.positionals[0]}.`, USAGE);
    const started = Date.now();
    const range = parseRange(parsed.values, started);
    const config = loadConfig(env);
    const log = createLogger({ level: config.logLevel, secrets: configSecrets(config) });
    // The service's own assembly: the same sinks, and readers with the same run size.
    const app = createApp(config, log, { maxRetryMs: REPLAY_MAX_RETRY_MS });

    const hours = { fromHour: range.fromHour, untilHour: range.until };
    const target = range.target?.selects;
    const records = target && new RecordSelection(target);
    const holdings = new Holdings();
    const inRange: HourBlob[] = [];
    const jobs: ReplayJob[] = [];
    for (const context of app.sources) {
      const blobs = await listHourBlobs(containerClient(context.source));
      holdings.add(blobs);
      for (const blob of inHours(blobs, hours)) {
        inRange.push(blob);
        const job = selectJob(context, blob, target, records);
        if (job) jobs.push(job);
      }
    }
    // Nothing to send is no delivery to report: say what was asked and what exists instead.
    const targetMiss = () =>
      targetMissWarning({
        target: range.target!.raw,
        range: hours,
        sources: app.sources.length,
        blobs: inRange,
        recordsRead: records?.seen ?? 0,
        recordResources: records?.resources ?? [],
      });
    if (inRange.length === 0) {
      process.stderr.write(`${emptyRangeWarning(hours, holdings, "--since and --until")}\nNothing was sent.\n`);
      return NOTHING_SELECTED_EXIT;
    }
    if (target && jobs.length === 0) {
      process.stderr.write(`${targetMiss()}\nNothing was sent.\n`);
      return NOTHING_SELECTED_EXIT;
    }
    const totalBytes = jobs.reduce((sum, j) => sum + j.blob.size, 0);
    log.info(
      { blobs: jobs.length, bytes: totalBytes, fromHour: new Date(range.fromHour).toISOString(), until: new Date(range.until).toISOString() },
      "Replay started.",
    );

    const stop = () => {
      if (!app.stopping.aborted) process.stderr.write("\nStopping: no new reads; waiting for what was sent.\n");
      app.stop();
    };
    process.on("SIGINT", stop).on("SIGTERM", stop);

    const progress = new ProgressLine(process.stderr);
    let bytesRead = 0;
    let blobsDone = 0;
    const sent = () => app.sinks.reduce((sum, s) => sum + s.sent, 0);
    const draw = () => {
      const fraction = totalBytes === 0 ? 1 : Math.min(1, bytesRead / totalBytes);
      const elapsed = Date.now() - started;
      const eta = fraction > 0 && fraction < 1 ? ` ETA ${formatDuration((elapsed * (1 - fraction)) / fraction)}` : "";
      progress.update(
        `replay ${progressBar(fraction)} ${Math.round(fraction * 100)}% ${formatBytes(bytesRead)}/${formatBytes(totalBytes)}, blob ${blobsDone}/${jobs.length}, ${sent()} tuples sent${eta}`,
      );
    };
    const ticker = setInterval(draw, 1_000);

    const replayed: ReplayedBlob[] = [];
    let tuples = 0;
    let malformed = 0;
    const onBytes = (n: number) => {
      bytesRead += n;
      draw();
    };
    for (const job of jobs) {
      if (app.stopping.aborted) break;
      const result = await replayBlob(job.context, job.blob.name, onBytes, job.keepRecord);
      replayed.push(result);
      tuples += result.tuples;
      malformed += result.malformed;
      blobsDone++;
    }
    await Promise.all(app.sinks.map((s) => s.flush()));
    const outcomes = await Promise.allSettled(replayed.map((r) => r.delivered));
    clearInterval(ticker);
    draw();
    progress.finish();
    process.off("SIGINT", stop).off("SIGTERM", stop);

    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    // The sinks count what the intake accepted; events refused for good went to dead letters instead.
    const refused = failures.length === 0 ? tuples - sent() : 0;
    const complete = !app.stopping.aborted && failures.length === 0 && refused === 0;
    // Only VNet blobs were left to their records, all were read, and no record was the target's.
    const nothingSelected = complete && target !== undefined && jobs.every((j) => j.keepRecord) && records!.kept === 0;
    const lines = [
      `Replayed ${blobsDone} of ${jobs.length} blob(s) (${formatBytes(bytesRead)}) in ${formatDuration(Date.now() - started)}: ${tuples} tuples read, ${sent()} accepted by the intake.`,
      ...(malformed > 0 ? [`${malformed} malformed item(s) skipped (see the log lines).`] : []),
      ...(refused > 0 ? [`${refused} event(s) refused by the intake for good and kept as dead letters under CHECKPOINT_URL.`] : []),
      ...failures.slice(0, 5).map((f) => `Not delivered: ${(f.reason as Error).message}`),
      ...(app.stopping.aborted ? ["Interrupted: the range was not replayed completely."] : []),
      nothingSelected
        ? `${targetMiss()}\nNothing was sent.`
        : complete
          ? "Everything selected was delivered."
          : "NOT everything selected was delivered; run the replay again (delivered events are sent again).",
    ];
    process.stderr.write(lines.join("\n") + "\n");
    return nothingSelected ? NOTHING_SELECTED_EXIT : complete ? 0 : 1;
  },
};
