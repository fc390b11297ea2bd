// The product as one Pulumi component: flow logs turned on for the selected targets in any
// subscription of the tenant, stored per subscription and region, shared with Sekoia through
// read-only SAS, and one forwarder reading every account into the Sekoia intakes. With
// `privateNetworking` nothing it creates has a public endpoint (accounts behind private endpoints, an
// internal Container Apps environment, no SAS), for locked-down landing zones. Any Pulumi program
// can use it: TypeScript imports this class, other languages get it through `pulumi package add`
// (PulumiPlugin.yaml), whose schema is inferred from `SekoiaFlowLogsArgs` below.
//
// This file is the component's face: its args, its outputs, one instance per stack (its children
// keep the names the stack program gave them before the component existed, so a stack made then
// keeps every resource). register-children.ts wires the children; each concern lives in its folder.
import * as pulumi from "@pulumi/pulumi";
import type {
  AlertRuleIdsOutput,
  FlowLogStorageOutput,
  NetworkWatcherOutput,
  SekoiaFlowLogsOutputs,
  SekoiaIntakeOutput,
  TargetSelectionOutput,
} from "./component-outputs";
import { configFromArgs } from "./config";
import { registerChildren } from "./register-children";

export type { AlertRuleIdsOutput, FlowLogStorageOutput, NetworkWatcherOutput, SekoiaIntakeOutput, TargetSelectionOutput } from "./component-outputs";

/** The component's type token: part of every child's URN, so it never changes. */
export const SEKOIA_FLOW_LOGS_TYPE = "sekoia-flowlogs:index:SekoiaFlowLogs";

/** A flow-log target: a resource by `id` (with its `location`), or every VNet of a `scope` (Python: `FlowLogTargetArgs`). */
export interface FlowLogTarget {
  /** ARM id of an NSG (NSG flow log) or of a VNet, subnet or NIC (VNet flow log), in any subscription of the tenant. Set `id` or `scope`. */
  readonly id?: string;
  /** `/subscriptions/<guid>` or `/subscriptions/<guid>/resourceGroups/<group>`: every VNet there, listed at preview and up. Set `id` or `scope`. */
  readonly scope?: string;
  /** Azure region of the target (required with `id`); with `scope`, only the VNets of this region. */
  readonly location?: string;
  /** Name of an existing flow log on this target to adopt (required for an NSG: Azure refuses new NSG flow logs). Default: the stack creates one. */
  readonly flowLogName?: string;
}

/**
 * A deployment that exposes nothing to the internet (docs/private-networking.md; Python:
 * `PrivateNetworkingArgs`): every storage account without public network access, reached by the
 * forwarder through a blob private endpoint; the Container Apps environment internal to a subnet of
 * yours; no SAS. The subnets are checked against Azure at preview.
 */
export interface PrivateNetworking {
  /** ARM id of the environment's subnet: dedicated, delegated to `Microsoft.App/environments`, /27 or larger, with an NSG, in the shared region. Change replaces the environment. */
  readonly containerAppsSubnetId: string;
  /** ARM id of the subnet the private endpoints go into (one per storage account), not delegated, in the shared region. Change replaces the endpoints. */
  readonly privateEndpointSubnetId: string;
  /** Who makes the endpoints' DNS records: `policy` (the platform, e.g. Azure Landing Zones' Deploy-Private-DNS-Zones: no zone, no zone group) or `stack` (zone groups in `privateDnsZoneId`, or in a zone the component creates). Required. */
  readonly dns: string;
  /** With dns `stack`: ARM id of an existing `privatelink.blob.<suffix>` zone to register in. Default: the component creates one, linked to the Container Apps subnet's VNet. */
  readonly privateDnsZoneId?: string;
}

/**
 * Everything a deployment decides. Each field is named like the stack configuration key of the same
 * meaning (docs/configuration.md), and is validated by the same rules before anything is registered.
 * Secrets (intake keys, API key, registry password) may be outputs; they stay secret.
 */
