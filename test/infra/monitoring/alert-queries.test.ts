// infra/monitoring/alert-queries.ts, run: the exact rules the program registers (inputs as the mocks
// received them) are evaluated the way Azure Monitor evaluates a log search alert, by the KQL subset
// evaluator in test/helpers/kql/, on sample rows of the real tables: flow-log blob commits in every
// documented path form (StorageBlobLogs), the forwarder's own log line (ContainerAppConsoleLogs) and
// Container Apps' back-off event (ContainerAppSystemLogs). Each rule is shown to fire, and to stay
// quiet, when it should; and to evaluate on a workspace where none of its tables exist yet.
import { beforeAll, describe, expect, it } from "vitest";
import { flowLogsStoppedQuery, noDeliveryQuery, pollLogQuery, restartQuery } from "../../../infra/monitoring/alert-queries";
import { evaluateRule, type RuleInputs } from "../../helpers/kql/alert-rule";
import { evaluate, type Row, type Workspace } from "../../helpers/kql/evaluate";
import { table } from "../../helpers/kql/schemas";
import { defaultConfig, ids, oneOf, plain, runStack, SUBSCRIPTION, T } from "../harness";

const NOW = new Date("2026-06-01T12:00:00Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

let rules: { noDelivery: RuleInputs; restarts: RuleInputs; stopped: RuleInputs };
let app: string;
let weu: string;
let neu: string;
beforeAll(async () => {
  const run = await runStack({ config: { ...defaultConfig(), alertNoDeliveryMinutes: "30", alertRestartCount: "3" } });
  const rule = (name: string) => plain(oneOf(run, T.rule, name).inputs) as unknown as RuleInputs;
  rules = { noDelivery: rule("alerts-no-delivery"), restarts: rule("alerts-restarts"), stopped: rule("alerts-flow-logs-stopped") };
  app = run.outputs.forwarderAppName as string;
  const storage = (run.outputs.flowLogStorage as Record<string, Record<string, { accountName: string }>>)[SUBSCRIPTION];
  weu = storage.westeurope.accountName;
  neu = storage.northeurope.accountName;
});

/** The blob roots Azure writes under, in each documented form. */
const ROOTS = {
  // NSG flow logs: the NSG's ARM id, upper case.
  nsg: `resourceId=${ids.nsg("nsg-weu").toUpperCase()}`,
  // VNet flow logs as "Read flow logs" and the portal show them: {SUB}_{WATCHER-RG}/{WATCHER}_{FLOWLOG}.
  vnetUnderscore: `flowLogResourceID=/${SUBSCRIPTION.toUpperCase()}_NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_SEKOIA-VNET-VNET-WEU-A4DBCE78`,
  // VNet flow logs as the CLI pages show them: the flow log's full ARM id.
  vnetArmId: `flowLogResourceID=/SUBSCRIPTIONS/${SUBSCRIPTION.toUpperCase()}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_NORTHEUROPE/FLOWLOGS/SEKOIA-SUBNET-SNET-APP-5052D6E1`,
};
const CONTAINERS = { nsg: "insights-logs-networksecuritygroupflowevent", vnet: "insights-logs-flowlogflowevent" };

/** A StorageBlobLogs row of Azure committing (PutBlockList) or staging (PutBlock) a block of a flow-log blob. */
function commit(account: string, root: string, minutesAgo: number, operation = "PutBlockList"): Row {
  const container = root.startsWith("resourceId=") ? CONTAINERS.nsg : CONTAINERS.vnet;
  const blob = `${root}/y=2026/m=06/d=01/h=11/m=00/macAddress=6045BD000001/PT1H.json`;
  return {
    TimeGenerated: ago(minutesAgo),
    AccountName: account,
    Category: "StorageWrite",
    OperationName: operation,
    ObjectKey: `/${account}/${container}/${blob}`,
    Uri: `https://${account}.blob.core.windows.net:443/${container}/${blob}?comp=blocklist`,
    StatusCode: "201",
    StatusText: "Success",
    ServiceType: "blob",
    AuthenticationType: "AccountKey",
  };
}

/** The forwarder's end-of-poll line as pino writes it, in a ContainerAppConsoleLogs row. */
function pollLine(appName: string, minutesAgo: number, tuplesSent: number): Row {
  const line = { level: 30, time: ago(minutesAgo).getTime(), pid: 1, msg: "Poll finished.", blobsRead: 2, tuplesRead: tuplesSent, tuplesSent, failures: 0 };
  return {
    TimeGenerated: ago(minutesAgo),
    ContainerAppName: appName,
    ContainerName: "forwarder",
    RevisionName: `${appName}--abc123`,
    Stream: "stdout",
    Log: JSON.stringify(line),
  };
}

/** A ContainerAppSystemLogs row as Container Apps logs a container it backs off restarting. */
function systemEvent(appName: string, minutesAgo: number, reason: string): Row {
  return {
    TimeGenerated: ago(minutesAgo),
    ContainerAppName: appName,
    RevisionName: `${appName}--abc123`,
    ReplicaName: `${appName}--abc123-5d8f9c7b6-x2x4z`,
    Reason: reason,
    Type: "Warning",
    EventSource: "ContainerAppController",
    Log: reason === "ContainerBackOff" ? "Persistent Failure to start container" : "Container 'forwarder' was terminated with exit code '0'",
  };
}

const workspace = (tables: { blobs?: Row[]; console?: Row[]; system?: Row[] }): Workspace => ({
  ...(tables.blobs ? { StorageBlobLogs: table("StorageBlobLogs", tables.blobs) } : {}),
  ...(tables.console ? { ContainerAppConsoleLogs: table("ContainerAppConsoleLogs", tables.console) } : {}),
  ...(tables.system ? { ContainerAppSystemLogs: table("ContainerAppSystemLogs", tables.system) } : {}),
});
/** Every configured flow log writing: westeurope has the NSG and the VNet, northeurope the subnet. */
const allWriting = (minutesAgo = 5) => [
  commit(weu, ROOTS.nsg, minutesAgo),
  commit(weu, ROOTS.vnetUnderscore, minutesAgo),
  commit(neu, ROOTS.vnetArmId, minutesAgo),
];

describe("on a new workspace", () => {
  it("every rule and forwarderLogQuery evaluate with none of their tables existing", () => {
    expect(evaluateRule(rules.noDelivery, {}, NOW)).toEqual([]);
    expect(evaluateRule(rules.restarts, {}, NOW)).toEqual([]);
    // No flow log has written yet: each account is reported (see "reports a flow log that never wrote").
    expect(
      evaluateRule(rules.stopped, {}, NOW)
        .map((f) => f.dimensions.AccountName)
        .sort(),
    ).toEqual([neu, weu].sort());
    expect(evaluate(pollLogQuery(app), {}, NOW).rows).toEqual([]);
  });

  it("the tables as today's program read them would fail every evaluation (the reason for the tolerant form)", () => {
    expect(() => evaluate("ContainerAppSystemLogs\n| summarize restarts = count()", {}, NOW)).toThrow(/SEM0100/);
  });

  it("every rule evaluates on tables that exist but hold no rows", () => {
    const empty = workspace({ blobs: [], console: [], system: [] });
    expect(evaluateRule(rules.noDelivery, empty, NOW)).toEqual([]);
    expect(evaluateRule(rules.restarts, empty, NOW)).toEqual([]);
  });

  it("uses ago() with timespan literals only (log search alerts refuse anything else)", () => {
    for (const rule of Object.values(rules)) expect(rule.criteria.allOf[0].query).not.toMatch(/ago\((?![0-9]+[dhms]\))/);
    expect(() => evaluate("let window = 30m;\nprint x = ago(window)", {}, NOW)).toThrow(/ago\(\) takes a timespan literal/);
  });
});

describe("flow logs stopped", () => {
  const fired = (ws: Workspace) =>
    evaluateRule(rules.stopped, ws, NOW)
      .map((f) => ({ ...f.dimensions, ...f.rows[0] }))
      .sort((a, b) => String(a.AccountName).localeCompare(String(b.AccountName)));

  it("stays quiet while every flow log writes, recognising each documented blob path form", () => {
    expect(fired(workspace({ blobs: allWriting() }))).toEqual([]);
  });

  it("fires for the account of a VNet flow log (underscore form) that stopped, naming its blob root", () => {
    const blobs = [commit(weu, ROOTS.nsg, 5), commit(weu, ROOTS.vnetUnderscore, 180), commit(neu, ROOTS.vnetArmId, 5)];
    expect(fired(workspace({ blobs }))).toEqual([{ AccountName: weu, flowLogs: 2, writing: 1, silentRoots: [ROOTS.vnetUnderscore] }]);
  });

  it("fires for a VNet flow log in the full ARM id form that stopped", () => {
    const blobs = [commit(weu, ROOTS.nsg, 5), commit(weu, ROOTS.vnetUnderscore, 5), commit(neu, ROOTS.vnetArmId, 90)];
    expect(fired(workspace({ blobs }))).toEqual([{ AccountName: neu, flowLogs: 1, writing: 0, silentRoots: [ROOTS.vnetArmId] }]);
  });

  it("stays raised while a flow log stays silent, days later (it does not resolve after a day)", () => {
    const blobs = [commit(weu, ROOTS.nsg, 5), commit(weu, ROOTS.vnetUnderscore, 3 * 1440), commit(neu, ROOTS.vnetArmId, 5)];
    expect(fired(workspace({ blobs }))).toEqual([{ AccountName: weu, flowLogs: 2, writing: 1, silentRoots: null }]);
  });

  it("reports a flow log that never wrote", () => {
    expect(fired(workspace({ blobs: [commit(weu, ROOTS.nsg, 5), commit(neu, ROOTS.vnetArmId, 5)] }))).toEqual([
      { AccountName: weu, flowLogs: 2, writing: 1, silentRoots: null },
    ]);
    expect(fired(workspace({}))).toEqual([
      { AccountName: neu, flowLogs: 1, writing: 0, silentRoots: null },
      { AccountName: weu, flowLogs: 2, writing: 0, silentRoots: null },
    ]);
  });

  it("counts committed blocks only: staged blocks (PutBlock) and other containers are no evidence", () => {
    const blobs = [
      commit(weu, ROOTS.nsg, 5),
      commit(weu, ROOTS.vnetUnderscore, 5, "PutBlock"),
      { ...commit(neu, ROOTS.vnetArmId, 5), ObjectKey: `/${neu}/checkpoints/${ROOTS.vnetArmId}/y=2026/x` },
    ];
    expect(fired(workspace({ blobs })).map((f) => f.AccountName)).toEqual([neu, weu]);
  });

  it("inlines one number per account, never a target: 5,000 flow logs in 60 accounts stay far below the 64 KB limit", () => {
    const accounts = Array.from({ length: 60 }, (_, i) => ({ account: `fl${"region".padEnd(12, "x")}${String(i).padStart(8, "0")}`, flowLogs: 84 }));
    const query = flowLogsStoppedQuery(accounts);
    const properties = JSON.stringify({ ...rules.stopped, criteria: { allOf: [{ ...rules.stopped.criteria.allOf[0], query }] } });
    expect(properties.length).toBeLessThan(8 * 1024);
    expect(rules.stopped.criteria.allOf[0].query).not.toMatch(/SUBSCRIPTIONS|virtualNetworks/i);
  });
});

describe("delivered nothing", () => {
  const fires = (ws: Workspace) => evaluateRule(rules.noDelivery, ws, NOW).length > 0;

  it("fires when flow logs were committed in the window and the forwarder's polls sent nothing", () => {
    expect(fires(workspace({ blobs: allWriting(), console: [pollLine(app, 3, 0), pollLine(app, 1, 0)] }))).toBe(true);
  });

  it("fires when flow logs were committed and the forwarder logged nothing at all (stopped)", () => {
    expect(fires(workspace({ blobs: allWriting() }))).toBe(true);
    expect(fires(workspace({ blobs: allWriting(), console: [pollLine("another-app", 1, 500)] }))).toBe(true);
  });

  it("stays quiet when the forwarder sent tuples, or when nothing was written", () => {
    expect(fires(workspace({ blobs: allWriting(), console: [pollLine(app, 3, 0), pollLine(app, 1, 120)] }))).toBe(false);
    expect(fires(workspace({ console: [pollLine(app, 1, 0)] }))).toBe(false);
    expect(fires(workspace({ blobs: allWriting(45), console: [] }))).toBe(false);
  });

  it("is the query the no-delivery rule holds", () => {
    expect(rules.noDelivery.criteria.allOf[0].query).toBe(noDeliveryQuery(app, 30));
  });
});

describe("restarts", () => {
  const fired = (ws: Workspace) => evaluateRule(rules.restarts, ws, NOW).map((f) => f.value);

  it("fires on Container Apps' ContainerBackOff events of the app reaching the count within the hour", () => {
    const system = [5, 15, 25].map((m) => systemEvent(app, m, "ContainerBackOff"));
    expect(fired(workspace({ system }))).toEqual([3]);
  });

  it("stays quiet for the terminations of normal revision changes, other apps, and older events", () => {
    const system = [
      ...[5, 15, 25, 35].map((m) => systemEvent(app, m, "ContainerTerminated")),
      ...[5, 15, 25].map((m) => systemEvent("another-app", m, "ContainerBackOff")),
      ...[70, 80, 90].map((m) => systemEvent(app, m, "ContainerBackOff")),
    ];
    expect(fired(workspace({ system }))).toEqual([]);
    expect(rules.restarts.criteria.allOf[0].query).toBe(restartQuery(app));
  });
});

describe("forwarderLogQuery", () => {
  it("shows one row per poll of this app, newest first, from the resource-specific table", () => {
    const result = evaluate(pollLogQuery(app), workspace({ console: [pollLine(app, 10, 7), pollLine(app, 5, 9), pollLine("another-app", 1, 1)] }), NOW);
    expect(result.rows).toEqual([
      { TimeGenerated: ago(5), tuplesRead: 9, tuplesSent: 9 },
      { TimeGenerated: ago(10), tuplesRead: 7, tuplesSent: 7 },
    ]);
  });
});
