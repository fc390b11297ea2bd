// `decode`, run in the bundle: for a blob committed block by block as Azure does, it prints exactly the
// events the forwarder delivers; it detects the kind from the records, reads stdin, reports malformed
// input by reason, and obeys --kind.

import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStream } from "../../../forwarder/source/read-stream";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId } from "../../helpers/flow-logs";
import { BUNDLE, ForwarderProcess, runOnce } from "../../helpers/forwarder-process";
import { NSG_CONTAINER, NSG_KEY, startFlowLogStack, type FlowLogStack } from "../../helpers/flow-log-stack";

let stack: FlowLogStack;
let dir: string;
const gen = new FlowLogGenerator(61);
const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-000000000006", "rg-decode", "nsg-decode");
const vnetId = "/subscriptions/00000000-0000-0000-0000-000000000006/resourceGroups/rg-decode/providers/Microsoft.Network/virtualNetworks/vnet-decode";
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000006/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL-DECODE";

beforeAll(async () => {
  stack = await startFlowLogStack();
  dir = await mkdtemp(path.join(tmpdir(), "decode-test-"));
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runDecodeWithStdin(args: string[], input: string) {
  const run = spawnSync(process.execPath, [BUNDLE, "decode", ...args], { input, encoding: "utf8", timeout: 20_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function vnetDocument(records: Record<string, unknown>[]): string {
  return `{"records":[${records.map((r) => JSON.stringify(r)).join(",")}]}`;
}

describe("forwarder decode", () => {
  it("prints exactly the events the forwarder delivers for the same blob", async () => {
    const container = stack.azurite.service.getContainerClient(NSG_CONTAINER);
    const blob = new AzureFlowLogBlob(container, nsgBlobName(nsgId, hour, "00224826DEC0"));
    await blob.append([2, 2, 1].map((version) => gen.nsgRecord(nsgId, { time: hour, mac: "00224826DEC0", version: version as 1 | 2 }).record));
    const file = path.join(dir, "PT1H.json");
    const download = await container.getBlockBlobClient(blob.name).download();
    await writeFile(file, await readStream(download.readableStreamBody!));

    const decoded = await new ForwarderProcess(["decode", file], {}).waitForExit(20_000);
    const shipped = await runOnce(stack.env);

    expect(shipped.code, shipped.stdout).toBe(0);
    expect(decoded.code, decoded.stderr).toBe(0);
    const lines = decoded.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(30);
    expect([...lines].sort()).toEqual([...stack.intake.events(NSG_KEY)].sort());
    expect(decoded.stderr).toBe(`${file}: 3 records (nsg), 30 tuples, 0 malformed.\n`);
  });

  it("detects VNet records on stdin and reports malformed tuples by reason", () => {
    const good = gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDDEC001", rules: 1, tuplesPerRule: 4 }).record;
    const bad = gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDDEC001", rules: 1, tuplesPerRule: 3 }).record;
    const badGroup = (bad.flowRecords as { flows: { flowGroups: { flowTuples: string[] }[] }[] }).flows[0].flowGroups[0];
    badGroup.flowTuples[1] = badGroup.flowTuples[1].split(",").slice(0, 9).join(",");

    const run = runDecodeWithStdin(["-"], vnetDocument([good, bad]));

    expect(run.code).toBe(1);
    const events = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toHaveLength(6);
    expect(events[0]).toMatchObject({ flowLogVersion: 4, operationName: "FlowLogFlowEvent", targetResourceID: vnetId });
    expect(run.stderr).toContain("stdin: 2 records (vnet), 6 tuples, 1 malformed.");
    expect(run.stderr).toContain("invalid_tuple: 1 (first: VNet rule DefaultRule_AllowInternetOutBound: tuple has 9 fields, expected 13 fields)");
  });

  it("decodes as the kind --kind names, so a VNet blob read as NSG is all mismatches", () => {
    const record = gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDDEC002" }).record;
    const run = runDecodeWithStdin(["--kind", "nsg", "-"], vnetDocument([record, record]));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("stdin: 2 records (nsg), 0 tuples, 2 malformed.");
    expect(run.stderr).toContain("kind_mismatch: 2");
  });

  it("names the problem and prints its usage on a bad argument", () => {
    const run = runDecodeWithStdin(["--kind", "ipfix", "-"], "");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^--kind is "ipfix"; expected nsg or vnet\.\n\nUsage: node forwarder.js decode/);
  });
});
