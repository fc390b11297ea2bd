// Alerts on the forwarder, evaluated on the stack's Log Analytics workspace:
//  1. "no delivery": flow logs were written to storage during the window, but the forwarder reported
//     no tuple sent (stopped, stuck, lost its access, or rejected by the intake);
//  2. "restarts": Container Apps backed off restarting the forwarder's container repeatedly;
//  3. "flow logs stopped": Azure stopped writing the flow logs of a target that had been writing
//     (e.g. after the key of its storage account was rotated: flow logs stop until re-enabled).
// Evidence that flow logs are being written comes from the flow-log accounts' own StorageWrite logs
// (a diagnostic setting per account, below). The forwarder's evidence is its "Poll finished." log
// line (fields tuplesRead, tuplesSent), which Container Apps stores in ContainerAppConsoleLogs_CL.
//
// Every rule skips ARM's query validation: on a new workspace the queried tables do not exist until
// their first rows arrive, and validation would fail the first `up` (SEM0100).
//
// StorageWrite cannot be narrowed to PutBlockList: a diagnostic setting selects whole categories
// (StorageRead, StorageWrite, StorageDelete). Only StorageWrite is enabled, and the queries keep
// PutBlockList rows only (one per committed block, the proof that Azure is writing).
import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import { POLL_FINISHED_MSG } from "../../forwarder/contract";
import type { FlowLogAccount } from "../forwarder/forwarder-app";

/**
 * System-log reason of a container Container Apps keeps restarting. Not Kubernetes' BackOff or
 * CrashLoopBackOff, and not ContainerTerminated, which is also logged on every normal revision change.
 */
export const RESTART_REASONS = ["ContainerBackOff"];
export const RESTART_WINDOW_MINUTES = 60;
/** A target whose flow log wrote within the lookback but not within this many minutes is "stopped". */
export const FLOW_LOG_SILENCE_MINUTES = 60;
export const FLOW_LOG_LOOKBACK_MINUTES = 1440;

/** `PutBlockList` of flow-log blobs, the evidence that Azure is writing (KQL lines after the table). */
const FLOW_LOG_COMMITS = '| where OperationName == "PutBlockList" and ObjectKey contains "/insights-logs-"';

/**
 * The resource id a flow-log blob path starts with, upper-cased as Azure writes it: the NSG for NSG
 * flow logs (`resourceId=`), the flow log itself for VNet flow logs (`flowLogResourceID=`).
 */
export function blobPathSource(family: "nsg" | "vnet", targetId: string, flowLogId: string): string {
  return (family === "nsg" ? targetId : flowLogId).toUpperCase();
}

/** ISO-8601 duration Azure Monitor accepts (and does not rewrite, so no perpetual diff). */
export function isoMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `P${minutes / 1440}D`;
  if (minutes % 60 === 0) return `PT${minutes / 60}H`;
  return `PT${minutes}M`;
}

/** KQL returning one row when flow logs were written in the window but nothing was sent. */
export function noDeliveryQuery(appName: string, minutes: number): string {
  return [
    `let window = ${minutes}m;`,
    "let written = toscalar(StorageBlobLogs",
    "    | where TimeGenerated > ago(window)",
    `    ${FLOW_LOG_COMMITS}`,
    "    | count);",
    "let sent = toscalar(ContainerAppConsoleLogs_CL",
    "    | where TimeGenerated > ago(window)",
    `    | where ContainerAppName_s == "${appName}"`,
    "    | extend entry = parse_json(Log_s)",
    `    | where tostring(entry.msg) == "${POLL_FINISHED_MSG}"`,
    "    | summarize sum(tolong(entry.tuplesSent)));",
    "print flowLogWrites = written, tuplesSent = coalesce(sent, 0)",
    "| where flowLogWrites > 0 and tuplesSent == 0",
  ].join("\n");
}

/** KQL counting the forwarder's restarts (column `restarts`). */
export function restartQuery(appName: string): string {
  return [
    "ContainerAppSystemLogs_CL",
    `| where ContainerAppName_s == "${appName}"`,
    `| where Reason_s in~ (${RESTART_REASONS.map((r) => `"${r}"`).join(", ")})`,
    "| summarize restarts = count()",
  ].join("\n");
}

/**
 * KQL returning one row (column `source`) per configured flow log that committed blocks in the last
 * day but none in the last FLOW_LOG_SILENCE_MINUTES. Sources are blob-path ids (blobPathSource).
 */
export function flowLogsStoppedQuery(sources: readonly string[]): string {
  return [
    `let silence = ${FLOW_LOG_SILENCE_MINUTES}m;`,
    `let sources = dynamic(${JSON.stringify([...sources].sort())});`,
    "StorageBlobLogs",
    `| where TimeGenerated > ago(${FLOW_LOG_LOOKBACK_MINUTES}m)`,
    FLOW_LOG_COMMITS,
    '| extend source = toupper(extract(@"(?:resourceId|flowLogResourceID)=(/.+?)/y=", 1, ObjectKey))',
    "| where source in (sources)",
    "| summarize lastWrite = max(TimeGenerated) by source",
    "| where lastWrite < ago(silence)",
  ].join("\n");
}

