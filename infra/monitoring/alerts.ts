// Alerts on the forwarder, evaluated on the stack's Log Analytics workspace:
//  1. "no delivery": flow logs were written to storage during the window, but the forwarder reported
//     no tuple sent (stopped, stuck, lost its access, or rejected by the intake);
//  2. "restarts": Container Apps backed off restarting the forwarder's container repeatedly;
//  3. "flow logs stopped": fewer flow logs are writing to an account than the stack points there
//     (e.g. after the key of its storage account was rotated: flow logs stop until re-enabled), or
//     one never wrote. It stays raised while they are silent, however long.
// The queries are in alert-queries.ts. Evidence that flow logs are being written comes from the
// flow-log accounts' own StorageWrite logs (a diagnostic setting per account, below); the forwarder's
// is its "Poll finished." log line in ContainerAppConsoleLogs (forwarder-logs.ts sends it there).
//
// Every query evaluates on a workspace that has none of its tables yet (alert-queries.ts), so the
// rules neither fail at creation nor fail every evaluation until a first row arrives (Azure disables
// a rule after a week of failures). Query validation is still skipped at creation: it is what failed
// the first `up` on a new workspace (SEM0100), and tolerant queries make it unnecessary.
//
// StorageWrite cannot be narrowed to PutBlockList: a diagnostic setting selects whole categories
// (StorageRead, StorageWrite, StorageDelete). Only StorageWrite is enabled, and the queries keep
// PutBlockList rows only (one per committed block, the proof that Azure is writing).
import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import type { FlowLogAccount } from "../forwarder/forwarder-app";
import {
  FLOW_LOG_HISTORY_MINUTES,
  FLOW_LOG_SILENCE_MINUTES,
  flowLogsStoppedQuery,
  noDeliveryQuery,
  RESTART_WINDOW_MINUTES,
  restartQuery,
  type AccountFlowLogs,
} from "./alert-queries";

/** ISO-8601 duration Azure Monitor accepts (and does not rewrite, so no perpetual diff). */
export function isoMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `P${minutes / 1440}D`;
  if (minutes % 60 === 0) return `PT${minutes / 60}H`;
  return `PT${minutes}M`;
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
  /** Per flow-log account (Azure name), how many flow logs the stack points there: the "stopped" alert's expectation. */
  readonly flowLogCounts: pulumi.Input<AccountFlowLogs[]>;
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
          "sent no tuple to Sekoia. What to check: docs/alerts.md in the sekoia-flowlogs repository.",
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
          `Fewer flow logs wrote to a flow-log account in the last ${FLOW_LOG_SILENCE_MINUTES} minutes than the stack points there ` +
          "(one alert per account; silentRoots names those that wrote in the last two days). After a storage key rotation, " +
          "disable and enable them again; a target without running NICs writes nothing. What to check: docs/alerts.md in the sekoia-flowlogs repository.",
        severity: 1,
        evaluationFrequency: "PT15M",
        windowSize: isoMinutes(FLOW_LOG_SILENCE_MINUTES),
        // The query reaches back two days to name the silent flow logs; silence itself is measured in its own window.
        overrideQueryTimeRange: isoMinutes(FLOW_LOG_HISTORY_MINUTES),
        criteria: {
          allOf: [
            {
              query: pulumi.output(args.flowLogCounts).apply(flowLogsStoppedQuery),
              timeAggregation: "Count",
              dimensions: [{ name: "AccountName", operator: "Include", values: ["*"] }],
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
