// `status`: per subscription, per source and per blob, what the forwarder has read and had acknowledged
// (its checkpoints), what is still pending in storage, and the lag. Reads storage and checkpoints,
// writes nothing, needs no intake key. An estate's accounts sit in many subscriptions: sources are
// grouped by the one FLOWLOG_ACCOUNT_SUBSCRIPTIONS names for their account.

import { CheckpointStore, type BlobCheckpoint } from "../checkpoints/checkpoint-store";
import { loadConfig, type FlowLogSource } from "../config";
import { ForwarderMetrics } from "../metrics";
import { BlockReader } from "../source/block-reader";
import { floorHour, HOUR_MS } from "../source/hour-partition";
import { containerClient } from "../source/storage-client";
import { inHours, listHourBlobs, type HourBlob } from "./blob-listing";
import { UsageError } from "../errors";
import { parseCommandArgs, type Command } from "./command";
import { emptyRangeWarning, Holdings, NOTHING_SELECTED_EXIT } from "./selection";
import { parseTimeArgument, TIME_ARGUMENT_HELP } from "./time-argument";

const USAGE = `Usage: node forwarder.js status [--since <time>] [--json]

Grouped by subscription (FLOWLOG_ACCOUNT_SUBSCRIPTIONS), for each source in FLOWLOG_SOURCES: how far
the forwarder has scanned (scannedThrough) and the lag, then each blob of the hours since --since
with what was read and acknowledged (its checkpoint: blocks, byte offset, events skipped into the
next block) and whether it is caught up with what Azure has committed. Needs FLOWLOG_SOURCES and
CHECKPOINT_URL only; writes nothing.

  --since <time>   first hour to show, ${TIME_ARGUMENT_HELP}; default 24h
  --json           one JSON document on stdout instead of the table
  --help           this text

Exit code: 0 when the hours shown hold blobs; 2 on a usage error; 3 when no source holds a blob in
them (the report is still printed; a warning on stderr says how many blobs the sources hold, and of
which hours).
`;

const DEFAULT_SINCE = "24h";
/** Azure's first block is the head `{"records":[` and its last the tail `]}`: neither holds records. */
const HEAD_BLOCKS = 1;
const TAIL_BLOCKS = 1;

export type BlobState = "caught_up" | "behind" | "unread" | "rewritten" | "unknown";

export interface BlobStatus {
  readonly name: string;
  readonly hour: string;
  readonly state: BlobState;
  /** From the checkpoint: acknowledged through these blocks, this byte offset, and `skip` events after it. */
  readonly position?: { readonly blocks: number; readonly offset: number; readonly skip: number };
  readonly checkpointUpdatedAt?: string;
  /** Committed record blocks (and their bytes) not yet acknowledged: head and tail are not counted. */
  readonly pendingBlocks?: number;
  readonly pendingBytes?: number;
  readonly problem?: string;
}

export interface SourceStatus {
  readonly url: string;
  readonly kind: string;
  readonly subscriptionId?: string;
  readonly scannedThrough?: string;
  /** Seconds since scannedThrough: everything committed before it is delivered. */
  readonly lagSeconds?: number;
  readonly roots: readonly string[];
  readonly blobs: readonly BlobStatus[];
}

export interface SubscriptionStatus {
  /** Null for sources whose account FLOWLOG_ACCOUNT_SUBSCRIPTIONS does not name. */
  readonly subscriptionId: string | null;
  /** The largest lag of its sources; absent while one has never completed a poll. */
  readonly lagSeconds?: number;
  readonly sources: readonly SourceStatus[];
}

export interface StatusReport {
  readonly at: string;
  readonly since: string;
  /** The largest lag of any source; absent while a source has never completed a poll. */
  readonly lagSeconds?: number;
  /** Sorted by subscription, the unnamed ones last. */
  readonly subscriptions: readonly SubscriptionStatus[];
}

