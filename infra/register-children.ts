// The component's children, wired: every concern's resources registered under the component, each
// with what the others give it, and the outputs computed from them. Each concern's decisions live in
// its folder; this file only connects them. Every direct child keeps the name the stack program gave
// it before the component existed (its alias points at the stack root), so a stack made then keeps
// every resource.
import * as pulumi from "@pulumi/pulumi";
import { BLOB_EVENTS_QUEUE, FLOW_LOG_CONTAINERS } from "../forwarder/contract";
import type { RegisteredOutputs, TargetSelectionOutput } from "./component-outputs";
import { ownTags, unusedWatcherWarnings, type FlowLogFamily, type StackConfig } from "./config";
import {
  checkPrivateNetwork,
  groupEstate,
  privateBlobAccess,
  privateDnsRecords,
  privateNetworkCheck,
  resolveTargets,
  SharedSubscriptionGuard,
  Subscriptions,
  targetSelection,
  type StorageGroup,
} from "./estate";
import { BlobEvents, ForwarderApp, ForwarderImage } from "./forwarder";
import { ForwarderAlerts, LogWorkspace, pollLogQuery } from "./monitoring";
import { FlowLogs, NetworkWatcher } from "./network";
import { SekoiaIntakes } from "./sekoia";
import { CheckpointStorage, EVENT_DEAD_LETTER_CONTAINER, FlowLogStorage, readOnlyContainerSas } from "./storage";

/**
 * Registers every child. Async because `scope` targets are listed (a read, which also runs in
 * preview) before the flow logs that depend on them are registered: every flow log is then a plain
 * resource that `pulumi preview` shows.
 */
