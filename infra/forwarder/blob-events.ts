// Event mode's work distribution (forwarderScale.maxReplicas > 1): per flow-log account, an Event Grid
// system topic and one subscription that delivers the BlobCreated events of its flow-log containers'
// PT1H.json blobs (one per Put Block List, so one per minute's append) to the queue in the checkpoint
// account, which the forwarder replicas share and Container Apps scales them on.
//
// Delivery and dead-lettering use the topic's system-assigned identity, not a key: the checkpoint
// account refuses shared keys. A system-assigned identity because Event Grid cannot deliver with a
// user-assigned one to an account behind a firewall (Microsoft's "Storage queue as an event handler").
// Events Event Grid gives up on (after its default 24 h of retries) are dead-lettered to a blob
// container, kept as long as checkpoints; the forwarder's reconciliation listing reads their blobs anyway.
import * as authorization from "@pulumi/azure-native/authorization";
import * as eventgrid from "@pulumi/azure-native/eventgrid";
import * as pulumi from "@pulumi/pulumi";
import { roleAssignmentName, roleDefinitionId, ROLES } from "./roles";

/** The subscription filter: BlobCreated by Put Block List, of PT1H.json blobs, in the given containers only. */
export function blobEventFilter(containers: readonly string[]): eventgrid.SystemTopicEventSubscriptionArgs["filter"] {
  return {
    includedEventTypes: ["Microsoft.Storage.BlobCreated"],
    subjectEndsWith: "/PT1H.json",
    advancedFilters: [
      { operatorType: "StringBeginsWith", key: "subject", values: [...containers].sort().map((c) => `/blobServices/default/containers/${c}/`) },
      // Azure commits every append with Put Block List; anything else (a copy, a Put Blob) is not Azure writing flow logs.
      { operatorType: "StringIn", key: "data.api", values: ["PutBlockList"] },
    ],
  };
}

/** A flow-log account whose events are delivered, in its own subscription. */
export interface BlobEventSource {
  /** Names its children: the account's place (region, and subscription outside the shared one). */
  readonly name: string;
  readonly provider: pulumi.ProviderResource;
  readonly accountId: pulumi.Input<string>;
  readonly accountName: pulumi.Input<string>;
  readonly location: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly containers: readonly string[];
}

export interface BlobEventsArgs {
  readonly sources: readonly BlobEventSource[];
  /** The checkpoint account (the queue's and the dead-letter container's). */
  readonly queueAccountId: pulumi.Input<string>;
  readonly queueId: pulumi.Input<string>;
  readonly queueName: pulumi.Input<string>;
  readonly deadLetterContainerId: pulumi.Input<string>;
  readonly deadLetterContainerName: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class BlobEvents extends pulumi.ComponentResource {
  public readonly topics: eventgrid.SystemTopic[];
  public readonly subscriptions: eventgrid.SystemTopicEventSubscription[];

  constructor(name: string, args: BlobEventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sekoia-flowlogs:infra:BlobEvents", name, args, opts);
    this.topics = [];
    this.subscriptions = [];
    for (const source of args.sources) {
      // Azure allows one system topic per account; named after it, so a second stack on it cannot hide.
      const systemTopicName = pulumi.interpolate`${source.accountName}-blob-events`;
      const topic = new eventgrid.SystemTopic(
        `${name}-topic-${source.name}`,
        {
          resourceGroupName: source.resourceGroupName,
          location: source.location,
          systemTopicName,
          source: source.accountId,
          topicType: "Microsoft.Storage.StorageAccounts",
          identity: { type: "SystemAssigned" },
          tags: args.tags,
        },
        { parent: this, provider: source.provider },
      );
      const principalId = topic.identity.apply((i) => i!.principalId!);
      // The grants are made where the queue is (the shared subscription: this component's provider).
      const grant = (purpose: string, scope: pulumi.Input<string>, role: string) =>
        new authorization.RoleAssignment(
          `${name}-${purpose}-${source.name}`,
          {
            roleAssignmentName: pulumi.all([scope, principalId]).apply(([s, p]) => roleAssignmentName(s, role, p)),
            principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi.output(scope).apply((s) => roleDefinitionId(s, role)),
            scope,
          },
          { parent: this },
        );
      const grants = [
        grant("send", args.queueId, ROLES.storageQueueDataMessageSender),
        grant("dead-letter", args.deadLetterContainerId, ROLES.storageBlobDataContributor),
      ];
      this.topics.push(topic);
      this.subscriptions.push(
        new eventgrid.SystemTopicEventSubscription(
          `${name}-subscription-${source.name}`,
          {
            resourceGroupName: source.resourceGroupName,
            // The name given, not topic.name: the subscription is created after the topic (an input of it).
            systemTopicName: pulumi.all([topic.id, systemTopicName]).apply(([, n]) => n),
            eventSubscriptionName: "flowlog-blob-created",
            eventDeliverySchema: "EventGridSchema",
            filter: blobEventFilter(source.containers),
            deliveryWithResourceIdentity: {
              identity: { type: "SystemAssigned" },
              destination: {
                endpointType: "StorageQueue",
                resourceId: args.queueAccountId,
                queueName: args.queueName,
                // A day: past it, the reconciliation listing has long read the blob anyway.
                queueMessageTimeToLiveInSeconds: 86_400,
              },
            },
            deadLetterWithResourceIdentity: {
              identity: { type: "SystemAssigned" },
              deadLetterDestination: { endpointType: "StorageBlob", resourceId: args.queueAccountId, blobContainerName: args.deadLetterContainerName },
            },
          },
          // Event Grid delivers with the topic's identity: its grants come first.
          { parent: this, provider: source.provider, dependsOn: grants },
        ),
      );
    }
    this.registerOutputs({});
  }
}
