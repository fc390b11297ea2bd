// The Pulumi program: turns on flow logs for the configured targets, stores them per region, shares
// them with Sekoia through read-only SAS, and runs the forwarder. Config in, components wired,
// stack outputs out; the decisions live in the component files.
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { FLOW_LOG_CONTAINERS } from "../forwarder/contract";
import type { FlowLogFamily } from "./arm-id";
import { blobPathSource, ForwarderAlerts, pollLogQuery } from "./alerts";
import { readStackConfig } from "./config";
import { ForwarderApp } from "./forwarder-app";
import { ForwarderImage } from "./forwarder-image";
import { FlowLogs } from "./flow-logs";
import { NetworkWatcher } from "./network-watcher";
import { azureProvider } from "./provider";
import { containersInUse, readOnlyContainerSas } from "./sas";
import { SekoiaIntakes } from "./sekoia-intakes";
import { CheckpointStorage, FlowLogStorage } from "./storage";
import { LogWorkspace } from "./workspace";

// Validates everything first: an invalid configuration throws before any resource is registered.
const config = readStackConfig();
const tags = { project: "sekoia-flowlogs", stack: pulumi.getStack(), "managed-by": "pulumi" };

const azure = azureProvider({ subscriptionId: config.subscriptionId, location: config.location });
/** Every component passes it to its azure-native children and invokes. */
const onAzure = { providers: [azure] };

const group = new resources.ResourceGroup("sekoia-flowlogs", { location: config.location, tags }, { provider: azure });
const workspace = new LogWorkspace("logs", { location: config.location, resourceGroupName: group.name, tags }, onAzure);

const regions = config.regions.map((region) => {
  const targets = config.targets.filter((t) => t.location === region);
  const containers = containersInUse(targets.map((t) => t.family));
  const storage = new FlowLogStorage(
    `flowlogs-${region}`,
    {
      location: region,
      resourceGroupName: group.name,
      retentionDays: config.retentionDays,
      tags,
    },
    onAzure,
  );
  const watcher = new NetworkWatcher(
    `watcher-${region}`,
    {
      region,
      mode: config.networkWatcher,
      configured: config.networkWatchers[region],
      subscriptionId: config.subscriptionId,
      resourceGroupName: group.name,
      tags,
    },
    onAzure,
  );
  const flowLogs = new FlowLogs(
    `flowlogs-${region}`,
    {
      region,
      targets,
      networkWatcherName: watcher.watcherName,
      networkWatcherResourceGroupName: watcher.resourceGroupName,
      storageAccountId: storage.account.id,
      trafficAnalytics: {
        ...config.trafficAnalytics,
        workspaceId: workspace.customerId,
        workspaceRegion: config.location,
        workspaceResourceId: workspace.workspaceId,
      },
      tags,
    },
    onAzure,
  );
  const sas = Object.fromEntries(containers.map((c) => [c, readOnlyContainerSas(storage.accountName, group.name, c, config.sasExpiry, { provider: azure })]));
  return { region, containers, storage, watcher, flowLogs, sas };
});

const checkpoints = new CheckpointStorage(
  "checkpoints",
  {
    location: config.location,
    resourceGroupName: group.name,
    retentionDays: config.retentionDays,
    tags,
  },
  onAzure,
);

const image = new ForwarderImage(
  "forwarder",
  {
    forwarderImage: config.forwarderImage,
    location: config.location,
    resourceGroupName: group.name,
    tags,
  },
  onAzure,
);

// Sekoia side: with sekoiaApiKey and sekoiaEntityUuid the stack creates the intakes and their keys
// replace the intake-key config keys (config.ts rejects setting both for one kind).
const sekoia = config.sekoiaApi ? new SekoiaIntakes("sekoia", config.sekoiaApi) : undefined;
const intakeKeys = { ...config.intakeKeys, ...sekoia?.intakeKeys };

const flowLogAccounts = regions.map((r) => ({
  region: r.region,
  accountId: r.storage.account.id,
  blobEndpoint: r.storage.blobEndpoint,
  containers: r.containers,
}));