export interface SekoiaFlowLogsArgs {
  /** Region of the shared resources (forwarder, workspace, checkpoints, registry). Default: the stack's `azure-native:location`. A change re-creates the workspace, registry and forwarder there; groups and accounts stay where they are. */
  readonly location?: string;
  /** Subscription of the shared resources. Default: the stack's `azure-native:subscriptionId`, else the targets' only subscription. A change is refused once deployed (it would delete accounts). */
  readonly subscriptionId?: string;
  /** The targets to turn flow logs on for. Required, at least one. */
  readonly targets: FlowLogTarget[];
  /** ISO-8601 instant (with time zone) when the read-only SAS given to Sekoia expires; must be in the future. Required unless `privateNetworking` is set (then it must be unset: no SAS is minted); a change rotates the SAS. */
  readonly sasExpiry?: string;
  /** `existing`: adopt `NetworkWatcher_<region>` in `NetworkWatcherRG` (never modified or deleted); `create`: create and own one per subscription and region. Default: `existing`. */
  readonly networkWatcher?: string;
  /** Per subscription guid and region, the ARM id of an existing Network Watcher to use instead (any name, any group). Default: none. */
  readonly networkWatchers?: Record<string, Record<string, string>>;
  /** Days flow-log blobs are kept (1..365); checkpoints 7 days longer. Default: 30. */
  readonly retentionDays?: number;
  /** Guid of a central logging subscription holding every flow-log account. Default: each account in its targets' subscription. A change replaces the accounts. */
  readonly flowLogStorageSubscriptionId?: string;
  /** ARM endpoint `scope` targets are listed from. Default: the one of `azure-native:environment`'s cloud. */
  readonly armEndpoint?: string;
  /** Sekoia intake base URL (https). Default: `https://intake.sekoia.io`. */
  readonly sekoiaIntakeUrl?: string;
  /** Intake key of an intake made in Sekoia for NSG flow logs; needed when a target is an NSG, unless `sekoiaApiKey` is set. Secret. */
  readonly sekoiaNsgIntakeKey?: pulumi.Input<string>;
  /** Intake key of an intake made in Sekoia for VNet flow logs; needed when a target is a VNet, subnet, NIC or scope, unless `sekoiaApiKey` is set. Secret. */
  readonly sekoiaVnetIntakeKey?: pulumi.Input<string>;
  /** Sekoia API key with the intake-management permission: with `sekoiaEntityUuid`, the component creates the intakes itself. Secret. Default: none. */
  readonly sekoiaApiKey?: pulumi.Input<string>;
  /** Uuid of the Sekoia entity the created intakes belong to; with `sekoiaApiKey`. */
  readonly sekoiaEntityUuid?: string;
  /** Sekoia API base of your region. Default: `https://api.sekoia.io`. A change replaces the intakes. */
  readonly sekoiaApiUrl?: string;
  /** Sub-community of a multi-tenant workspace to create the intakes in. Default: the API key's own. */
  readonly sekoiaCommunityUuid?: string;
  /** Prefix of the created intakes' names. Default: `azure-flowlogs-<stack>`; a change renames them in place. */
  readonly sekoiaIntakeName?: string;
  /** Prebuilt forwarder image pinned by digest (`registry/name@sha256:...`). Default: built from forwarder/Dockerfile into a registry the component owns. */
  readonly forwarderImage?: string;
  /** With `forwarderImage` in a private Azure Container Registry (`.azurecr.io`, `.azurecr.us` or `.azurecr.cn` by cloud): its ARM id (the app pulls with its identity). */
  readonly forwarderImageRegistryId?: string;
  /** With `forwarderImage` in another private registry: the username the app pulls with. */
  readonly forwarderImageRegistryUsername?: string;
  /** The password of `forwarderImageRegistryUsername`. Secret. */
  readonly forwarderImageRegistryPassword?: pulumi.Input<string>;
  /** vCPU and memory of the forwarder's container, `<vCPU>/<memory>Gi`: one of the pairs Container Apps accepts, 0.25/0.5Gi to 4/8Gi in steps of 0.25 vCPU with twice as many GiB. About 22,000 tuples/s per 0.25 vCPU. Default: `0.25/0.5Gi`. */
  readonly forwarderSize?: string;
  /** Also send the flow logs to Traffic Analytics in the component's workspace. Default: false. */
  readonly trafficAnalytics?: boolean;
  /** Traffic Analytics processing interval, 10 or 60 minutes. Default: 60. */
  readonly trafficAnalyticsIntervalMinutes?: number;
  /** Alert when flow logs were written but nothing was sent for this many minutes (a window Azure Monitor accepts). Default: 30. */
  readonly alertNoDeliveryMinutes?: number;
  /** Alert when the forwarder container restarts this many times within an hour (1..100). Default: 3. */
  readonly alertRestartCount?: number;
  /** E-mail address the alerts notify. Default: none (alerts show in Azure Monitor only). */
  readonly alertEmail?: string;
  /** Forwarder replicas, 1 <= minReplicas <= maxReplicas <= 100. Default: exactly one, polling. A maximum above 1 turns event mode on (Event Grid system topics, a queue, the azure-queue scale rule). */
  readonly forwarderScale?: ForwarderScaleArgs;
  /** Tags added to every resource the component creates (e.g. those an Azure Policy requires), besides its own `project`, `stack` and `managed-by`: a tag of those names, in any case, is refused, never overriding them. At most 47; names up to 128 characters without `< > % & \ ? /`; values up to 256. Default: none. */
  readonly tags?: Record<string, string>;
  /** Deploy with no public endpoint, in subnets of yours. Default: public endpoints (hardened, SAS for Sekoia). */
  readonly privateNetworking?: PrivateNetworking;
}

