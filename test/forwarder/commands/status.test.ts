// `status`, run in the bundle after a `--once` run: per blob, what the checkpoints say was acknowledged
// and what Azure committed since (caught up, behind by n blocks, unread), the source's scannedThrough
// and lag; without intake keys, and without writing anything. Hours that hold no blob are said to,
// with what the sources hold, and exit 3.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName } from "../../helpers/flow-logs";
import { ForwarderProcess, runOnce } from "../../helpers/forwarder-process";
import { CHECKPOINT_CONTAINER, NSG_CONTAINER, startFlowLogStack, VNET_CONTAINER, type FlowLogStack } from "../../helpers/flow-log-stack";
import { bySubscription, type SourceStatus, type StatusReport } from "../../../forwarder/commands/status";

let stack: FlowLogStack;
const gen = new FlowLogGenerator(62);
const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const previousHour = new Date(hour.getTime() - 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-000000000007", "rg-status", "nsg-status");
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000007/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL-STATUS";
const vnetId = "/subscriptions/00000000-0000-0000-0000-000000000007/resourceGroups/rg-status/providers/Microsoft.Network/virtualNetworks/vnet-status";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000007";

beforeAll(async () => {
  stack = await startFlowLogStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** The environment status needs: sources and checkpoints, no intake. */
function statusEnv(): Record<string, string> {
  return { FLOWLOG_SOURCES: stack.env.FLOWLOG_SOURCES, CHECKPOINT_URL: stack.env.CHECKPOINT_URL };
}

async function checkpointEtags(): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  for await (const blob of stack.azurite.service.getContainerClient(CHECKPOINT_CONTAINER).listBlobsFlat()) etags.set(blob.name, blob.properties.etag);
  return etags;
}

describe("forwarder status", () => {
  it("shows per blob what was acknowledged and what is pending after a --once run", async () => {
    const nsg = stack.azurite.service.getContainerClient(NSG_CONTAINER);
    const vnet = stack.azurite.service.getContainerClient(VNET_CONTAINER);
    const finished = new AzureFlowLogBlob(nsg, nsgBlobName(nsgId, previousHour, "00224826A001"));
    await finished.append([1, 2, 3].map(() => gen.nsgRecord(nsgId, { time: previousHour, mac: "00224826A001" }).record));
    const growing = new AzureFlowLogBlob(vnet, vnetBlobName(flowLogId, hour, "6045BDA1A002"));
    await growing.append([1, 2].map(() => gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDA1A002" }).record));
    const once = await runOnce(stack.env);
    expect(once.code, once.stdout).toBe(0);

    await growing.append([1, 2, 3].map(() => gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDA1A002" }).record));
    const fresh = new AzureFlowLogBlob(nsg, nsgBlobName(nsgId, hour, "00224826A003"));
    await fresh.append([gen.nsgRecord(nsgId, { time: hour, mac: "00224826A003" }).record]);
    const before = await checkpointEtags();

    const env = { ...statusEnv(), FLOWLOG_ACCOUNT_SUBSCRIPTIONS: `devstoreaccount1=${SUBSCRIPTION.toUpperCase()}` };
    const run = await new ForwarderProcess(["status", "--json", "--since", "2h"], env).waitForExit(30_000);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.subscriptions.map((s) => [s.subscriptionId, s.sources.length])).toEqual([[SUBSCRIPTION, 2]]);
    expect(report.subscriptions[0].lagSeconds).toBe(report.lagSeconds);
    const [nsgSource, vnetSource] = report.subscriptions[0].sources;
    expect(nsgSource).toMatchObject({ kind: "nsg", subscriptionId: SUBSCRIPTION, scannedThrough: expect.any(String), roots: [`resourceId=${nsgId}/`] });
    expect(nsgSource.lagSeconds).toBeLessThan(60);
    expect(report.lagSeconds).toBeLessThan(60);
    expect(nsgSource.blobs).toEqual([
      expect.objectContaining({ name: finished.name, state: "caught_up", position: { blocks: 4, offset: expect.any(Number), skip: 0 }, pendingBlocks: 0 }),
      expect.objectContaining({ name: fresh.name, state: "unread", pendingBlocks: 1 }),
    ]);
    expect(nsgSource.blobs[1]).not.toHaveProperty("position");
    // Head and two records were acknowledged; three record blocks were committed since.
    expect(vnetSource.blobs).toEqual([
      expect.objectContaining({ name: growing.name, state: "behind", position: { blocks: 3, offset: expect.any(Number), skip: 0 }, pendingBlocks: 3 }),
    ]);
    expect(await checkpointEtags()).toEqual(before);
  });

  it("prints a table a person can read", async () => {
    const run = await new ForwarderProcess(["status"], statusEnv()).waitForExit(30_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Status at .*; lag \d+ s\.\n\nSubscription not named \(FLOWLOG_ACCOUNT_SUBSCRIPTIONS\): 2 source\(s\), lag \d+ s\.\n/);
    expect(run.stdout).toContain(`(nsg): scanned through`);
    expect(run.stdout).toMatch(/caught up +4 +\d+ +0 +- +resourceId=/);
    expect(run.stdout).toMatch(/behind +3 +\d+ +0 +3 blk \d+ B +flowLogResourceID=/);
  });

  it("groups the sources by subscription, the unnamed ones last, each group with its own lag", () => {
    const source = (url: string, subscriptionId: string | undefined, lagSeconds: number | undefined): SourceStatus => ({
      url,
      kind: "vnet",
      ...(subscriptionId ? { subscriptionId } : {}),
      ...(lagSeconds === undefined ? {} : { lagSeconds }),
      roots: [],
      blobs: [],
    });
    const spoke = "22222222-2222-4222-8222-222222222222";
    const hub = "11111111-1111-4111-8111-111111111111";
    const groups = bySubscription([
      source("u1", spoke, 5),
      source("u2", undefined, 1),
      source("u3", hub, 7),
      source("u4", spoke, undefined),
      source("u5", hub, 3),
    ]);
    expect(groups.map((g) => [g.subscriptionId, g.lagSeconds, g.sources.map((s) => s.url)])).toEqual([
      [hub, 7, ["u3", "u5"]],
      [spoke, undefined, ["u1", "u4"]],
      [null, 1, ["u2"]],
    ]);
  });

  it("refuses a missing CHECKPOINT_URL by name", async () => {
    const run = await new ForwarderProcess(["status"], { FLOWLOG_SOURCES: stack.env.FLOWLOG_SOURCES }).waitForExit(30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Configuration error: CHECKPOINT_URL is not set/);
  });

  it("names every missing variable in one message, exit code 2", async () => {
    const run = await new ForwarderProcess(["status"], {}).waitForExit(30_000);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^Configuration error: 2 variables are missing or malformed:\n {2}FLOWLOG_SOURCES is not set; expected .+\.\n {2}CHECKPOINT_URL is not set; expected .+\.\n$/,
    );
  });
});

describe("forwarder status over hours that hold no blob", () => {
  let empty: FlowLogStack;

  beforeAll(async () => {
    empty = await startFlowLogStack();
  });

  afterAll(async () => {
    await empty?.stop();
  });

  const env = () => ({ FLOWLOG_SOURCES: empty.env.FLOWLOG_SOURCES, CHECKPOINT_URL: empty.env.CHECKPOINT_URL });
  /** The hours a report shows, as the warning writes them: from the hour of --since through the one it was made in. */
  const shown = (report: StatusReport) => `[${report.since}, ${new Date(Math.floor(Date.parse(report.at) / 3_600_000) * 3_600_000 + 3_600_000).toISOString()})`;

  it("says so, and that the sources hold nothing at all, exit code 3", async () => {
    const run = await new ForwarderProcess(["status", "--json", "--since", previousHour.toISOString()], env()).waitForExit(30_000);
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.subscriptions[0].sources.map((s) => [s.kind, s.blobs])).toEqual([
      ["nsg", []],
      ["vnet", []],
    ]);
    expect(run.stderr).toBe(
      `Nothing selected: no blob has an hour partition in ${shown(report)}; the 2 source(s) of FLOWLOG_SOURCES hold no flow-log blob at all.\n`,
    );
  });

  it("names the hours the sources do hold, and shows them once --since reaches them", async () => {
    const old = new Date(hour.getTime() - 30 * 3_600_000);
    const blob = new AzureFlowLogBlob(empty.azurite.service.getContainerClient(NSG_CONTAINER), nsgBlobName(nsgId, old, "00224826A0FF"));
    await blob.append([gen.nsgRecord(nsgId, { time: old, mac: "00224826A0FF" }).record]);

    // The default --since is 24h: the blob is 30 hours old.
    const run = await new ForwarderProcess(["status", "--json"], env()).waitForExit(30_000);
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.subscriptions[0].sources.map((s) => s.blobs)).toEqual([[], []]);
    expect(run.stderr).toBe(
      [
        `Nothing selected: no blob has an hour partition in ${shown(report)}; the 2 source(s) of FLOWLOG_SOURCES hold 1 blob(s), of the hours from ${old.toISOString()} to ${old.toISOString()}.`,
        "Choose --since so that the range holds some of these hours.",
        "",
      ].join("\n"),
    );

    const wider = await new ForwarderProcess(["status", "--json", "--since", old.toISOString()], env()).waitForExit(30_000);
    expect(wider.code, wider.stderr).toBe(0);
    expect(wider.stderr).toBe("");
    expect((JSON.parse(wider.stdout) as StatusReport).subscriptions[0].sources[0].blobs).toEqual([
      expect.objectContaining({ name: blob.name, state: "unread" }),
    ]);
  });
});
