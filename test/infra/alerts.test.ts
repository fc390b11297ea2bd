// infra/alerts.ts: "delivered nothing while flow logs are written" and "restarts repeatedly", on the
// workspace; flow-log writes logged to it; e-mail through an action group only when configured.
import { describe, expect, it } from "vitest";
import { POLL_FINISHED_MSG } from "../../forwarder/contract";
import { blobPathSource, flowLogsStoppedQuery, isoMinutes, noDeliveryQuery, restartQuery } from "../../infra/monitoring/alerts";
import { defaultConfig, ids, oneOf, resourcesOf, runStack, SUBSCRIPTION, T } from "./harness";

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

  it("alerts per flow log when one that was writing stops, watching exactly the configured flow logs", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const stopped = oneOf(run, T.rule, "alerts-flow-logs-stopped").inputs as any;
    const flowLogIds = (run.outputs.flowLogIds as Record<string, Record<string, string>>)[SUBSCRIPTION];
    const sources = [
      ids.nsg("nsg-weu").toUpperCase(),
      flowLogIds[ids.vnet("vnet-weu")].toUpperCase(),
      flowLogIds[ids.subnet("vnet-neu", "snet-app")].toUpperCase(),
    ];
    expect(stopped).toMatchObject({ scopes: [run.outputs.logAnalyticsWorkspaceId], windowSize: "P1D", severity: 1 });
    expect(stopped.criteria.allOf[0]).toMatchObject({
      query: flowLogsStoppedQuery(sources),
      timeAggregation: "Count",
      operator: "GreaterThan",
      threshold: 0,
      dimensions: [{ name: "source", operator: "Include", values: ["*"] }],
    });
    expect(run.outputs.alertRuleIds).toHaveProperty("flowLogsStopped");
  });

  it("logs the flow-log accounts' writes to the workspace, the evidence that flow logs are being written", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const settings = resourcesOf(run, T.diagnostic);
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
  it("no delivery: flow-log blob commits in the window and a zero sum of tuplesSent from 'Poll finished.' lines", () => {
    const q = noDeliveryQuery("forwarder-app1", 30);
    expect(POLL_FINISHED_MSG).toBe("Poll finished.");
    expect(q).toContain("let window = 30m;");
    expect(q).toContain("StorageBlobLogs");
    expect(q).toContain('OperationName == "PutBlockList" and ObjectKey contains "/insights-logs-"');
    expect(q).toContain("ContainerAppConsoleLogs_CL");
    expect(q).toContain('ContainerAppName_s == "forwarder-app1"');
    expect(q).toContain('tostring(entry.msg) == "Poll finished."');
    expect(q).toContain("sum(tolong(entry.tuplesSent))");
    expect(q).toMatch(/\| where flowLogWrites > 0 and tuplesSent == 0$/);
  });

  it("restarts: counts Container Apps' back-offs of the app, not the terminations of normal revision changes", () => {
    const q = restartQuery("forwarder-app1");
    expect(q).toMatch(/^ContainerAppSystemLogs_CL\n/);
    expect(q).toContain('ContainerAppName_s == "forwarder-app1"');
    expect(q).toContain('Reason_s in~ ("ContainerBackOff")');
    expect(q).not.toContain("ContainerTerminated");
    expect(q).toMatch(/summarize restarts = count\(\)$/);
  });

  it("flow logs stopped: per blob-path source, a PutBlockList in the last day but none in the last hour", () => {
    const q = flowLogsStoppedQuery(["/SUBSCRIPTIONS/S/B", "/SUBSCRIPTIONS/S/A"]);
    expect(q).toContain('let sources = dynamic(["/SUBSCRIPTIONS/S/A","/SUBSCRIPTIONS/S/B"]);');
    expect(q).toContain("| where TimeGenerated > ago(1440m)");
    expect(q).toContain('OperationName == "PutBlockList"');
    expect(q).toContain('extract(@"(?:resourceId|flowLogResourceID)=(/.+?)/y=", 1, ObjectKey)');
    expect(q).toMatch(/summarize lastWrite = max\(TimeGenerated\) by source\n\| where lastWrite < ago\(silence\)$/);
    expect(q).toContain("let silence = 60m;");
  });

  it("blob-path sources: the NSG for NSG flow logs, the flow log for VNet flow logs, upper-cased like Azure's paths", () => {
    expect(blobPathSource("nsg", "/subscriptions/s/rg/nsg1", "/subscriptions/s/fl1")).toBe("/SUBSCRIPTIONS/S/RG/NSG1");
    expect(blobPathSource("vnet", "/subscriptions/s/rg/vnet1", "/subscriptions/s/fl1")).toBe("/SUBSCRIPTIONS/S/FL1");
  });

  it("windows use the ISO-8601 form Azure keeps", () => {
    expect([5, 45, 60, 120, 1440, 2880].map(isoMinutes)).toEqual(["PT5M", "PT45M", "PT1H", "PT2H", "P1D", "P2D"]);
  });
});
