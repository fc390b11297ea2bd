// `replay`, run in the bundle: re-ships every tuple of the selected hours (and, with --target, of the
// selected resource) from storage, including blobs the live forwarder has read only in part, and leaves
// the live checkpoints exactly as they were, so the forwarder's next run sends only what is new. A range
// or target that selects nothing is said to, with what exists, and exits 3 instead of claiming delivery.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName, type GeneratedTuple } from "../../helpers/flow-logs";
import { ForwarderProcess, runOnce } from "../../helpers/forwarder-process";
import {
  CHECKPOINT_CONTAINER,
  eventTupleKey,
  generatedTupleKey,
  NSG_CONTAINER,
  NSG_KEY,
  startFlowLogStack,
  VNET_CONTAINER,
  VNET_KEY,
  type FlowLogStack,
} from "../../helpers/flow-log-stack";

const HOUR_MS = 3_600_000;
let stack: FlowLogStack;
const gen = new FlowLogGenerator(63);
const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const hours = [hour - 2 * HOUR_MS, hour - HOUR_MS, hour].map((h) => new Date(h));
const nsgWeb = nsgResourceId("00000000-0000-0000-0000-000000000008", "rg-replay", "nsg-web");
const nsgDb = nsgResourceId("00000000-0000-0000-0000-000000000008", "rg-replay", "nsg-db");
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000008/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL-REPLAY";
const vnetId = "/subscriptions/00000000-0000-0000-0000-000000000008/resourceGroups/rg-replay/providers/Microsoft.Network/virtualNetworks/vnet-replay";

/** Every generated tuple, by the hour (index into `hours`) and resource it was written for. */
const written: { hourIndex: number; resource: string; tuple: GeneratedTuple }[] = [];
const blobs = new Map<string, AzureFlowLogBlob>();
/** How many of `written` the live forwarder had delivered before the partial appends. */
let deliveredLive = 0;
/** VNet records committed, for the count the nothing-selected warning gives. */
let vnetRecords = 0;

async function append(hourIndex: number, resource: string, count: number): Promise<void> {
  const time = hours[hourIndex];
  const vnet = resource === vnetId;
  const mac = vnet ? "6045BDA1B008" : resource === nsgWeb ? "00224826B001" : "00224826B002";
  const name = vnet ? vnetBlobName(flowLogId, time, mac) : nsgBlobName(resource, time, mac);
  const container = stack.azurite.service.getContainerClient(vnet ? VNET_CONTAINER : NSG_CONTAINER);
  const blob = blobs.get(name) ?? new AzureFlowLogBlob(container, name);
  blobs.set(name, blob);
  const records = Array.from({ length: count }, () => (vnet ? gen.vnetRecord(vnetId, flowLogId, { time, mac }) : gen.nsgRecord(resource, { time, mac })));
  await blob.append(records.map((r) => r.record));
  if (vnet) vnetRecords += count;
  for (const r of records) written.push(...r.tuples.map((tuple) => ({ hourIndex, resource, tuple })));
}

function receivedSince(marks: { nsg: number; vnet: number }): string[] {
  return [...stack.intake.events(NSG_KEY).slice(marks.nsg), ...stack.intake.events(VNET_KEY).slice(marks.vnet)].map(eventTupleKey);
}

function mark() {
  return { nsg: stack.intake.events(NSG_KEY).length, vnet: stack.intake.events(VNET_KEY).length };
}

function expected(filter: (w: (typeof written)[number]) => boolean): string[] {
  return written
    .filter(filter)
    .map((w) => generatedTupleKey(w.tuple))
    .sort();
}

async function checkpointEtags(): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  for await (const blob of stack.azurite.service.getContainerClient(CHECKPOINT_CONTAINER).listBlobsFlat()) etags.set(blob.name, blob.properties.etag);
  return etags;
}

function replay(args: string[], env = stack.env) {
  return new ForwarderProcess(["replay", ...args], env).waitForExit(60_000);
}

beforeAll(async () => {
  stack = await startFlowLogStack();
  for (const [hourIndex, resource] of [
    [0, nsgWeb],
    [1, nsgWeb],
    [1, nsgDb],
    [1, vnetId],
    [2, nsgWeb],
    [2, vnetId],
  ] as const)
    await append(hourIndex, resource, 3);
  const once = await runOnce(stack.env);
  expect(once.code, once.stdout).toBe(0);
  deliveredLive = written.length;
  // Committed after the live run: these blobs are now read only in part.
  await append(1, nsgWeb, 2);
  await append(2, vnetId, 2);
});

afterAll(async () => {
  await stack?.stop();
});

