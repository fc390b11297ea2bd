// infra/index.ts: the stack outputs a platform engineer needs, secrets only as secrets.
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../infra/plan/plan-render";
import { defaultConfig, ids, runStack, SUBSCRIPTION } from "./harness";

describe.each([false, true])("stack outputs (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: defaultConfig(), preview });
  });

  it("give per subscription and region the account, blob endpoint and containers in plain text", () => {
    const bySubscription = run.outputs.flowLogStorage as Record<string, Record<string, { accountName: string; blobEndpoint: string; containers: string[] }>>;
    expect(Object.keys(bySubscription)).toEqual([SUBSCRIPTION]);
    const storage = bySubscription[SUBSCRIPTION];
    expect(Object.keys(storage).sort()).toEqual(["northeurope", "westeurope"]);
    expect(storage.westeurope).toEqual({
      accountName: expect.stringMatching(/^flwesteurope[a-z0-9]+$/),
      blobEndpoint: `https://${storage.westeurope.accountName}.blob.core.windows.net/`,
      containers: ["insights-logs-flowlogflowevent", "insights-logs-networksecuritygroupflowevent"],
    });
    expect(storage.northeurope.containers).toEqual(["insights-logs-flowlogflowevent"]);
  });

  it("give the SAS only as secrets, with its expiry in plain text", () => {
    expect(run.outputs).toMatchObject({ sekoiaSasTokens: "[secret]", sekoiaSasUrls: "[secret]", sasExpiry: "2027-01-01T00:00:00Z" });
  });

  it("map every target to its flow log, per subscription", () => {
    const bySubscription = run.outputs.flowLogIds as Record<string, Record<string, string>>;
    expect(Object.keys(bySubscription)).toEqual([SUBSCRIPTION]);
    const flowLogIds = bySubscription[SUBSCRIPTION];
    expect(Object.keys(flowLogIds).sort()).toEqual([ids.vnet("vnet-weu"), ids.subnet("vnet-neu", "snet-app"), ids.nsg("nsg-weu")].sort());
    expect(flowLogIds[ids.nsg("nsg-weu")]).toMatch(/\/NetworkWatcherRG\/.*\/existing-nsg-flowlog$/);
  });

  it("name the forwarder and give a log query to watch it poll", () => {
    const app = run.outputs.forwarderAppName as string;
    expect(app).toMatch(/^forwarder-app/);
    expect(run.outputs.forwarderLogQuery).toContain(`ContainerAppName == "${app}"`);
    expect(run.outputs.forwarderLogQuery).toContain("ContainerAppConsoleLogs");
    expect(run.outputs.forwarderLogQuery).toContain('"Poll finished."');
    expect(run.outputs.checkpointContainerUrl).toMatch(/\/checkpoints$/);
    expect(run.outputs.flowLogContainers).toEqual({ nsg: "insights-logs-networksecuritygroupflowevent", vnet: "insights-logs-flowlogflowevent" });
    // No scope entry: no selection to report.
    expect(run.outputs).not.toHaveProperty("targetSelections");
  });
});
