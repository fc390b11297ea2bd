// Columns of the Log Analytics tables the queries read, as Microsoft's Azure Monitor Logs table
// reference lists them (azure-monitor-ref/tables: StorageBlobLogs, ContainerAppConsoleLogs,
// ContainerAppSystemLogs, the resource-specific tables of the `azure-monitor` log destination; no
// `_s` suffixes, unlike the legacy ContainerAppConsoleLogs_CL). `table()` refuses a sample row with a
// column the real table does not have, so the tests' rows are shaped like Azure's.
import type { Row, Table } from "./evaluate";

const COMMON = ["TenantId", "TimeGenerated", "SourceSystem", "Type", "_ResourceId", "_SubscriptionId", "_BilledSize", "_IsBillable"];

export const SCHEMAS: Readonly<Record<string, readonly string[]>> = {
  StorageBlobLogs: [
    ...COMMON,
    "AccessTier",
    "AccountName",
    "AuthenticationHash",
    "AuthenticationType",
    "AuthorizationDetails",
    "CallerIpAddress",
    "Category",
    "ClientRequestId",
    "ConditionsUsed",
    "ContentLengthHeader",
    "CorrelationId",
    "DestinationUri",
    "DurationMs",
    "Etag",
    "LastModifiedTime",
    "Location",
    "MetricResponseType",
    "ObjectKey",
    "OperationCount",
    "OperationName",
    "OperationVersion",
    "Protocol",
    "ReferrerHeader",
    "RehydratePriority",
    "RequestBodySize",
    "RequesterAppId",
    "RequesterAudience",
    "RequesterObjectId",
    "RequesterTenantId",
    "RequesterTokenIssuer",
    "RequesterUpn",
    "RequestHeaderSize",
    "RequestMd5",
    "ResponseBodySize",
    "ResponseHeaderSize",
    "ResponseMd5",
    "SasExpiryStatus",
    "SchemaVersion",
    "ServerLatencyMs",
    "ServiceType",
    "SourceAccessTier",
    "SourceUri",
    "StatusCode",
    "StatusText",
    "TlsVersion",
    "Uri",
    "UserAgentHeader",
  ],
  ContainerAppConsoleLogs: [
    ...COMMON,
    "ContainerAppName",
    "ContainerGroupId",
    "ContainerGroupName",
    "ContainerId",
    "ContainerImage",
    "ContainerName",
    "EnvironmentName",
    "JobName",
    "Location",
    "Log",
    "OperationName",
    "RevisionName",
    "Stream",
  ],
  ContainerAppSystemLogs: [
    ...COMMON,
    "ComponentName",
    "ComponentType",
    "ContainerAppName",
    "ContainerName",
    "Count",
    "EnvironmentName",
    "EventSource",
    "JobName",
    "Location",
    "Log",
    "OperationName",
    "Reason",
    "ReplicaName",
    "RevisionName",
  ],
};

/** A table of `name` holding `rows` (columns not given are null); throws on a column the table lacks. */
export function table(name: keyof typeof SCHEMAS, rows: readonly Row[]): Table {
  const columns = SCHEMAS[name];
  for (const row of rows) {
    const unknown = Object.keys(row).filter((c) => !columns.includes(c));
    if (unknown.length > 0) throw new Error(`${name} has no column ${unknown.join(", ")}`);
  }
  return { columns, rows: rows.map((r) => ({ ...Object.fromEntries(columns.map((c) => [c, null])), Type: name, ...r })) };
}
