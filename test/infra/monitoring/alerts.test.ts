// infra/alerts.ts: "delivered nothing while flow logs are written" and "restarts repeatedly", on the
// workspace; flow-log writes logged to it; e-mail through an action group only when configured.
import { describe, expect, it } from "vitest";
import { flowLogsStoppedQuery, noDeliveryQuery, restartQuery } from "../../../infra/monitoring/alert-queries";
import { isoMinutes } from "../../../infra/monitoring/alerts";
import { defaultConfig, ids, oneOf, resourcesOf, runStack, SUBSCRIPTION, T } from "../harness";

describe.each([false, true])("alerts (preview: %s)", (preview) => {
  it("creates both rules on the workspace, wired to the e-mail action group", async () => {
    const run = await runStack({
      config: { ...defaultConfig(), alertNoDeliveryMinutes: "60", alertRestartCount: "5", alertEmail: "soc@example.com" },
      preview,
    });
    const workspaceId = run.outputs.logAnalyticsWorkspaceId as string;
    const appName = run.outputs.forwarderAppName as string;
    const group = oneOf(run, T.actionGroup);
    expect(group.inputs).toMatchObject({
      location: "Global",
      enabled: true,
      emailReceivers: [{ name: "operator", emailAddress: "soc@example.com", useCommonAlertSchema: true }],
    });
    expect((group.inputs.groupShortName as string).length).toBeLessThanOrEqual(12);

    const noDelivery = oneOf(run, T.rule, "alerts-no-delivery").inputs as any;
    expect(noDelivery).toMatchObject({ kind: "LogAlert", enabled: true, scopes: [workspaceId], windowSize: "PT1H", evaluationFrequency: "PT5M" });
    expect(noDelivery.criteria.allOf[0]).toMatchObject({
      query: noDeliveryQuery(appName, 60),
      timeAggregation: "Count",
      operator: "GreaterThan",
      threshold: 0,
    });
    expect(noDelivery.actions.actionGroups).toEqual([expect.stringContaining("alerts-email")]);

    const restarts = oneOf(run, T.rule, "alerts-restarts").inputs as any;
    expect(restarts).toMatchObject({ kind: "LogAlert", scopes: [workspaceId], windowSize: "PT1H" });
    expect(restarts.criteria.allOf[0]).toMatchObject({
      query: restartQuery(appName),
      metricMeasureColumn: "restarts",
      timeAggregation: "Total",
      operator: "GreaterThanOrEqual",
      threshold: 5,
    });
  });

  it("skips ARM's query validation on every rule: the queried tables do not exist on a new workspace", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const rules = resourcesOf(run, T.rule);
    expect(rules.map((r) => r.name).sort()).toEqual(["alerts-flow-logs-stopped", "alerts-no-delivery", "alerts-restarts"]);
    for (const rule of rules) expect(rule.inputs.skipQueryValidation).toBe(true);
  });

  it("alerts per flow-log account when fewer of its flow logs write than the stack points there, inlining no target", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const stopped = oneOf(run, T.rule, "alerts-flow-logs-stopped").inputs as any;
    const storage = (run.outputs.flowLogStorage as Record<string, Record<string, { accountName: string }>>)[SUBSCRIPTION];
    expect(stopped).toMatchObject({
      scopes: [run.outputs.logAnalyticsWorkspaceId],
      windowSize: "PT1H",
      overrideQueryTimeRange: "P2D",
      evaluationFrequency: "PT15M",
      autoMitigate: true,
      severity: 1,
    });
    expect(stopped.criteria.allOf[0]).toMatchObject({
      // westeurope holds the VNet's and the NSG's flow logs, northeurope the subnet's.
      query: flowLogsStoppedQuery([
        { account: storage.westeurope.accountName, flowLogs: 2 },
        { account: storage.northeurope.accountName, flowLogs: 1 },
      ]),
      timeAggregation: "Count",
      operator: "GreaterThan",
      threshold: 0,
      dimensions: [{ name: "AccountName", operator: "Include", values: ["*"] }],
    });
    expect(stopped.criteria.allOf[0].query).not.toContain(ids.vnet("vnet-weu").toUpperCase());
    expect(run.outputs.alertRuleIds).toHaveProperty("flowLogsStopped");
  });

  it("logs the flow-log accounts' writes to the workspace, the evidence that flow logs are being written", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const settings = resourcesOf(run, T.diagnostic).filter((s) => s.name.startsWith("alerts-"));
    expect(settings.map((s) => s.name).sort()).toEqual(["alerts-writes-northeurope", "alerts-writes-westeurope"]);
    for (const s of settings) {
      expect(s.inputs).toMatchObject({ workspaceId: run.outputs.logAnalyticsWorkspaceId, logs: [{ category: "StorageWrite", enabled: true }] });
      expect(s.inputs.resourceUri).toMatch(/\/fl(west|north)europe[a-z0-9]+\/blobServices\/default$/);
    }
  });
});

describe("without alertEmail", () => {
  it("creates the rules but no action group", async () => {
    const run = await runStack({ config: defaultConfig() });
    expect(resourcesOf(run, T.actionGroup)).toEqual([]);
    expect(resourcesOf(run, T.rule)).toHaveLength(3);
    for (const rule of resourcesOf(run, T.rule)) expect(rule.inputs.actions).toBeUndefined();
    expect(run.outputs.alertActionGroupId).toBeUndefined();
  });
});

describe("queries", () => {
  it("read the resource-specific tables of the azure-monitor log destination, each tolerant of not existing yet", () => {
    const q = noDeliveryQuery("forwarder-app1", 30);
    expect(q).toContain(
      "union isfuzzy=true (datatable(TimeGenerated:datetime, AccountName:string, OperationName:string, ObjectKey:string)[]), StorageBlobLogs",
    );
    expect(q).toContain("union isfuzzy=true (datatable(TimeGenerated:datetime, ContainerAppName:string, Log:string)[]), ContainerAppConsoleLogs");
    expect(q).toContain('ContainerAppName == "forwarder-app1"');
    expect(q).toContain("ago(30m)");
    expect(q).not.toMatch(/_CL\b|_s\b/);
    expect(restartQuery("forwarder-app1")).toMatch(
      /^union isfuzzy=true \(datatable\(TimeGenerated:datetime, ContainerAppName:string, Reason:string\)\[\]\), ContainerAppSystemLogs\n/,
    );
    expect(restartQuery("forwarder-app1")).not.toContain("ContainerTerminated");
  });

  it("windows use the ISO-8601 form Azure keeps", () => {
    expect([5, 45, 60, 120, 1440, 2880].map(isoMinutes)).toEqual(["PT5M", "PT45M", "PT1H", "PT2H", "P1D", "P2D"]);
  });
});