/** How many forwarder replicas may run (Python: `ForwarderScaleArgs`). */
export interface ForwarderScaleArgs {
  /** Replicas always running, at least 1 (one runs the reconciliation listing). */
  readonly minReplicas: number;
  /** Most replicas; above 1, event mode. */
  readonly maxReplicas: number;
}

/** Stacks (per project and stack name) that already hold an instance: its children's names are fixed. */
const instances = new Set<string>();
/** Each instance's registration of its children (a class property would become a schema output). */
const deployments = new WeakMap<SekoiaFlowLogs, Promise<unknown>>();
/** Instances whose program awaits `deployed`: that program reports a failed registration. */
const observed = new WeakSet<SekoiaFlowLogs>();

/**
 * Resolves once every child of `component` is registered; rejects with the reason when one could not
 * be (a `scope` that cannot be listed). A program that awaits it fails with that message, once;
 * otherwise every output of the component fails with it.
 */
export function deployed(component: SekoiaFlowLogs): Promise<void> {
  observed.add(component);
  return deployments.get(component)!.then(() => undefined);
}

export class SekoiaFlowLogs extends pulumi.ComponentResource {
  /** The resource group of the shared resources. */
  public readonly resourceGroupName: pulumi.Output<string>;
  /** Per subscription and region: the flow-log account, its blob endpoint and containers. Not secret. */
  public readonly flowLogStorage: pulumi.Output<Record<string, Record<string, FlowLogStorageOutput>>>;
  /** Per subscription, region and container: the read-only SAS token for Sekoia. Secret. Undefined in private mode (no SAS). */
  public readonly sekoiaSasTokens: pulumi.Output<Record<string, Record<string, Record<string, string>>> | undefined>;
  /** Per subscription, region and container: the container URL with its SAS. Secret. Undefined in private mode. */
  public readonly sekoiaSasUrls: pulumi.Output<Record<string, Record<string, Record<string, string>>> | undefined>;
  /** When every SAS stops working (normalized to UTC). Undefined in private mode. */
  public readonly sasExpiry: pulumi.Output<string | undefined>;
  /** Per subscription and region: the Network Watcher used. */
  public readonly networkWatchers: pulumi.Output<Record<string, Record<string, NetworkWatcherOutput>>>;
  /** Per subscription: target ARM id -> flow log ARM id. */
  public readonly flowLogIds: pulumi.Output<Record<string, Record<string, string>>>;
  /** Per `scope` entry of targets (`targets[<i>]`): what it selected; undefined without scopes. */
  public readonly targetSelections: pulumi.Output<Record<string, TargetSelectionOutput> | undefined>;
  /** Flow-log families deployed (nsg, vnet) and the container each writes to. */
  public readonly flowLogContainers: pulumi.Output<Record<string, string>>;
  /** URL of the container holding the forwarder's checkpoints. */
  public readonly checkpointContainerUrl: pulumi.Output<string>;
  /** The forwarder image the app runs, pinned by digest. */
  public readonly forwarderImage: pulumi.Output<string>;
  /** Name of the forwarder's Container App. */
  public readonly forwarderAppName: pulumi.Output<string>;
  /** A Log Analytics query that shows the forwarder's polls and sends. */
  public readonly forwarderLogQuery: pulumi.Output<string>;
  /** ARM id of the Log Analytics workspace. */
  public readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
  /** ARM ids of the alert rules. */
  public readonly alertRuleIds: pulumi.Output<AlertRuleIdsOutput>;
  /** ARM id of the action group that e-mails `alertEmail`; undefined without it. */
  public readonly alertActionGroupId: pulumi.Output<string | undefined>;
  /** The intakes created through Sekoia's API (kind, name, uuid); undefined without `sekoiaApiKey`. */
  public readonly sekoiaIntakes: pulumi.Output<SekoiaIntakeOutput[] | undefined>;
  /** Private mode: each storage private endpoint's FQDN and private IPs, the A records to make when neither the platform nor the component does. */
  public readonly privateDnsRecords: pulumi.Output<Record<string, string[]> | undefined>;

