// What SekoiaFlowLogs gives a program: the shapes of its outputs, the same names and shapes as the
// stack's outputs (docs/outputs.md). Apart from the component so that the wiring that computes them
// (register-children.ts) and the class that exposes them share one definition.

/** One flow-log account: what Sekoia needs besides the SAS. */
export interface FlowLogStorageOutput {
  readonly accountName: string;
  readonly blobEndpoint: string;
  readonly containers: string[];
}

/** The Network Watcher used in one subscription and region. */
export interface NetworkWatcherOutput {
  readonly name: string;
  readonly resourceGroupName: string;
  /** True when adopted (never modified or deleted), false when the component owns it. */
  readonly adopted: boolean;
}

/** What one `scope` target selected. */
export interface TargetSelectionOutput {
  readonly scope: string;
  readonly location?: string;
  /** The VNets selected, when the scope could be listed. */
  readonly vnets?: string[];
  /** Why the scope could not be listed (npm run plan without Azure access only). */
  readonly unresolved?: string;
}

export interface AlertRuleIdsOutput {
  readonly noDelivery: string;
  readonly restarts: string;
  readonly flowLogsStopped: string;
}

/** An intake the component created in Sekoia (never its key). */
export interface SekoiaIntakeOutput {
  readonly kind: string;
  readonly name: string;
  readonly uuid: string;
}

/** The outputs as registered: each an input of its type (nested outputs are resolved by `pulumi.output`). */
export type RegisteredOutputs = Record<keyof SekoiaFlowLogsOutputs, unknown>;

/** Every output of the component, by name, with the type a program reads. */
export interface SekoiaFlowLogsOutputs {
  resourceGroupName: string;
  flowLogStorage: Record<string, Record<string, FlowLogStorageOutput>>;
  sekoiaSasTokens: Record<string, Record<string, Record<string, string>>> | undefined;
  sekoiaSasUrls: Record<string, Record<string, Record<string, string>>> | undefined;
  sasExpiry: string | undefined;
  networkWatchers: Record<string, Record<string, NetworkWatcherOutput>>;
  flowLogIds: Record<string, Record<string, string>>;
  targetSelections: Record<string, TargetSelectionOutput> | undefined;
  flowLogContainers: Record<string, string>;
  checkpointContainerUrl: string;
  forwarderImage: string;
  forwarderAppName: string;
  forwarderLogQuery: string;
  logAnalyticsWorkspaceId: string;
  alertRuleIds: AlertRuleIdsOutput;
  alertActionGroupId: string | undefined;
  sekoiaIntakes: SekoiaIntakeOutput[] | undefined;
  privateDnsRecords: Record<string, string[]> | undefined;
}
