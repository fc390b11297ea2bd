// The flow logs of one region: one FlowLog per target, under that region's Network Watcher, writing
// to that region's storage account.
//
// Azure keeps one flow log per target and fails concurrent flow-log writes under one watcher
// (AnotherOperationInProgress), so the flow logs of a region (one watcher) are created one after
// another, and a replaced flow log is deleted before its successor is created. An adopted flow log
// (`flowLogName` set) existed before the stack and cannot always be created again (NSG flow logs since
// 2025-06-30): `destroy` and removing its target leave it in Azure (retainOnDelete).
//
// Retention is NOT set on the flow logs (enabled: false): the account's own lifecycle rule in
// storage.ts deletes old blobs. A flow log's retention would make Azure replace that rule.
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { Target } from "../config/stack-config";

/** JSON version 2: the SDK default for `version` is 0 (no byte/packet counters), so it is always set. */
export const FLOW_LOG_FORMAT = { type: network.FlowLogFormatType.JSON, version: 2 } as const;

/** Stable short hash of a target id: keeps names unique when two targets share a name. */
export function targetHash(id: string): string {
  return createHash("sha256").update(id.toLowerCase()).digest("hex").slice(0, 8);
}

/** The flow log's name under the watcher: the configured one (adoption) or sekoia-<kind>-<name>-<hash>. */
export function flowLogName(target: Pick<Target, "id" | "kind" | "name" | "flowLogName">): string {
  if (target.flowLogName) return target.flowLogName;
  const hash = targetHash(target.id);
  return `sekoia-${target.kind}-${target.name}`.slice(0, 80 - hash.length - 1).replace(/[-.]+$/, "") + `-${hash}`;
}

/** Pulumi logical name suffix of a target's flow log (stable as long as the target id is). */
export function flowLogResourceSuffix(target: Pick<Target, "id" | "kind">): string {
  return `${target.kind}-${targetHash(target.id)}`;
}

export interface TrafficAnalyticsArgs {
  /** Send flow data to Traffic Analytics too (default false). */
  readonly enabled: boolean;
  /** Processing interval in minutes, 10 or 60 (default 60). */
  readonly intervalMinutes: 10 | 60;
  /** Log Analytics workspace GUID (customerId). */
  readonly workspaceId: pulumi.Input<string>;
  readonly workspaceRegion: pulumi.Input<string>;
  readonly workspaceResourceId: pulumi.Input<string>;
}

/**
 * Traffic analytics block of a flow log, sent switched off (`enabled: false`) rather than left out:
 * Azure refuses a flow-log PUT without it once traffic analytics was on (FlowLogConfigurationCannotBeUpdated,
 * Azure/azure-powershell#10598), e.g. after turning `trafficAnalytics` off or adopting a flow log
 * Azure Policy made with it on. Microsoft's own templates always send it.
 */
export function trafficAnalyticsConfiguration(ta?: TrafficAnalyticsArgs): network.FlowLogArgs["flowAnalyticsConfiguration"] {
  if (!ta?.enabled) return { networkWatcherFlowAnalyticsConfiguration: { enabled: false } };
  return {
    networkWatcherFlowAnalyticsConfiguration: {
      enabled: true,
      trafficAnalyticsInterval: ta.intervalMinutes,
      workspaceId: ta.workspaceId,
      workspaceRegion: ta.workspaceRegion,
      workspaceResourceId: ta.workspaceResourceId,
    },
  };
}

export interface FlowLogsArgs {
  /** Region of the targets, the watcher and the storage account. */
  readonly region: string;
  /** Targets in this region (from config). Adding one adds a flow log; removing one deletes it. */
  readonly targets: readonly Target[];
  /** Name of the region's Network Watcher (adopted or created). Change replaces the flow logs. */
  readonly networkWatcherName: pulumi.Input<string>;
  /** Resource group of the watcher: flow logs live there. Change replaces the flow logs. */
  readonly networkWatcherResourceGroupName: pulumi.Input<string>;
  /** ARM id of the region's flow-log storage account. Updates in place. */
  readonly storageAccountId: pulumi.Input<string>;
  /** Optional traffic analytics (default off, sent as `enabled: false`). */
  readonly trafficAnalytics?: TrafficAnalyticsArgs;
  /** Tags on each flow log. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class FlowLogs extends pulumi.ComponentResource {
  /** One per target, in config order. */
  public readonly flowLogs: readonly network.FlowLog[];
  /** The targets, in the same order. */
  public readonly targets: readonly Target[];
  /** Target ARM id -> flow log ARM id. */
  public readonly flowLogIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: FlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:FlowLogs", name, args, opts);
    const analytics = trafficAnalyticsConfiguration(args.trafficAnalytics);
    this.targets = args.targets;
    const flowLogs: network.FlowLog[] = [];
    for (const target of args.targets) {
      const previous = flowLogs[flowLogs.length - 1];
      flowLogs.push(
        new network.FlowLog(
          `${name}-${flowLogResourceSuffix(target)}`,
          {
            flowLogName: flowLogName(target),
            networkWatcherName: args.networkWatcherName,
            resourceGroupName: args.networkWatcherResourceGroupName,
            location: args.region,
            targetResourceId: target.id,
            storageId: args.storageAccountId,
            enabled: true,
            format: FLOW_LOG_FORMAT,
            retentionPolicy: { enabled: false, days: 0 },
            flowAnalyticsConfiguration: analytics,
            tags: args.tags,
          },
          {
            parent: this,
            deleteBeforeReplace: true,
            retainOnDelete: target.flowLogName !== undefined,
            ...(previous ? { dependsOn: [previous] } : {}),
          },
        ),
      );
    }
    this.flowLogs = flowLogs;
    this.flowLogIds = pulumi.all(this.flowLogs.map((f) => f.id)).apply((ids) => Object.fromEntries(args.targets.map((t, i) => [t.id, ids[i]])));
    this.registerOutputs({ flowLogIds: this.flowLogIds });
  }
}
