// A wrong intake key is an operator error: the service says so loudly (log code, /readyz), stops
// re-reading the backlog on every poll while the intake refuses it, loses nothing, and delivers
// everything once restarted with the right key.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/azurite";
import { AzureFlowLogBlob, FlowLogGenerator, vnetBlobName } from "../helpers/flow-logs";
import { eventTupleKey, generatedTupleKey, startFlowLogStack, VNET_CONTAINER, VNET_KEY, type FlowLogStack } from "../helpers/flow-log-stack";
import { ForwarderProcess } from "../helpers/forwarder-process";
import { waitFor } from "../helpers/wait-for";

const WRONG_KEY = "revoked-vnet-intake-key-000000";
const flowLogId =
  "/SUBSCRIPTIONS/00000000-0000-0000-0000-0000000000BB/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/VNET-KEY";

let stack: FlowLogStack;
const expected: string[] = [];

beforeAll(async () => {
  stack = await startFlowLogStack();
  const gen = new FlowLogGenerator(23);
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const blob = new AzureFlowLogBlob(stack.azurite.service.getContainerClient(VNET_CONTAINER), vnetBlobName(flowLogId, hour, "000D3A11B22C"));
  const records = Array.from({ length: 20 }, () =>
    gen.vnetRecord("/subscriptions/x/virtualNetworks/v", flowLogId, { time: hour, mac: "000D3A11B22C", tuplesPerRule: 50 }),
  );
  await blob.append(records.map((r) => r.record));
  expected.push(...records.flatMap((r) => r.tuples.map(generatedTupleKey)));
});

afterAll(async () => {
  await stack?.stop();
});

function vnetOnly(key: string, port: number): Record<string, string> {
  const vnetSource = stack.env.FLOWLOG_SOURCES.split(",").find((u) => u.includes(VNET_CONTAINER))!;
  return {
    ...stack.env,
    FLOWLOG_SOURCES: vnetSource,
    SEKOIA_NSG_INTAKE_KEY: "",
    SEKOIA_VNET_INTAKE_KEY: key,
    POLL_INTERVAL_SECONDS: "1",
    HEALTH_PORT: String(port),
  };
}

describe("a rejected intake key", () => {
  it("is reported loudly and pauses reading, without losing anything", async () => {
    const port = await freePort();
    const service = new ForwarderProcess([], vnetOnly(WRONG_KEY, port));
    await service.waitForLog("a key rejection", (l) => (l.err as { code?: string } | undefined)?.code === "INTAKE_KEY_REJECTED");
    await waitFor("three more polls", () => service.logs.filter((l) => l.msg === "Poll finished.").length >= 4, 60_000);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { intake: string }).intake).toContain("SEKOIA_VNET_INTAKE_KEY");
    const bytesRead = service.logs.filter((l) => l.msg === "Poll finished.").map((l) => l.bytesRead as number);
    // The first poll read the blob; the polls after it read nothing while the key stays refused.
    expect(bytesRead[0]).toBeGreaterThan(0);
    expect(bytesRead.slice(1).every((b) => b === 0)).toBe(true);
    expect(stack.intake.events(VNET_KEY)).toEqual([]);
    expect(service.stdout).not.toContain(WRONG_KEY);
    service.child.kill("SIGTERM");
    expect((await service.waitForExit(20_000)).code).toBe(0);
  });

  it("delivers everything once the service restarts with the right key", async () => {
    const service = new ForwarderProcess([], vnetOnly(VNET_KEY, await freePort()));
    await waitFor("every tuple delivered", () => stack.intake.events(VNET_KEY).length >= expected.length, 60_000);
    expect(stack.intake.events(VNET_KEY).map(eventTupleKey).sort()).toEqual([...expected].sort());
    service.child.kill("SIGTERM");
    expect((await service.waitForExit(20_000)).code).toBe(0);
  });
});
