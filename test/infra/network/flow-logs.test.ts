// infra/flow-logs.ts: one flow log per target, JSON version 2, enabled, under the region's watcher,
// writing to the region's account, no flow-log retention (the account's lifecycle rule owns it).
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { FlowLogs, flowLogName } from "../../../infra/network/flow-logs";
import { recordingMocks } from "../../../infra/plan/mocks";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { defaultConfig, ids, oneOf, resourcesOf, runStack, T } from "../harness";

describe.each([false, true])("flow logs (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: defaultConfig(), preview });
  });

  it("registers one flow log per target, in the target's region", () => {
    const logs = resourcesOf(run, T.flowLog);
    expect(logs.map((l) => [l.inputs.targetResourceId, l.inputs.location]).sort()).toEqual(
      [
        [ids.vnet("vnet-weu"), "westeurope"],
        [ids.subnet("vnet-neu", "snet-app"), "northeurope"],
        [ids.nsg("nsg-weu"), "westeurope"],
      ].sort(),
    );
  });

  it("writes JSON version 2, enabled, without flow-log retention, under the adopted watcher", () => {
    for (const log of resourcesOf(run, T.flowLog)) {
      expect(log.inputs).toMatchObject({
        enabled: true,
        format: { type: "JSON", version: 2 },
        retentionPolicy: { enabled: false, days: 0 },
        networkWatcherName: `NetworkWatcher_${log.inputs.location as string}`,
        resourceGroupName: "NetworkWatcherRG",
      });
    }
  });

  it("sends traffic analytics switched off explicitly: Azure refuses a PUT without the block once it was on (FlowLogConfigurationCannotBeUpdated)", () => {
    // Turning trafficAnalytics off, or adopting a flow log Azure Policy made with it on, must still send the block.
    for (const log of resourcesOf(run, T.flowLog)) {
      expect(log.inputs.flowAnalyticsConfiguration).toEqual({ networkWatcherFlowAnalyticsConfiguration: { enabled: false } });
    }
  });

  it("points each flow log at the storage account of its own region", () => {
    for (const log of resourcesOf(run, T.flowLog)) {
      const account = oneOf(run, T.account, `flowlogs-${log.inputs.location as string}-account`);
      expect(log.inputs.storageId).toMatch(new RegExp(`/${account.inputs.accountName as string}$`));
    }
  });

  it("uses the configured flowLogName to adopt an existing flow log", () => {
    const nsg = resourcesOf(run, T.flowLog).find((l) => l.inputs.targetResourceId === ids.nsg("nsg-weu"))!;
    expect(nsg.inputs.flowLogName).toBe("existing-nsg-flowlog");
  });

  it("creates the flow logs under one watcher one after another, and never two per region at once", () => {
    const weu = resourcesOf(run, T.flowLog).filter((l) => l.inputs.location === "westeurope");
    expect(weu).toHaveLength(2);
    const names = new Set(resourcesOf(run, T.flowLog).map((l) => l.name));
    const waitsFor = (l: (typeof weu)[number]) => (l.options?.dependsOn ?? []).filter((d) => names.has(d));
    const [first, second] = weu.map((l) => ({ l, after: waitsFor(l) })).sort((a, b) => a.after.length - b.after.length);
    expect(first.after).toEqual([]);
    expect(second.after).toEqual([first.l.name]);
    const neu = resourcesOf(run, T.flowLog).filter((l) => l.inputs.location === "northeurope");
    expect(neu.map(waitsFor)).toEqual([[]]);
  });

  it("deletes a replaced flow log before creating its successor (Azure allows one per target)", () => {
    for (const log of resourcesOf(run, T.flowLog)) expect(log.options?.deleteBeforeReplace).toBe(true);
  });

  it("leaves an adopted flow log in Azure on destroy or removal, and only that one", () => {
    const retained = resourcesOf(run, T.flowLog).filter((l) => l.options?.retainOnDelete);
    expect(retained.map((l) => l.inputs.flowLogName)).toEqual(["existing-nsg-flowlog"]);
  });
});

describe("traffic analytics", () => {
  it("is configured on every flow log when switched on, with the workspace and interval", async () => {
    const run = await runStack({ config: { ...defaultConfig(), trafficAnalytics: "true", trafficAnalyticsIntervalMinutes: "10" } });
    const workspace = oneOf(run, "azure-native:operationalinsights:Workspace");
    for (const log of resourcesOf(run, T.flowLog)) {
      expect(log.inputs.flowAnalyticsConfiguration).toEqual({
        networkWatcherFlowAnalyticsConfiguration: {
          enabled: true,
          trafficAnalyticsInterval: 10,
          workspaceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          workspaceRegion: "westeurope",
          workspaceResourceId: expect.stringContaining(workspace.name),
        },
      });
    }
  });
});

describe("flowLogName", () => {
  it("is unique per target and within Azure's 80 characters", () => {
    const long = { id: ids.vnet("v".repeat(80)), kind: "vnet" as const, name: "v".repeat(80) };
    expect(flowLogName(long)).toHaveLength(80);
    expect(flowLogName(long)).toMatch(/^sekoia-vnet-v+-[0-9a-f]{8}$/);
    expect(flowLogName({ ...long, id: ids.vnet("v".repeat(80), "other") })).not.toBe(flowLogName(long));
  });
});

describe("FlowLogs component", () => {
  it("parents its flow logs and names them after itself", async () => {
    await pulumi.runtime.setMocks(recordingMocks({ resources: [], calls: [] }), "sekoia-flowlogs", "test", false);
    const component = new FlowLogs("flowlogs-westeurope", {
      region: "westeurope",
      targets: [
        { key: "targets[0]", id: ids.vnet("v"), location: "westeurope", kind: "vnet", family: "vnet", subscriptionId: "s", resourceGroup: "rg-net", name: "v" },
      ],
      networkWatcherName: "NetworkWatcher_westeurope",
      networkWatcherResourceGroupName: "NetworkWatcherRG",
      storageAccountId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a",
    });
    const urn = await new Promise<string>((resolve) => component.flowLogs[0].urn.apply(resolve));
    expect(urn).toMatch(/::sekoia-flowlogs:infra:FlowLogs\$azure-native:network:FlowLog::flowlogs-westeurope-vnet-[0-9a-f]{8}$/);
  });
});
