// Where the forwarder's logs go: Container Apps' `azure-monitor` log destination, with a diagnostic
// setting on the environment that sends its console and system logs to the stack's workspace, into
// the resource-specific tables ContainerAppConsoleLogs and ContainerAppSystemLogs (columns without
// `_s`; the raw line in `Log`), which the alerts and forwarderLogQuery read.
//
// Not the `log-analytics` destination: it is legacy (microsoft/azure-container-apps#1812) and
// authenticates with the workspace's shared key, the model of the HTTP Data Collector API that
// Microsoft documents as no longer functional from 2026-09-14. The diagnostic setting needs no key.
import * as monitor from "@pulumi/azure-native/monitor";
import type * as pulumi from "@pulumi/pulumi";

/** The environment's log categories sent, each landing in the table of the same name. */
export const FORWARDER_LOG_CATEGORIES = ["ContainerAppConsoleLogs", "ContainerAppSystemLogs"] as const;

/** The environment's `appLogsConfiguration`: logs handed to Azure Monitor, routed by diagnostic settings. */
export const APP_LOGS_CONFIGURATION = { destination: "azure-monitor" } as const;

/** The diagnostic setting sending the environment's logs to `workspaceId` (resource-specific tables). */
export function forwarderLogSetting(
  name: string,
  environmentId: pulumi.Input<string>,
  workspaceId: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): monitor.DiagnosticSetting {
  return new monitor.DiagnosticSetting(
    name,
    {
      name: "sekoia-flowlogs-forwarder-logs",
      resourceUri: environmentId,
      workspaceId,
      // "Dedicated": one table per category (ContainerAppConsoleLogs, ...), not the shared AzureDiagnostics.
      logAnalyticsDestinationType: "Dedicated",
      logs: FORWARDER_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
    },
    opts,
  );
}