  constructor(name: string, args: SekoiaFlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before the component registers: invalid args throw with every problem, nothing registered.
    const { config, warnings } = configFromArgs(args as unknown as Readonly<Record<string, unknown>>);
    const stack = `${pulumi.getProject()}/${pulumi.getStack()}`;
    if (instances.has(stack)) {
      throw new Error(`SekoiaFlowLogs "${name}": this stack already has one; its resources' names are fixed, so a stack holds one instance.`);
    }
    instances.add(stack);
    super(SEKOIA_FLOW_LOGS_TYPE, name, withSecretArgs(args), opts);
    for (const w of warnings) void pulumi.log.warn(w, this);

    const registration = registerChildren(this, config);
    deployments.set(this, registration);
    // A failed registration fails the outputs, unless a program awaits `deployed` and reports it there:
    // then they stay empty rather than repeat the same error once per output.
    const outcome = registration.catch((error: unknown) => {
      if (observed.has(this)) return undefined;
      throw error;
    });
    const output = <K extends keyof SekoiaFlowLogsOutputs>(key: K) =>
      pulumi.output(outcome.then((o) => o?.[key])) as unknown as pulumi.Output<SekoiaFlowLogsOutputs[K]>;
    this.resourceGroupName = output("resourceGroupName");
    this.flowLogStorage = output("flowLogStorage");
    this.sekoiaSasTokens = output("sekoiaSasTokens");
    this.sekoiaSasUrls = output("sekoiaSasUrls");
    this.sasExpiry = output("sasExpiry");
    this.networkWatchers = output("networkWatchers");
    this.flowLogIds = output("flowLogIds");
    this.targetSelections = output("targetSelections");
    this.flowLogContainers = output("flowLogContainers");
    this.checkpointContainerUrl = output("checkpointContainerUrl");
    this.forwarderImage = output("forwarderImage");
    this.forwarderAppName = output("forwarderAppName");
    this.forwarderLogQuery = output("forwarderLogQuery");
    this.logAnalyticsWorkspaceId = output("logAnalyticsWorkspaceId");
    this.alertRuleIds = output("alertRuleIds");
    this.alertActionGroupId = output("alertActionGroupId");
    this.sekoiaIntakes = output("sekoiaIntakes");
    this.privateDnsRecords = output("privateDnsRecords");
    this.registerOutputs(outcome.then((o) => o ?? {}));
  }
}

/** The args as the engine records them for the component: secrets only as secrets. */
function withSecretArgs(args: SekoiaFlowLogsArgs): pulumi.Inputs {
  const secret = (v: pulumi.Input<string> | undefined) => (v === undefined ? undefined : pulumi.secret(v));
  return {
    ...args,
    sekoiaNsgIntakeKey: secret(args.sekoiaNsgIntakeKey),
    sekoiaVnetIntakeKey: secret(args.sekoiaVnetIntakeKey),
    sekoiaApiKey: secret(args.sekoiaApiKey),
    forwarderImageRegistryPassword: secret(args.forwarderImageRegistryPassword),
  };
}
