// The Pulumi program: turns on flow logs for the configured targets, in any subscription of the
// tenant, stores them per subscription and region, shares them with Sekoia through read-only SAS, and
// runs one forwarder reading every account. Config in, components wired, stack outputs out; the
// decisions live in the component files.
import * as pulumi from "@pulumi/pulumi";
import { FLOW_LOG_CONTAINERS } from "../forwarder/contract";
import type { FlowLogFamily } from "./config/arm-id";
import { blobPathSource, ForwarderAlerts, pollLogQuery } from "./monitoring/alerts";
import { readStackConfig } from "./config/stack-config";
import { ForwarderApp } from "./forwarder/forwarder-app";
import { ForwarderImage } from "./forwarder/forwarder-image";
import { FlowLogs } from "./network/flow-logs";
import { NetworkWatcher } from "./network/network-watcher";
import { groupEstate, type StorageGroup } from "./estate/estate";
import { readOnlyContainerSas } from "./storage/sas";
import { SekoiaIntakes } from "./sekoia/sekoia-intakes";
import { CheckpointStorage, FlowLogStorage } from "./storage/storage";
import { Subscriptions } from "./estate/subscriptions";
import { resolveTargets, targetSelection } from "./estate/target-selection";
import { unusedWatcherWarnings } from "./config/watcher-config";
import { LogWorkspace } from "./monitoring/workspace";

