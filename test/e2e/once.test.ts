// The bundle, run with --once against Azurite and a contract-enforcing loopback intake: every tuple
// of NSG and VNet blobs committed block by block arrives once, with its fields intact; appends between
// runs are delivered and nothing else; an idle run sends nothing; a read-only SAS suffices.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Azurite } from "../helpers/azurite";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName, type GeneratedTuple } from "../helpers/flow-logs";
import { runOnce } from "../helpers/forwarder-process";
import { IntakeServer } from "../helpers/intake-server";

const NSG_KEY = "nsg-intake-key-0123456789";
const VNET_KEY = "vnet-intake-key-9876543210";
const NSG = "insights-logs-networksecuritygroupflowevent";
const VNET = "insights-logs-flowlogflowevent";

let azurite: Azurite;
let intake: IntakeServer;
let env: Record<string, string>;
const gen = new FlowLogGenerator(7);
const written: GeneratedTuple[] = [];

beforeAll(async () => {
  azurite = await Azurite.start();
  intake = await IntakeServer.start({ keys: [NSG_KEY, VNET_KEY], basePath: "/api/v1/intake-http" });
  for (const c of [NSG, VNET, "checkpoints"]) await azurite.createContainer(c);
  env = {
    FLOWLOG_SOURCES: [azurite.containerSasUrl(NSG), azurite.containerSasUrl(VNET)].join(","),
    CHECKPOINT_URL: azurite.containerSasUrl("checkpoints", "racwdl"),
    SEKOIA_INTAKE_URL: intake.url,
    SEKOIA_NSG_INTAKE_KEY: NSG_KEY,
    SEKOIA_VNET_INTAKE_KEY: VNET_KEY,
  };
});

afterAll(async () => {
  await intake?.stop();
  await azurite?.stop();
});

const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const previousHour = new Date(hour.getTime() - 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-000000000001", "rg-app", "nsg-web");
const flowLogId = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNET-APP";
const vnetId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/vnet-app";

function keyOf(t: { tuple: string; mac: string; rule: string; time: string }): string {
  return `${t.tuple}|${t.mac}|${t.rule}|${t.time}`;
}

function receivedTuples(): string[] {
  return [...intake.events(NSG_KEY), ...intake.events(VNET_KEY)].map((e) => {
    const event = JSON.parse(e) as Record<string, string>;
    return keyOf({ tuple: event["flow.0"], mac: event.macAddress, rule: event.rule, time: event.time });
  });
}

async function appendRecords(blob: AzureFlowLogBlob, make: () => { record: Record<string, unknown>; tuples: GeneratedTuple[] }, count: number) {
  const records = Array.from({ length: count }, make);
  await blob.append(records.map((r) => r.record));
  for (const r of records) written.push(...r.tuples);
}

describe("forwarder --once against Azurite", () => {
  const nsgContainer = () => azurite.service.getContainerClient(NSG);
  const vnetContainer = () => azurite.service.getContainerClient(VNET);
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

    const run = await runOnce(env);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);
    expect(receivedTuples().sort()).toEqual(written.map(keyOf).sort());

    const nsgEvent = JSON.parse(intake.events(NSG_KEY)[0]) as Record<string, unknown>;
    expect(Object.keys(nsgEvent)).toEqual(["time", "resourceId", "macAddress", "operationName", "rule", "flow.0", "version"]);
    expect(nsgEvent.resourceId).toBe(nsgId);
    expect(nsgEvent.operationName).toBe("NetworkSecurityGroupFlowEvents");
    const vnetEvent = JSON.parse(intake.events(VNET_KEY)[0]) as Record<string, unknown>;
    expect(vnetEvent).toMatchObject({ flowLogVersion: 4, operationName: "FlowLogFlowEvent", targetResourceID: vnetId, flowLogResourceID: flowLogId });
    expect(vnetEvent.aclID).toEqual(expect.any(String));
  });

  it("sends only what was appended since the last run", async () => {
    const before = intake.requests.length;
    await appendRecords(nsgBlob, () => gen.nsgRecord(nsgId, { time: hour, mac: "00224826ABCD" }), 2);
    await appendRecords(vnetBlob, () => gen.vnetRecord(vnetId, flowLogId, { time: hour, mac: "6045BDA1B2C3" }), 1);
    const run = await runOnce(env);
    expect(run.code, run.stdout).toBe(0);
    expect(receivedTuples().sort()).toEqual(written.map(keyOf).sort());
    expect(intake.requests.length).toBeGreaterThan(before);
  });

  it("sends nothing when nothing was committed", async () => {
    const before = intake.requests.length;
    const run = await runOnce(env);
    expect(run.code, run.stdout).toBe(0);
    expect(intake.requests.length).toBe(before);
    expect(receivedTuples()).toHaveLength(written.length);
  });
});