/** The largest of some sources' lags, or undefined while one of them has none yet. */
function largestLag(sources: readonly SourceStatus[]): number | undefined {
  const lags = sources.map((s) => s.lagSeconds);
  return lags.some((l) => l === undefined) ? undefined : Math.max(0, ...(lags as number[]));
}

/** Sources grouped by subscription, sorted, the unnamed ones last. */
export function bySubscription(sources: readonly SourceStatus[]): SubscriptionStatus[] {
  const keys = [...new Set(sources.map((s) => s.subscriptionId ?? null))].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
  return keys.map((subscriptionId) => {
    const members = sources.filter((s) => (s.subscriptionId ?? null) === subscriptionId);
    const lagSeconds = largestLag(members);
    return { subscriptionId, ...(lagSeconds === undefined ? {} : { lagSeconds }), sources: members };
  });
}

async function blobStatus(reader: BlockReader, blob: HourBlob, checkpoint: BlobCheckpoint | undefined): Promise<BlobStatus> {
  const base = {
    name: blob.name,
    hour: new Date(blob.hour).toISOString(),
    position: checkpoint && { blocks: checkpoint.position.blocks, offset: checkpoint.position.offset, skip: checkpoint.position.skip },
    checkpointUpdatedAt: checkpoint?.updatedAt,
  };
  // The checkpoint records the blob's ETag once everything committed under it was delivered.
  if (checkpoint?.etag === blob.etag) return { ...base, state: "caught_up", pendingBlocks: 0, pendingBytes: 0 };
  try {
    const plan = await reader.plan(blob.name, checkpoint);
    if (plan.upToDate) return { ...base, state: "caught_up", pendingBlocks: 0, pendingBytes: 0 };
    const firstPending = Math.max(plan.start.blocks, HEAD_BLOCKS);
    const pending = plan.blocks.slice(firstPending, Math.max(firstPending, plan.blocks.length - TAIL_BLOCKS));
    const state: BlobState = !checkpoint ? "unread" : plan.rewritten ? "rewritten" : "behind";
    return { ...base, state, pendingBlocks: pending.length, pendingBytes: pending.reduce((sum, b) => sum + b.size, 0) };
  } catch (error) {
    return { ...base, state: "unknown", problem: (error as Error).message };
  }
}

/** `blobs`: the source's blobs of the hours shown. */
async function sourceStatus(
  source: FlowLogSource,
  store: CheckpointStore,
  metrics: ForwarderMetrics,
  blobs: readonly HourBlob[],
  now: number,
): Promise<SourceStatus> {
  // Status only plans reads (block lists); it never downloads a run, so no run size applies.
  const reader = new BlockReader(containerClient(source), metrics, 0);
  const state = await store.readSource(source);
  const statuses: BlobStatus[] = [];
  for (const blob of blobs) statuses.push(await blobStatus(reader, blob, (await store.readBlob(source, blob.name))?.value));
  const scannedThrough = state?.value.scannedThrough;
  return {
    url: source.url,
    kind: source.kind,
    ...(source.subscriptionId ? { subscriptionId: source.subscriptionId } : {}),
    scannedThrough,
    lagSeconds: scannedThrough === undefined ? undefined : Math.max(0, Math.round((now - Date.parse(scannedThrough)) / 1000)),
    roots: state?.value.roots ?? [],
    blobs: statuses,
  };
}

const STATE_LABELS: Readonly<Record<BlobState, string>> = {
  caught_up: "caught up",
  behind: "behind",
  unread: "unread",
  rewritten: "rewritten",
  unknown: "unknown",
};