const forwarder = new ForwarderApp(
  "forwarder",
  {
    location: config.location,
    resourceGroupName: group.name,
    workspace: { customerId: workspace.customerId, sharedKey: workspace.sharedKey },
    imageRef: image.imageRef,
    registry: image.registry
      ? { kind: "identity", id: image.registry.id, server: image.registry.loginServer }
      : config.forwarderImagePull?.kind === "identity"
        ? { kind: "identity", id: config.forwarderImagePull.registryId, server: config.forwarderImagePull.server }
        : config.forwarderImagePull,
    flowLogAccounts,
    checkpoint: { containerId: checkpoints.container.id, containerUrl: checkpoints.containerUrl },
    intakeUrl: config.sekoiaIntakeUrl,
    intakeKeys,
    tags,
  },
  onAzure,
);

const alerts = new ForwarderAlerts(
  "alerts",
  {
    location: config.location,
    resourceGroupName: group.name,
    workspaceId: workspace.workspaceId,
    appName: forwarder.appName,
    flowLogAccounts,
    flowLogSources: pulumi.all(
      regions.flatMap((r) => r.flowLogs.flowLogs.map((f, i) => f.id.apply((id) => blobPathSource(r.flowLogs.targets[i].family, r.flowLogs.targets[i].id, id)))),
    ),
    noDeliveryMinutes: config.alerts.noDeliveryMinutes,
    restartCount: config.alerts.restartCount,
    email: config.alerts.email,
    tags,
  },
  onAzure,
);

const byRegion = <T>(pick: (r: (typeof regions)[number]) => T): Record<string, T> => Object.fromEntries(regions.map((r) => [r.region, pick(r)]));

/** The stack's resource group. */
export const resourceGroupName = group.name;
/** Per region: what Sekoia needs besides the SAS (account, blob endpoint, containers). Not secret. */
export const flowLogStorage = byRegion((r) => ({
  accountName: r.storage.accountName,
  blobEndpoint: r.storage.blobEndpoint,
  containers: r.containers,
}));
/** Per region and container: the read-only SAS token for Sekoia. Secret. */
export const sekoiaSasTokens = pulumi.secret(byRegion((r) => r.sas));
/** Per region and container: the container URL with its SAS, ready to paste. Secret. */
export const sekoiaSasUrls = pulumi.secret(
  byRegion((r) => Object.fromEntries(r.containers.map((c) => [c, pulumi.interpolate`${r.storage.blobEndpoint}${c}?${r.sas[c]}`]))),
);
/** When every SAS stops working (change sasExpiry and `pulumi up` to rotate). */
export const sasExpiry = config.sasExpiry;
/** Per region: the Network Watcher used and whether it is adopted (never deleted) or owned. */
export const networkWatchers = byRegion((r) => ({
  name: r.watcher.watcherName,
  resourceGroupName: r.watcher.resourceGroupName,
  adopted: r.watcher.adopted,
}));
/** Target ARM id -> flow log ARM id. */
export const flowLogIds = pulumi.all(regions.map((r) => r.flowLogs.flowLogIds)).apply((maps) => Object.assign({}, ...maps) as Record<string, string>);
/** Flow-log families deployed and the container each writes to. */
export const flowLogContainers = Object.fromEntries(
  [...new Set(config.targets.map((t) => t.family))].sort().map((f: FlowLogFamily) => [f, FLOW_LOG_CONTAINERS[f]]),
);
export const checkpointContainerUrl = checkpoints.containerUrl;
export const forwarderImage = image.imageRef;
export const forwarderAppName = forwarder.appName;
/** Paste into the workspace's Logs blade to watch the forwarder poll and send. */
export const forwarderLogQuery = forwarder.appName.apply(pollLogQuery);
export const logAnalyticsWorkspaceId = workspace.workspaceId;
export const alertRuleIds = { noDelivery: alerts.noDeliveryRule.id, restarts: alerts.restartRule.id, flowLogsStopped: alerts.stoppedRule.id };
export const alertActionGroupId = alerts.actionGroup?.id;
/** The Sekoia intakes the stack created (kind, name, uuid; never their keys), when sekoiaApiKey is set. */
export const sekoiaIntakes = sekoia?.summary;
