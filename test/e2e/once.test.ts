// The bundle, run with --once against Azurite and a contract-enforcing loopback intake: every tuple
// of NSG and VNet blobs committed block by block arrives once, with its fields intact; appends between
// runs are delivered and nothing else; an idle run sends nothing; a read-only SAS suffices.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName, type GeneratedTuple } from "../helpers/flow-logs";
import {
  eventTupleKey,
  generatedTupleKey,
  NSG_CONTAINER as NSG,
  NSG_KEY,
  startFlowLogStack,
  VNET_CONTAINER as VNET,
  VNET_KEY,
  type FlowLogStack,
} from "../helpers/flow-log-stack";
import { runOnce } from "../helpers/forwarder-process";

let stack: FlowLogStack;
const gen = new FlowLogGenerator(7);
const written: GeneratedTuple[] = [];

beforeAll(async () => {
  stack = await startFlowLogStack();
});

afterAll(async () => {
  await stack?.stop();
});

const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const previousHour = new Date(hour.getTime() - 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-000000000001", "rg-app", "nsg-web");
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNET-APP";
const vnetId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-app";

function receivedTuples(): string[] {
  return [...stack.intake.events(NSG_KEY), ...stack.intake.events(VNET_KEY)].map(eventTupleKey);
}

async function appendRecords(blob: AzureFlowLogBlob, make: () => { record: Record<string, unknown>; tuples: GeneratedTuple[] }, count: number) {
  const records = Array.from({ length: count }, make);
  await blob.append(records.map((r) => r.record));
  for (const r of records) written.push(...r.tuples);
}

describe("forwarder --once against Azurite", () => {
  const nsgContainer = () => stack.azurite.service.getContainerClient(NSG);
  const vnetContainer = () => stack.azurite.service.getContainerClient(VNET);
  let nsgBlob: AzureFlowLogBlob;
  let vnetBlob: AzureFlowLogBlob;

  it("delivers every tuple of NSG and VNet blobs once, with the fields Sekoia parses", async () => {
    const oldNsg = new AzureFlowLogBlob(nsgContainer(), nsgBlobName(nsgId, previousHour, "00224826ABCD"));
    await appendRecords(oldNsg, () => gen.nsgRecord(nsgId, { time: previousHour, mac: "00224826ABCD", version: 2 }), 3);
    await appendRecords(oldNsg, () => gen.nsgRecord(nsgId, { time: previousHour, mac: "00224826ABCD", version: 1 }), 2);
    nsgBlob = new AzureFlowLogBlob(nsgContainer(), nsgBlobName(nsgId, hour, "00224826ABCD"));
    await appendRecords(nsgBlob, () => gen.nsgRecord(nsgId, { time: hour, mac: "00224826ABCD" }), 4);
    vnetBlob = new AzureFlowLogBlob(vnetContainer(), vnetBlobName(flowLogId, hour, "6045BDA1B2C3"));
    await appendRecords(vnetBlob, () => gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDA1B2C3", tuplesPerRule: 20 }), 3);

    const run = await runOnce(stack.env);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);
    expect(receivedTuples().sort()).toEqual(written.map(generatedTupleKey).sort());

    const nsgEvent = JSON.parse(stack.intake.events(NSG_KEY)[0]) as Record<string, unknown>;
    expect(Object.keys(nsgEvent)).toEqual(["time", "resourceId", "macAddress", "operationName", "rule", "flow.0", "version"]);
    expect(nsgEvent.resourceId).toBe(nsgId);
    expect(nsgEvent.operationName).toBe("NetworkSecurityGroupFlowEvents");
    const vnetEvent = JSON.parse(stack.intake.events(VNET_KEY)[0]) as Record<string, unknown>;
    expect(vnetEvent).toMatchObject({ flowLogVersion: 4, operationName: "FlowLogFlowEvent", targetResourceID: vnetId, flowLogResourceID: flowLogId });
    expect(vnetEvent.aclID).toEqual(expect.any(String));
  });

  it("sends only what was appended since the last run", async () => {
    const before = stack.intake.requests.length;
    await appendRecords(nsgBlob, () => gen.nsgRecord(nsgId, { time: hour, mac: "00224826ABCD" }), 2);
    await appendRecords(vnetBlob, () => gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDA1B2C3" }), 1);
    const run = await runOnce(stack.env);
    expect(run.code, run.stdout).toBe(0);
    expect(receivedTuples().sort()).toEqual(written.map(generatedTupleKey).sort());
    expect(stack.intake.requests.length).toBeGreaterThan(before);
  });

  it("sends nothing when nothing was committed", async () => {
    const before = stack.intake.requests.length;
    const run = await runOnce(stack.env);
    expect(run.code, run.stdout).toBe(0);
    expect(stack.intake.requests.length).toBe(before);
    expect(receivedTuples()).toHaveLength(written.length);
  });
});