function formatTable(report: StatusReport): string {
  const lines = [
    `Status at ${report.at}, hours since ${report.since}; lag ${report.lagSeconds === undefined ? "unknown (a source never completed a poll)" : `${report.lagSeconds} s`}.`,
  ];
  for (const group of report.subscriptions) {
    lines.push(
      "",
      `Subscription ${group.subscriptionId ?? "not named (FLOWLOG_ACCOUNT_SUBSCRIPTIONS)"}: ${group.sources.length} source(s), lag ${
        group.lagSeconds === undefined ? "unknown" : `${group.lagSeconds} s`
      }.`,
    );
    for (const source of group.sources) lines.push(...sourceLines(source));
  }
  return lines.join("\n") + "\n";
}

function sourceLines(source: SourceStatus): string[] {
  const lines = [
    "",
    `${source.url} (${source.kind}): ${
      source.scannedThrough ? `scanned through ${source.scannedThrough}, lag ${source.lagSeconds} s` : "no completed poll yet"
    }, ${source.roots.length} resource root(s), ${source.blobs.length} blob(s).`,
  ];
  if (source.blobs.length === 0) return lines;
  lines.push(
    `  ${"hour (UTC)".padEnd(17)} ${"state".padEnd(10)} ${"blocks".padStart(6)} ${"offset".padStart(10)} ${"skip".padStart(5)} ${"pending".padStart(16)}  blob`,
  );
  for (const blob of source.blobs) {
    const pending = blob.pendingBlocks === undefined ? "?" : blob.pendingBlocks === 0 ? "-" : `${blob.pendingBlocks} blk ${blob.pendingBytes} B`;
    lines.push(
      `  ${`${blob.hour.slice(0, 13)}:00`.padEnd(17)} ${STATE_LABELS[blob.state].padEnd(10)} ${String(blob.position?.blocks ?? "-").padStart(6)} ${String(blob.position?.offset ?? "-").padStart(10)} ${String(blob.position?.skip ?? "-").padStart(5)} ${pending.padStart(16)}  ${blob.name}${blob.problem ? ` (${blob.problem})` : ""}`,
    );
  }
  return lines;
}

export const statusCommand: Command = {
  name: "status",
  summary: "what was read and acknowledged, per subscription, source and blob, and the lag (status --help)",
  usage: USAGE,
  async run(args, env) {
    const parsed = parseCommandArgs(this, args, { since: { type: "string" }, json: { type: "boolean" } });
    if (!parsed) return 0;
    if (parsed.positionals.length > 0) throw new UsageError(`Unexpected argument ${parsed.positionals[0]}.`, USAGE);
    const now = Date.now();
    const rawSince = (parsed.values.since as string | undefined) ?? DEFAULT_SINCE;
    const since = parseTimeArgument(rawSince, now);
    if (since === undefined) throw new UsageError(`--since is "${rawSince}"; expected ${TIME_ARGUMENT_HELP}.`, USAGE);

    const config = loadConfig(env, { requireIntakeKeys: false });
    const metrics = new ForwarderMetrics();
    const store = new CheckpointStore(containerClient(config.checkpoint), metrics);
    await store.check();
    // From the hour of --since through the current one.
    const hours = { fromHour: floorHour(since), untilHour: floorHour(now) + HOUR_MS };
    const sources: SourceStatus[] = [];
    const holdings = new Holdings();
    for (const source of config.sources) {
      const blobs = await listHourBlobs(containerClient(source));
      holdings.add(blobs);
      sources.push(await sourceStatus(source, store, metrics, inHours(blobs, hours), now));
    }
    const report: StatusReport = {
      at: new Date(now).toISOString(),
      since: new Date(floorHour(since)).toISOString(),
      lagSeconds: largestLag(sources),
      subscriptions: bySubscription(sources),
    };
    process.stdout.write(parsed.values.json ? JSON.stringify(report) + "\n" : formatTable(report));
    // An empty table would read as "nothing pending" when the question was asked of hours with no data.
    if (sources.every((s) => s.blobs.length === 0)) {
      process.stderr.write(`${emptyRangeWarning(hours, holdings, "--since")}\n`);
      return NOTHING_SELECTED_EXIT;
    }
    return 0;
  },
};
