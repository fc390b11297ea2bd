// The KQL of the alert rules and of `forwarderLogQuery`, as pure functions (tested by running the
// exact text on sample rows of the real tables: test/helpers/kql/).
//
// Where they read:
//  - the forwarder's console and system logs: ContainerAppConsoleLogs / ContainerAppSystemLogs, the
//    resource-specific tables of Container Apps' `azure-monitor` log destination (forwarder-logs.ts),
//    whose columns have no `_s` suffix; the raw log line is `Log`;
//  - Azure writing flow logs: StorageBlobLogs of the flow-log accounts (the StorageWrite category),
//    PutBlockList rows only (one per committed block).
//
// Rules Azure Monitor imposes, each kept here:
//  - every table may not exist yet (a new workspace, a quiet estate), and a rule whose query fails to
//    evaluate for a week is disabled by Azure: each table is read as `union isfuzzy=true` with an
//    empty `datatable` of the columns used, so the query runs and returns nothing;
//  - log search alerts accept `ago()` with timespan literals only: no `let`-bound durations;
//  - a rule's properties are limited to 64 KB: no per-target list is inlined. The stopped rule keys
//    on the blob root itself and compares, per account, how many roots wrote with how many flow logs
//    the stack points there (one number per account).
import { POLL_FINISHED_MSG } from "../../forwarder/contract";

export const TABLES = {
  console: "ContainerAppConsoleLogs",
  system: "ContainerAppSystemLogs",
  blobs: "StorageBlobLogs",
} as const;

/**
 * System-log reason of a container Container Apps keeps restarting. Not Kubernetes' BackOff or
 * CrashLoopBackOff, and not ContainerTerminated, which is also logged on every normal revision change.
 */
export const RESTART_REASONS = ["ContainerBackOff"];
export const RESTART_WINDOW_MINUTES = 60;
/** An account with fewer flow logs writing within this many minutes than it holds raises "stopped". */
export const FLOW_LOG_SILENCE_MINUTES = 60;
/** How far back the stopped rule looks to name the flow logs that went silent (its query time range). */
export const FLOW_LOG_HISTORY_MINUTES = 2880;

/** `table`, or an empty table of `columns` while it does not exist: the query still evaluates. */
export function tolerant(table: string, columns: Readonly<Record<string, string>>): string {
  const schema = Object.entries(columns)
    .map(([name, type]) => `${name}:${type}`)
    .join(", ");
  return `union isfuzzy=true (datatable(${schema})[]), ${table}`;
}

const BLOB_COLUMNS = { TimeGenerated: "datetime", AccountName: "string", OperationName: "string", ObjectKey: "string" };
const CONSOLE_COLUMNS = { TimeGenerated: "datetime", ContainerAppName: "string", Log: "string" };
const SYSTEM_COLUMNS = { TimeGenerated: "datetime", ContainerAppName: "string", Reason: "string" };

/** Flow-log blob commits, with the blob root (`resourceId=/…` or `flowLogResourceID=/…`, whatever its form) as `root`. */
function flowLogCommits(): string[] {
  return [
    tolerant(TABLES.blobs, BLOB_COLUMNS),
    '| where OperationName == "PutBlockList" and ObjectKey contains "/insights-logs-"',
    // The root is everything between the container and the hour partition, in both documented
    // forms of VNet flow logs (`flowLogResourceID=/<SUB>_<WATCHER-RG>/<WATCHER>_<FLOWLOG>/` and the
    // flow log's full ARM id) and NSG flow logs' `resourceId=/<NSG ARM id>/`.
    '| extend root = extract(@"/insights-logs-[^/]+/(.+?)/y=[0-9]{4}/", 1, ObjectKey)',
    "| where isnotempty(root)",
  ];
}

/**
 * Lines of a Container App's console logs parsed as the forwarder's JSON (column `entry`). `columns`
 * names the table's other columns a query reads (the acceptance tier's ContainerGroupName): they join
 * the empty stand-in table, and the rules' own text stays as deployed.
 */