describe("forwarder replay", () => {
  it("re-ships every tuple of the range, partly read blobs whole, without touching the live checkpoints", async () => {
    const checkpointsBefore = await checkpointEtags();
    expect(checkpointsBefore.size).toBeGreaterThan(0);
    const marks = mark();

    const run = await replay(["--since", new Date(hours[1].getTime() + 10 * 60_000).toISOString()]);

    expect(run.code, run.stderr + run.stdout.slice(-2000)).toBe(0);
    const received = receivedSince(marks);
    expect(received.sort()).toEqual(expected((w) => w.hourIndex >= 1));
    expect(new Set(received).size).toBe(received.length);
    expect(run.stderr).toMatch(/replay \[#{24}\] 100% .*, blob 5\/5, \d+ tuples sent/);
    expect(run.stderr).toContain("Everything selected was delivered.");
    expect(await checkpointEtags()).toEqual(checkpointsBefore);

    // The live forwarder resumes from its own checkpoints: it sends what was appended, and only that.
    const afterReplay = mark();
    const once = await runOnce(stack.env);
    expect(once.code, once.stdout).toBe(0);
    expect(receivedSince(afterReplay).sort()).toEqual(
      written
        .slice(deliveredLive)
        .map((w) => generatedTupleKey(w.tuple))
        .sort(),
    );
  });

  it("selects by --target: an NSG by its id in any casing, a VNet by the records' target", async () => {
    let marks = mark();
    const nsgRun = await replay(["--since", hours[1].toISOString(), "--until", hours[2].toISOString(), "--target", nsgDb.toLowerCase()]);
    expect(nsgRun.code, nsgRun.stderr).toBe(0);
    expect(receivedSince(marks).sort()).toEqual(expected((w) => w.hourIndex === 1 && w.resource === nsgDb));

    marks = mark();
    const vnetRun = await replay(["--since", "3h", "--target", vnetId.toUpperCase()]);
    expect(vnetRun.code, vnetRun.stderr).toBe(0);
    expect(receivedSince(marks).sort()).toEqual(expected((w) => w.resource === vnetId));
  });

  it("exits non-zero and says so when the intake refuses the key", async () => {
    const run = await replay(["--since", hours[0].toISOString(), "--until", hours[1].toISOString()], {
      ...stack.env,
      SEKOIA_NSG_INTAKE_KEY: "revoked-key-000000",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Not delivered: The Sekoia intake answered 401 to the NSG intake key");
    expect(run.stderr).toContain("NOT everything selected was delivered");
  });

  it("says nothing was selected, and which hours the sources hold, when the range holds no blob (exit 3)", async () => {
    const marks = mark();
    const since = new Date(hours[0].getTime() - 5 * HOUR_MS).toISOString();
    const until = new Date(hours[0].getTime() - 3 * HOUR_MS).toISOString();

    const run = await replay(["--since", since, "--until", until]);

    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toBe(
      [
        `Nothing selected: no blob has an hour partition in [${since}, ${until}); the 2 source(s) of FLOWLOG_SOURCES hold ${blobs.size} blob(s), of the hours from ${hours[0].toISOString()} to ${hours[2].toISOString()}.`,
        "Choose --since and --until so that the range holds some of these hours.",
        "Nothing was sent.",
        "",
      ].join("\n"),
    );
    expect(receivedSince(marks)).toEqual([]);
  });

  it("says nothing was selected when --target covers no resource of the range, naming those there are (exit 3)", async () => {
    const missing = nsgResourceId("00000000-0000-0000-0000-000000000008", "rg-replay", "nsg-missing");
    const marks = mark();

    // All three hours: the NSG blobs' paths do not name it, so the VNet records are read and none is its.
    const run = await replay(["--since", hours[0].toISOString(), "--target", missing]);

    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(`Nothing selected: --target ${missing} covers none of the ${blobs.size} blob(s) in [${hours[0].toISOString()}, `);
    expect(run.stderr).toContain(`) of the 2 source(s) of FLOWLOG_SOURCES, nor any of the ${vnetRecords} VNet record(s) read from them.\n`);
    expect(run.stderr).toContain(`\nTheir paths name: ${nsgWeb}, ${nsgDb}, ${flowLogId}.\n`);
    expect(run.stderr).toContain(`\nTheir VNet records name: ${vnetId}.\n`);
    expect(run.stderr).toMatch(/\n--target takes the id of an NSG, .*\nNothing was sent\.\n$/);
    expect(run.stderr).not.toContain("Everything selected was delivered");
    expect(receivedSince(marks)).toEqual([]);

    // An hour of NSG blobs only: nothing to read, and nothing sent.
    const nsgOnly = await replay(["--since", hours[0].toISOString(), "--until", hours[1].toISOString(), "--target", missing]);
    expect(nsgOnly.code, nsgOnly.stderr).toBe(3);
    expect(nsgOnly.stderr).toMatch(
      new RegExp(
        `^Nothing selected: --target ${missing} covers none of the 1 blob\\(s\\) in \\[[^)]+\\) of the 2 source\\(s\\) of FLOWLOG_SOURCES\\.\\nTheir paths name: ${nsgWeb}\\.\\n`,
      ),
    );
    expect(receivedSince(marks)).toEqual([]);
  });

  it("refuses a --target that is no resource id, which could select nothing, as a usage error", async () => {
    const run = await replay(["--since", "3h", "--target", "nsg-web"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^--target is "nsg-web"; expected a resource id from \/subscriptions\/ on, such as .+\.\n\nUsage: node forwarder.js replay/);
  });

  it("requires --since", async () => {
    const run = await replay([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^--since is required\.\n\nUsage: node forwarder.js replay/);
  });
});
