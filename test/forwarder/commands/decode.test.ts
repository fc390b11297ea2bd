// `decode`, run in the bundle: for a blob committed block by block as Azure does, it prints exactly the
// events the forwarder delivers; it detects the kind from the records, reads stdin, reports malformed
// input by reason, and obeys --kind. A path that names no file is a usage error naming it, and input
// that is no flow-log blob is said to be so rather than reported as malformed records.

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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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

  it("refuses a path that names no file, or a directory, as a usage error naming it", () => {
    const missing = path.join(dir, "no-such-PT1H.json");
    const absent = runDecodeWithStdin([missing], "");
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(new RegExp(`^${escapeRegExp(missing)} does not exist\\.\\n\\nUsage: node forwarder.js decode`));

    const directory = runDecodeWithStdin([dir], "");
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(
      new RegExp(`^${escapeRegExp(dir)} is a directory; decode takes one PT1H.json file, or - for stdin\\.\\n\\nUsage: node forwarder.js decode`),
    );
    expect(absent.stdout + directory.stdout).toBe("");
  });

  it.each([
    ["an empty input", "", "the input is empty"],
    ["a JSON object without records", '{"value":[{"id":"x"}]}', 'it is a JSON object without "records"'],
    ["a JSON array", '[{"records":[]}]', 'it is JSON, but an array, not an object with a "records" array'],
    ["records that are no array", '{"records":{"time":"x"}}', 'its "records" is an object, not an array of flow-log records'],
    [
      "records of no flow-log shape",
      '{"records":[{"time":"2026-11-01T00:00:00Z","category":"StorageRead"},{"time":"2026-11-01T00:01:00Z","category":"StorageRead"}]}',
      "none of its 2 record(s) is an NSG flow-log record (properties.flows) or a VNet one (flowRecords); pass --kind if it is one",
    ],
  ])("says %s is not an Azure flow-log blob, exit code 1", (_what, input, reason) => {
    const run = runDecodeWithStdin(["-"], input);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`stdin: not an Azure flow-log blob: ${reason}.\n`);
  });

  it("still decodes a truncated blob and an empty one as flow-log blobs, naming what is malformed", () => {
    const record = gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDDEC003", rules: 1, tuplesPerRule: 2 }).record;
    const truncated = runDecodeWithStdin(["-"], vnetDocument([record, record]).slice(0, -2));
    expect(truncated.code).toBe(1);
    expect(truncated.stdout.trimEnd().split("\n")).toHaveLength(4);
    expect(truncated.stderr).toMatch(
      /^stdin: 2 records \(vnet\), 4 tuples, 1 malformed\.\n {2}invalid_json: 1 \(first: at byte \d+: the blob does not end with \]\}\)\n$/,
    );

    const empty = runDecodeWithStdin(["-"], '{"records":[]}');
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toBe("stdin: 0 records, 0 tuples, 0 malformed.\n");
  });

  it("names the problem and prints its usage on a bad argument", () => {
    const run = runDecodeWithStdin(["--kind", "ipfix", "-"], "");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^--kind is "ipfix"; expected nsg or vnet\.\n\nUsage: node forwarder.js decode/);
  });
});