export async function registerChildren(component: pulumi.ComponentResource, config: StackConfig): Promise<RegisteredOutputs> {
  const tags = { ...ownTags(pulumi.getStack()), ...config.tags };
  // Every direct child sat at the stack root before the component existed: the alias keeps its state.
  const child = { parent: component, aliases: [{ parent: pulumi.rootStackResource }] };
  // A change of the shared subscription would delete accounts with unread blobs: refused before any provider registers.
  const guard = new SharedSubscriptionGuard("shared-subscription", { subscriptionId: config.subscriptionId }, { parent: component });
  const subscriptions = new Subscriptions(
    { sharedSubscriptionId: config.subscriptionId, location: config.location, settings: config.provider, tags, providersDependOn: [guard] },
    child,
  );
  const azure = subscriptions.provider(config.subscriptionId);
  const onAzure = { ...child, providers: [azure] };
  const onSubscription = (subscriptionId: string) => ({ ...child, providers: [subscriptions.provider(subscriptionId)] });

  // Only the providers exist yet: a scope that cannot be listed, or a target Azure has in another
  // region than its entry gives, stops here, before anything is created.
  const selected = await resolveTargets(
    config.targets,
    config.scopes,
    targetSelection.lister(config.armEndpoint, azure),
    targetSelection.locator(config.armEndpoint, azure),
  );
  const estate = groupEstate(selected.targets, config.subscriptionId, config.flowLogStorageSubscriptionId);
  const used = new Set(estate.flowLogGroups.map((g) => `${g.subscriptionId}/${g.region}`));
  for (const w of [...selected.warnings, ...unusedWatcherWarnings(config.networkWatchers, used)]) void pulumi.log.warn(w, component);
  // Private mode: the subnets are read from Azure too, before anything is created.
  const network = config.privateNetworking;
  if (network) {
    const checked = await checkPrivateNetwork(network, config.location, privateNetworkCheck.reader(config.armEndpoint, azure));
    for (const w of checked.warnings) void pulumi.log.warn(w, component);
  }
  const reach = network ? privateBlobAccess(component, network, config.location, subscriptions, tags) : undefined;
  const privateAccess = reach ? { privateAccess: reach.access } : {};

  const group = subscriptions.resourceGroup(config.subscriptionId);
  const workspace = new LogWorkspace("logs", { location: config.location, resourceGroupName: group.name, tags }, onAzure);

  const accounts = estate.storageGroups.map((place) => {
    const groupName = subscriptions.resourceGroup(place.subscriptionId).name;
    const storage = new FlowLogStorage(
      `flowlogs-${place.name}`,
      { location: place.region, resourceGroupName: groupName, retentionDays: config.retentionDays, tags, ...privateAccess },
      onSubscription(place.subscriptionId),
    );
    const provider = subscriptions.provider(place.subscriptionId);
    // Private mode mints none: Sekoia's pull connector cannot reach an account without public access.
    const expiry = config.sasExpiry;
    const sas =
      expiry === undefined
        ? undefined
        : Object.fromEntries(place.containers.map((c) => [c, readOnlyContainerSas(storage.accountName, groupName, c, expiry, { provider })]));
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
        // Only a watcher the component creates needs a group of its own in that subscription.
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

  const eventMode = config.forwarderScale.eventMode;
  const checkpoints = new CheckpointStorage(
    "checkpoints",
    {
      location: config.location,
      resourceGroupName: group.name,
      retentionDays: config.retentionDays,
      tags,
      ...(eventMode ? { blobEvents: true } : {}),
      ...privateAccess,
    },
    onAzure,
  );
  const image = new ForwarderImage(
    "forwarder",
    { forwarderImage: config.forwarderImage, location: config.location, resourceGroupName: group.name, tags },
    onAzure,
  );

  // With sekoiaApiKey and sekoiaEntityUuid the component creates the intakes, whose keys replace the
  // intake-key args (validation refuses both for one kind).
  const sekoia = config.sekoiaApi ? new SekoiaIntakes("sekoia", config.sekoiaApi, child) : undefined;
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

  const pull = config.forwarderImagePull;
  const forwarder = new ForwarderApp(
    "forwarder",
    {
      location: config.location,
      resourceGroupName: group.name,
      workspaceId: workspace.workspaceId,
      imageRef: image.imageRef,
      registry: image.registry
        ? { kind: "identity", id: image.registry.id, server: image.registry.loginServer }
        : pull?.kind === "identity"
          ? { kind: "identity", id: pull.registryId, server: pull.server }
          : pull,
      flowLogAccounts,
      checkpoint: { containerId: checkpoints.container.id, containerUrl: checkpoints.containerUrl },
      intakeUrl: config.sekoiaIntakeUrl,
      intakeKeys,
      size: config.forwarderSize,
      tags,
      ...(network && reach
        ? {
            infrastructureSubnetId: network.containerAppsSubnet.id,
            storageReachableAfter: [...accounts.flatMap((a) => a.storage.reachable), ...checkpoints.reachable, ...reach.resolvable],
          }
        : {}),
      ...(checkpoints.blobEvents
        ? {
            scale: config.forwarderScale,
            blobEvents: {
              queueId: checkpoints.blobEvents.queue.id,
              queueUrl: checkpoints.blobEvents.queueUrl,
              accountName: checkpoints.account.name,
              queueName: BLOB_EVENTS_QUEUE,
            },
          }
        : {}),
    },
    onAzure,
  );

  // Event mode: every flow-log account's appends announced on the queue the replicas share.
  if (checkpoints.blobEvents) {
    const events = checkpoints.blobEvents;
    new BlobEvents(
      "blob-events",
      {
        sources: accounts.map(({ place, storage }) => ({
          name: place.name,
          provider: subscriptions.provider(place.subscriptionId),
          accountId: storage.account.id,
          accountName: storage.accountName,
          location: place.region,
          resourceGroupName: subscriptions.resourceGroup(place.subscriptionId).name,
          containers: place.containers,
        })),
        queueAccountId: checkpoints.account.id,
        queueId: events.queue.id,
        queueName: BLOB_EVENTS_QUEUE,
        deadLetterContainerId: events.deadLetters.id,
        deadLetterContainerName: EVENT_DEAD_LETTER_CONTAINER,
        tags,
      },
      // A new child: no alias to an older root; the grants on the queue use the shared provider.
      { parent: component, providers: [azure] },
    );
  }

  const alerts = new ForwarderAlerts(
    "alerts",
    {
      location: config.location,
      resourceGroupName: group.name,
      workspaceId: workspace.workspaceId,
      appName: forwarder.appName,
      flowLogAccounts,
      // Per account, how many flow logs write there: the "stopped" alert counts the blob roots writing.
      flowLogCounts: pulumi.all(
        accounts.map(({ place, storage }) =>
          storage.accountName.apply((account) => ({
            account,
            flowLogs: estate.flowLogGroups.filter((g) => g.storage === place).reduce((n, g) => n + g.targets.length, 0),
          })),
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
    resourceGroupName: group.name,
    flowLogStorage: bySubscription(accounts, ({ place, storage }) =>
      pulumi
        .all([storage.accountName, storage.blobEndpoint])
        .apply(([accountName, blobEndpoint]) => ({ accountName, blobEndpoint, containers: [...place.containers] })),
    ),
    sekoiaSasTokens: config.sasExpiry ? pulumi.secret(bySubscription(accounts, (a) => a.sas!)) : undefined,
    sekoiaSasUrls: config.sasExpiry
      ? pulumi.secret(
          bySubscription(accounts, ({ place, storage, sas }) =>
            Object.fromEntries(place.containers.map((c) => [c, pulumi.interpolate`${storage.blobEndpoint}${c}?${sas![c]}`])),
          ),
        )
      : undefined,
    sasExpiry: config.sasExpiry,
    networkWatchers: bySubscription(flowLogGroups, ({ watcher }) =>
      pulumi.all([watcher.watcherName, watcher.resourceGroupName]).apply(([watcherName, resourceGroupName]) => ({
        name: watcherName,
        resourceGroupName,
        adopted: watcher.adopted,
      })),
    ),
    flowLogIds: pulumi
      .all(estate.subscriptions.map((sub) => pulumi.all(flowLogGroups.filter((g) => g.place.subscriptionId === sub).map((g) => g.flowLogs.flowLogIds))))
      .apply((perSubscription) =>
        Object.fromEntries(
          estate.subscriptions
            .map((sub, i) => [sub, Object.assign({}, ...perSubscription[i]) as Record<string, string>] as const)
            .filter(([, ids]) => Object.keys(ids).length > 0),
        ),
      ),
    targetSelections: config.scopes.length > 0 ? (selected.selections as Record<string, TargetSelectionOutput>) : undefined,
    flowLogContainers: Object.fromEntries([...new Set(selected.targets.map((t) => t.family))].sort().map((f: FlowLogFamily) => [f, FLOW_LOG_CONTAINERS[f]])),
    checkpointContainerUrl: checkpoints.containerUrl,
    forwarderImage: image.imageRef,
    forwarderAppName: forwarder.appName,
    forwarderLogQuery: forwarder.appName.apply(pollLogQuery),
    logAnalyticsWorkspaceId: workspace.workspaceId,
    alertRuleIds: { noDelivery: alerts.noDeliveryRule.id, restarts: alerts.restartRule.id, flowLogsStopped: alerts.stoppedRule.id },
    alertActionGroupId: alerts.actionGroup?.id,
    sekoiaIntakes: sekoia?.summary,
    privateDnsRecords: network ? privateDnsRecords([...accounts.map((a) => a.storage), checkpoints]) : undefined,
  };
}

/** `{<subscription>: {<region>: pick(item)}}`, the shape of the per-place outputs. */
function bySubscription<I extends { place: { subscriptionId: string; region: string } }, T>(
  items: readonly I[],
  pick: (item: I) => T,
): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const item of items) (out[item.place.subscriptionId] ??= {})[item.place.region] = pick(item);
  return out;
}