export function forwarderEntries(appName: string, columns: Readonly<Record<string, string>> = {}): string[] {
  return [tolerant(TABLES.console, { ...CONSOLE_COLUMNS, ...columns }), `| where ContainerAppName == "${appName}"`, "| extend entry = parse_json(Log)"];
}

/** KQL returning one row when flow logs were written in the window but nothing was sent. */
export function noDeliveryQuery(appName: string, minutes: number): string {
  const indent = (lines: string[]) => lines.map((l, i) => (i === 0 ? l : `    ${l}`)).join("\n");
  return [
    `let written = toscalar(${indent([...flowLogCommits(), `| where TimeGenerated > ago(${minutes}m)`, "| count"])});`,
    `let sent = toscalar(${indent([
      ...forwarderEntries(appName),
      `| where TimeGenerated > ago(${minutes}m)`,
      `| where tostring(entry.msg) == "${POLL_FINISHED_MSG}"`,
      "| summarize sum(tolong(entry.tuplesSent))",
    ])});`,
    "print flowLogWrites = written, tuplesSent = coalesce(sent, 0)",
    "| where flowLogWrites > 0 and tuplesSent == 0",
  ].join("\n");
}

/** KQL counting the forwarder's restarts (column `restarts`, 0 when there are none). */
export function restartQuery(appName: string): string {
  return [
    tolerant(TABLES.system, SYSTEM_COLUMNS),
    `| where ContainerAppName == "${appName}"`,
    `| where Reason in~ (${RESTART_REASONS.map((r) => `"${r}"`).join(", ")})`,
    "| summarize restarts = count()",
  ].join("\n");
}

/** How many flow logs the stack points at one account (by its Azure name). */
export interface AccountFlowLogs {
  readonly account: string;
  readonly flowLogs: number;
}

/**
 * KQL returning one row per flow-log account (column `AccountName`) where fewer flow logs committed
 * blocks within FLOW_LOG_SILENCE_MINUTES than the stack points there: one stopped (whenever it
 * stopped: the row stays while it is silent), or one never wrote. `silentRoots` names the blob roots
 * that wrote within the query's range (two days) but not lately.
 */
export function flowLogsStoppedQuery(accounts: readonly AccountFlowLogs[]): string {
  const expected = [...accounts]
    .sort((a, b) => a.account.localeCompare(b.account))
    .map((a) => `"${a.account}", ${a.flowLogs}`)
    .join(", ");
  return [
    `let commits = ${flowLogCommits().join("\n    ")};`,
    "let recentWriters = commits",
    `    | where TimeGenerated > ago(${FLOW_LOG_SILENCE_MINUTES}m)`,
    "    | summarize by AccountName, root",
    "    | summarize writing = count() by AccountName;",
    "let silentWriters = commits",
    "    | summarize lastWrite = max(TimeGenerated) by AccountName, root",
    `    | where lastWrite <= ago(${FLOW_LOG_SILENCE_MINUTES}m)`,
    "    | summarize silentRoots = make_set(root) by AccountName;",
    `datatable(AccountName:string, flowLogs:long)[${expected}]`,
    "| join kind=leftouter (recentWriters) on AccountName",
    "| join kind=leftouter (silentWriters) on AccountName",
    "| extend writing = coalesce(writing, 0)",
    "| where writing < flowLogs",
    "| project AccountName, flowLogs, writing, silentRoots",
  ].join("\n");
}

/** KQL to watch the forwarder work: one row per poll, newest first (a stack output). */
export function pollLogQuery(appName: string): string {
  return [
    ...forwarderEntries(appName),
    `| where tostring(entry.msg) == "${POLL_FINISHED_MSG}"`,
    "| project TimeGenerated, tuplesRead = tolong(entry.tuplesRead), tuplesSent = tolong(entry.tuplesSent)",
    "| order by TimeGenerated desc",
  ].join("\n");
}
