// The bundle as a service: it picks up records appended while it runs, serves health, readiness and
// metrics, sends nothing on idle polls, stops cleanly on SIGTERM, and after a restart resumes where
// the last acknowledged batch ended. Sources are read with a read-only (rl) SAS.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/azurite";
import { AzureFlowLogBlob, FlowLogGenerator, nsgBlobName, nsgResourceId, vnetBlobName } from "../helpers/flow-logs";
import { NSG_CONTAINER as NSG, NSG_KEY, startFlowLogStack, VNET_CONTAINER as VNET, VNET_KEY, type FlowLogStack } from "../helpers/flow-log-stack";
import { ForwarderProcess } from "../helpers/forwarder-process";
import { waitFor } from "../helpers/wait-for";

let stack: FlowLogStack;
let env: Record<string, string>;
let healthPort: number;
const gen = new FlowLogGenerator(11);
const expected = new Set<string>();
const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const nsgId = nsgResourceId("00000000-0000-0000-0000-0000000000aa", "rg-svc", "nsg-svc");
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-0000000000AA/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_NORTHEUROPE/FLOWLOGS/VNET-SVC";
let nsgBlob: AzureFlowLogBlob;
let vnetBlob: AzureFlowLogBlob;

beforeAll(async () => {
  stack = await startFlowLogStack();
  healthPort = await freePort();
  env = { ...stack.env, POLL_INTERVAL_SECONDS: "1", HEALTH_PORT: String(healthPort) };
  nsgBlob = new AzureFlowLogBlob(stack.azurite.service.getContainerClient(NSG), nsgBlobName(nsgId, hour, "000D3AF1A2B3"));
  vnetBlob = new AzureFlowLogBlob(stack.azurite.service.getContainerClient(VNET), vnetBlobName(flowLogId, hour, "000D3AF1C4D5"));
});

afterAll(async () => {
  await stack?.stop();
});

async function appendBoth(records: number): Promise<void> {
  for (let i = 0; i < records; i++) {
    const nsg = gen.nsgRecord(nsgId, { time: new Date(), mac: "000D3AF1A2B3" });
    const vnet = gen.vnetRecord("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", flowLogId, {
      time: new Date(),
      mac: "000D3AF1C4D5",
    });
    await nsgBlob.append([nsg.record]);
    await vnetBlob.append([vnet.record]);
    for (const t of [...nsg.tuples, ...vnet.tuples]) expected.add(t.tuple);
  }
}

function received(): string[] {
  return [...stack.intake.events(NSG_KEY), ...stack.intake.events(VNET_KEY)].map((e) => (JSON.parse(e) as Record<string, string>)["flow.0"]);
}

async function allDelivered(what: string): Promise<void> {
  await waitFor(what, () => received().length >= expected.size, 60_000);
  expect(new Set(received())).toEqual(expected);
  expect(received()).toHaveLength(expected.size);
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${healthPort}${path}`);
  return { status: response.status, body: await response.text() };
}

describe("forwarder service", () => {
  let service: ForwarderProcess;

  it("delivers records appended while it runs, each tuple once", async () => {
    await appendBoth(2);
    service = new ForwarderProcess([], env);
    await service.waitForLog("that it started", (l) => l.msg === "Forwarder started.");
    await allDelivered("the first records delivered");
    for (let round = 0; round < 3; round++) {
      await appendBoth(2);
      await allDelivered(`round ${round} of appends delivered`);
    }
  });

  it("picks up a resource that starts logging while it runs (another NSG of the resource group)", async () => {
    const newNsg = nsgResourceId("00000000-0000-0000-0000-0000000000aa", "rg-svc", "nsg-svc-2");
    const blob = new AzureFlowLogBlob(stack.azurite.service.getContainerClient(NSG), nsgBlobName(newNsg, hour, "000D3AF1E6F7"));
    const record = gen.nsgRecord(newNsg, { time: new Date(), mac: "000D3AF1E6F7" });
    await blob.append([record.record]);
    for (const t of record.tuples) expected.add(t.tuple);
    await allDelivered("the new NSG's tuples delivered within a few polls, not at the next full walk");
  });

  it("serves liveness, readiness and Prometheus metrics", async () => {
    expect(await get("/healthz")).toEqual({ status: 200, body: "ok\n" });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, storage: "ok", checkpoints: "ok", intake: "ok" });
    const metrics = (await get("/metrics")).body;
    const sent = [...metrics.matchAll(/^flowlog_tuples_sent_total\{kind="(nsg|vnet)"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[2]), 0);
    expect(sent).toBe(expected.size);
    expect(metrics).toMatch(/^flowlog_lag_seconds \d/m);
    expect(metrics).toMatch(/^flowlog_bytes_read_total\{kind="nsg"\} \d+$/m);
  });

  it("sends nothing on polls that find nothing new", async () => {
    const polls = () => service.logs.filter((l) => l.msg === "Poll finished.").length;
    const before = stack.intake.requests.length;
    const pollsBefore = polls();
    await waitFor("three idle polls", () => polls() >= pollsBefore + 3, 60_000);
    expect(stack.intake.requests.length).toBe(before);
  });

  it("stops on SIGTERM with exit code 0 within 20 s, keeping secrets out of its output", async () => {
    const started = Date.now();
    service.child.kill("SIGTERM");
    const run = await service.waitForExit(20_000);
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.logs.at(-1)?.msg).toBe("Forwarder stopped.");
    for (const secret of [NSG_KEY, VNET_KEY, new URL(stack.azurite.containerSasUrl(NSG)).searchParams.get("sig")!]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it("resumes after a restart with what was committed while it was down, and nothing twice", async () => {
    await appendBoth(3);
    service = new ForwarderProcess([], env);
    await allDelivered("records committed during the downtime delivered after the restart");
    service.child.kill("SIGTERM");
    expect((await service.waitForExit(20_000)).code).toBe(0);
  });
});