/** KQL to watch the forwarder work: one row per poll, newest first (a stack output). */
export function pollLogQuery(appName: string): string {
  return [
    "ContainerAppConsoleLogs_CL",
    `| where ContainerAppName_s == "${appName}"`,
    "| extend entry = parse_json(Log_s)",
    `| where tostring(entry.msg) == "${POLL_FINISHED_MSG}"`,
    "| project TimeGenerated, tuplesRead = tolong(entry.tuplesRead), tuplesSent = tolong(entry.tuplesSent)",
    "| order by TimeGenerated desc",
  ].join("\n");
}

export interface ForwarderAlertsArgs {
  /** Region of the alert rules (the shared region). */
  readonly location: string;
  /** Resource group (the stack's). Change replaces. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** ARM id of the Log Analytics workspace the rules query. */
  readonly workspaceId: pulumi.Input<string>;
  /** Name of the forwarder's Container App. */
  readonly appName: pulumi.Input<string>;
  /** Flow-log accounts whose writes are logged to the workspace (one diagnostic setting each, made in the account's subscription). */
  readonly flowLogAccounts: ReadonlyArray<Pick<FlowLogAccount, "name" | "accountId" | "provider">>;
  /** Blob-path ids of the configured flow logs (blobPathSource), watched by the "stopped" alert. */
  readonly flowLogSources: pulumi.Input<string[]>;
  /** Minutes without delivery while flow logs are written before alerting (default 30). */
  readonly noDeliveryMinutes: number;
  /** Restarts within an hour that raise the restart alert (default 3). */
  readonly restartCount: number;
  /** E-mail notified through an action group; without it the alerts only show in Azure Monitor. */
  readonly email?: string;
  /** Tags. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ForwarderAlerts extends pulumi.ComponentResource {
  public readonly noDeliveryRule: monitor.ScheduledQueryRule;
  public readonly restartRule: monitor.ScheduledQueryRule;
  public readonly stoppedRule: monitor.ScheduledQueryRule;
  public readonly actionGroup?: monitor.ActionGroup;

  constructor(name: string, args: ForwarderAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:ForwarderAlerts", name, args, opts);
    for (const account of args.flowLogAccounts) {
      new monitor.DiagnosticSetting(
        `${name}-writes-${account.name}`,
        {
          name: "sekoia-flowlogs-writes",
          resourceUri: pulumi.interpolate`${account.accountId}/blobServices/default`,
          workspaceId: args.workspaceId,
          logs: [{ category: "StorageWrite", enabled: true }],
        },
        { parent: this, provider: account.provider },
      );
    }
    if (args.email) {
      this.actionGroup = new monitor.ActionGroup(
        `${name}-email`,
        {
          resourceGroupName: args.resourceGroupName,
          location: "Global",
          enabled: true,
          groupShortName: "sekoiaflow",
          emailReceivers: [{ name: "operator", emailAddress: args.email, useCommonAlertSchema: true }],
          tags: args.tags,
        },
        { parent: this },
      );
    }
    const actions = this.actionGroup ? { actionGroups: [this.actionGroup.id] } : undefined;
    const common = {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      kind: "LogAlert",
      enabled: true,
      scopes: [args.workspaceId],
      skipQueryValidation: true,
      evaluationFrequency: "PT5M",
      autoMitigate: true,
      ...(actions ? { actions } : {}),
      tags: args.tags,
    };
    this.noDeliveryRule = new monitor.ScheduledQueryRule(
      `${name}-no-delivery`,
      {
        ...common,
        displayName: "Sekoia flow-log forwarder delivered nothing",
        description:
          `Flow logs were written to storage in the last ${args.noDeliveryMinutes} minutes, but the forwarder ` +
          "sent no tuple to Sekoia. See the README (alerts) for what to check.",
        severity: 1,
        windowSize: isoMinutes(args.noDeliveryMinutes),
        criteria: {
          allOf: [
            {
              query: pulumi.output(args.appName).apply((n) => noDeliveryQuery(n, args.noDeliveryMinutes)),
              timeAggregation: "Count",
              operator: "GreaterThan",
              threshold: 0,
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
      },
      { parent: this },
    );
    this.restartRule = new monitor.ScheduledQueryRule(
      `${name}-restarts`,
      {
        ...common,
        displayName: "Sekoia flow-log forwarder restarts repeatedly",
        description: `Container Apps backed off restarting the forwarder ${args.restartCount} or more times within an hour.`,
        severity: 2,
        windowSize: isoMinutes(RESTART_WINDOW_MINUTES),
        criteria: {
          allOf: [
            {
              query: pulumi.output(args.appName).apply(restartQuery),
              timeAggregation: "Total",
              metricMeasureColumn: "restarts",
              operator: "GreaterThanOrEqual",
              threshold: args.restartCount,
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
      },
      { parent: this },
    );
    this.stoppedRule = new monitor.ScheduledQueryRule(
      `${name}-flow-logs-stopped`,
      {
        ...common,
        displayName: "Azure stopped writing Sekoia flow logs",
        description:
          `A flow log that was writing in the last day wrote nothing for ${FLOW_LOG_SILENCE_MINUTES} minutes ` +
          "(one alert per flow log). After a storage key rotation, disable and enable it again; see the README (alerts).",
        severity: 1,
        evaluationFrequency: "PT15M",
        windowSize: isoMinutes(FLOW_LOG_LOOKBACK_MINUTES),
        criteria: {
          allOf: [
            {
              query: pulumi.output(args.flowLogSources).apply(flowLogsStoppedQuery),
              timeAggregation: "Count",
              dimensions: [{ name: "source", operator: "Include", values: ["*"] }],
              operator: "GreaterThan",
              threshold: 0,
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