// The program's entry is async: `{scope}` target selections are listed (a read, which also runs in
// preview) and awaited before the resources that depend on them are registered, so every flow log is
// a plain resource that `pulumi preview` shows. Pulumi awaits an exported function's promise and
// takes the object it resolves to as the stack outputs.
export = async (): Promise<Record<string, unknown>> => {
  // Validates everything first: an invalid configuration throws before any resource is registered.
  const config = readStackConfig();
  const tags = { project: "sekoia-flowlogs", stack: pulumi.getStack(), "managed-by": "pulumi" };

  const subscriptions = new Subscriptions({
    sharedSubscriptionId: config.subscriptionId,
    location: config.location,
    settings: config.provider,
    tags,
  });
  const azure = subscriptions.provider(config.subscriptionId);
  /** Every component passes it to its azure-native children and invokes. */
  const onAzure = { providers: [azure] };
  const onSubscription = (subscriptionId: string) => ({ providers: [subscriptions.provider(subscriptionId)] });

  // Only the provider exists yet: a scope that cannot be listed stops the program before anything is created.
  const selected = await resolveTargets(config.targets, config.scopes, targetSelection.lister(config.armEndpoint, azure));
  const estate = groupEstate(selected.targets, config.subscriptionId, config.flowLogStorageSubscriptionId);
  const used = new Set(estate.flowLogGroups.map((g) => `${g.subscriptionId}/${g.region}`));
  for (const w of [...selected.warnings, ...unusedWatcherWarnings(config.networkWatchers, used)]) void pulumi.log.warn(w);

  const group = subscriptions.resourceGroup(config.subscriptionId);
  const workspace = new LogWorkspace("logs", { location: config.location, resourceGroupName: group.name, tags }, onAzure);

  const accounts = estate.storageGroups.map((place) => {
    const groupName = subscriptions.resourceGroup(place.subscriptionId).name;
    const storage = new FlowLogStorage(
      `flowlogs-${place.name}`,
      { location: place.region, resourceGroupName: groupName, retentionDays: config.retentionDays, tags },
      onSubscription(place.subscriptionId),
    );
    const sas = Object.fromEntries(
      place.containers.map((c) => [
        c,
        readOnlyContainerSas(storage.accountName, groupName, c, config.sasExpiry, { provider: subscriptions.provider(place.subscriptionId) }),
      ]),
    );
    return { place, storage, sas };
  });
  const accountOf = (place: StorageGroup) => accounts.find((a) => a.place === place)!.storage;

  const flowLogGroups = estate.flowLogGroups.map((place) => {
    const configured = config.networkWatchers[place.subscriptionId]?.[place.region];
    const watcher = new NetworkWatcher(
      `watcher-${place.name}`,
      {
        region: place.region,
        mode: config.networkWatcher,
        ...(configured ? { configured } : {}),
        subscriptionId: place.subscriptionId,
        // Only a watcher the stack creates needs a group of the stack in that subscription.
        ...(!configured && config.networkWatcher === "create" ? { resourceGroupName: subscriptions.resourceGroup(place.subscriptionId).name } : {}),
        tags,
      },
      onSubscription(place.subscriptionId),
    );
    const flowLogs = new FlowLogs(
      `flowlogs-${place.name}`,
      {
        region: place.region,
        targets: place.targets,
        networkWatcherName: watcher.watcherName,
        networkWatcherResourceGroupName: watcher.resourceGroupName,
        storageAccountId: accountOf(place.storage).account.id,
        trafficAnalytics: {
          ...config.trafficAnalytics,
          workspaceId: workspace.customerId,
          workspaceRegion: config.location,
          workspaceResourceId: workspace.workspaceId,
        },
        tags,
      },
      onSubscription(place.subscriptionId),
    );
    return { place, watcher, flowLogs };
  });

  const checkpoints = new CheckpointStorage(
    "checkpoints",
    { location: config.location, resourceGroupName: group.name, retentionDays: config.retentionDays, tags },
    onAzure,
  );

  const image = new ForwarderImage(
    "forwarder",
    { forwarderImage: config.forwarderImage, location: config.location, resourceGroupName: group.name, tags },
    onAzure,
  );

  // Sekoia side: with sekoiaApiKey and sekoiaEntityUuid the stack creates the intakes and their keys
  // replace the intake-key config keys (config.ts rejects setting both for one kind).
  const sekoia = config.sekoiaApi ? new SekoiaIntakes("sekoia", config.sekoiaApi) : undefined;
  const intakeKeys = { ...config.intakeKeys, ...sekoia?.intakeKeys };

  // Each account with the provider of its own subscription: the forwarder's read role and the
  // diagnostic setting on it are made there.
  const flowLogAccounts = accounts.map(({ place, storage }) => ({
    name: place.name,
    subscriptionId: place.subscriptionId,
    provider: subscriptions.provider(place.subscriptionId),
    accountId: storage.account.id,
    blobEndpoint: storage.blobEndpoint,
    containers: place.containers,
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
        flowLogGroups.flatMap(({ flowLogs }) =>
          flowLogs.flowLogs.map((f, i) => f.id.apply((id) => blobPathSource(flowLogs.targets[i].family, flowLogs.targets[i].id, id))),
        ),
      ),
      noDeliveryMinutes: config.alerts.noDeliveryMinutes,
      restartCount: config.alerts.restartCount,
      email: config.alerts.email,
      tags,
    },
    onAzure,
  );

  return {
    /** The stack's resource group (shared subscription). */
    resourceGroupName: group.name,
    /** Per subscription and region: what Sekoia needs besides the SAS (account, blob endpoint, containers). Not secret. */
    flowLogStorage: bySubscription(accounts, ({ place, storage }) => ({
      accountName: storage.accountName,
      blobEndpoint: storage.blobEndpoint,
      containers: place.containers,
    })),
    /** Per subscription, region and container: the read-only SAS token for Sekoia. Secret. */
    sekoiaSasTokens: pulumi.secret(bySubscription(accounts, (a) => a.sas)),
    /** Per subscription, region and container: the container URL with its SAS, ready to paste. Secret. */
    sekoiaSasUrls: pulumi.secret(
      bySubscription(accounts, ({ place, storage, sas }) =>
        Object.fromEntries(place.containers.map((c) => [c, pulumi.interpolate`${storage.blobEndpoint}${c}?${sas[c]}`])),
      ),
    ),
    /** When every SAS stops working (change sasExpiry and `pulumi up` to rotate). */
    sasExpiry: config.sasExpiry,
    /** Per subscription and region: the Network Watcher used and whether it is adopted (never deleted) or owned. */
    networkWatchers: bySubscription(flowLogGroups, ({ watcher }) => ({
      name: watcher.watcherName,
      resourceGroupName: watcher.resourceGroupName,
      adopted: watcher.adopted,
    })),
    /** Per subscription: target ARM id -> flow log ARM id. */
    flowLogIds: pulumi
      .all(estate.subscriptions.map((sub) => pulumi.all(flowLogGroups.filter((g) => g.place.subscriptionId === sub).map((g) => g.flowLogs.flowLogIds))))
      .apply((perSubscription) =>
        Object.fromEntries(
          estate.subscriptions
            .map((sub, i) => [sub, Object.assign({}, ...perSubscription[i]) as Record<string, string>] as const)
            .filter(([, ids]) => Object.keys(ids).length > 0),
        ),
      ),
    /** Per `{scope}` entry of targets: the VNets it selected. */
    targetSelections: config.scopes.length > 0 ? selected.selections : undefined,
    /** Flow-log families deployed and the container each writes to. */
    flowLogContainers: Object.fromEntries([...new Set(selected.targets.map((t) => t.family))].sort().map((f: FlowLogFamily) => [f, FLOW_LOG_CONTAINERS[f]])),
    checkpointContainerUrl: checkpoints.containerUrl,
    forwarderImage: image.imageRef,
    forwarderAppName: forwarder.appName,
    /** Paste into the workspace's Logs blade to watch the forwarder poll and send. */
    forwarderLogQuery: forwarder.appName.apply(pollLogQuery),
    logAnalyticsWorkspaceId: workspace.workspaceId,
    alertRuleIds: { noDelivery: alerts.noDeliveryRule.id, restarts: alerts.restartRule.id, flowLogsStopped: alerts.stoppedRule.id },
    alertActionGroupId: alerts.actionGroup?.id,
    /** The Sekoia intakes the stack created (kind, name, uuid; never their keys), when sekoiaApiKey is set. */
    sekoiaIntakes: sekoia?.summary,
  };
};

/** `{<subscription>: {<region>: pick(item)}}`, the shape of the per-place stack outputs. */
function bySubscription<I extends { place: { subscriptionId: string; region: string } }, T>(
  items: readonly I[],
  pick: (item: I) => T,
): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const item of items) (out[item.place.subscriptionId] ??= {})[item.place.region] = pick(item);
  return out;
}
