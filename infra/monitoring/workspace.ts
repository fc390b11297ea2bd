// The stack's Log Analytics workspace: diagnostic settings send the forwarder's console and system
// logs and the flow-log accounts' writes there, the alerts query it, and traffic analytics (when
// switched on) reports to it. Nothing needs its shared key.
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as pulumi from "@pulumi/pulumi";

export interface LogWorkspaceArgs {
  /** Region of the workspace (the shared region). Change replaces. */
  readonly location: string;
  /** Resource group (the stack's). Change replaces. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Days logs are kept (default 30, the free minimum); updates in place. */
  readonly retentionInDays?: number;
  /** Tags. Default none. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class LogWorkspace extends pulumi.ComponentResource {
  /** ARM id of the workspace (scope of the alert rules). */
  public readonly workspaceId: pulumi.Output<string>;
  /** The workspace GUID ("customerId"). */
  public readonly customerId: pulumi.Output<string>;

  constructor(name: string, args: LogWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:LogWorkspace", name, args, opts);
    const workspace = new operationalinsights.Workspace(
      `${name}-workspace`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: args.retentionInDays ?? 30,
        tags: args.tags,
      },
      { parent: this },
    );
    this.workspaceId = workspace.id;
    this.customerId = workspace.customerId;
    this.registerOutputs({ workspaceId: this.workspaceId, customerId: this.customerId });
  }
}
