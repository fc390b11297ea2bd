// Refuses a change of the shared subscription before anything is deployed.
//
// The shared subscription (azure-native:subscriptionId, or the targets' only one when it is unset)
// decides the names of what the stack owns: its provider is `azure`, its flow-log accounts and flow
// logs carry no subscription in their names, the other subscriptions' do. Pointing it at another
// subscription renames the old one's resources: `up` would create new flow-log accounts and delete
// the old ones with their unread blobs, delete the checkpoint account (the forwarder's progress), and
// re-create every flow log of the old subscription under a new URN with the same Azure name, which
// azure-native refuses half-way ("already exists").
//
// The program cannot read the state, but a resource's provider can: this dynamic resource records the
// shared subscription, and its `check` (run by the engine in preview and up, with the recorded inputs
// as `olds`) fails when it changes, naming the key and the safe way. Every explicit provider of the
// stack depends on it, and every Azure resource on a provider, so nothing is registered with Azure
// before it passes. Like sekoia-intake.ts, the provider is serialized into the state: its methods use
// only this file's functions and globals.
import * as pulumi from "@pulumi/pulumi";

export interface GuardInputs {
  readonly subscriptionId: string;
}

/** Why a change of the shared subscription is refused, and what to do instead. */
export function subscriptionChangeMessage(before: string, after: string): string {
  return (
    `azure-native:subscriptionId: the stack's shared resources are in ${before}, found ${after}. Moving them would delete ` +
    "the checkpoint account (the forwarder's progress) and the flow-log accounts of the old subscription with their unread " +
    "blobs, and re-create its flow logs, which Azure refuses while they exist. " +
    `Keep it: \`pulumi config set azure-native:subscriptionId ${before}\`. To move the shared resources, deploy a new stack ` +
    "with the new subscription and the same targets' flow logs adopted or re-created, then `pulumi destroy` this one once " +
    "`node forwarder.js status` shows every source caught up."
  );
}

export const sharedSubscriptionGuardProvider: pulumi.dynamic.ResourceProvider<GuardInputs, GuardInputs> = {
  async check(olds, news) {
    const before = (olds as Partial<GuardInputs> | undefined)?.subscriptionId;
    const changed = typeof before === "string" && before !== "" && before.toLowerCase() !== String(news.subscriptionId).toLowerCase();
    return {
      inputs: news,
      failures: changed ? [{ property: "subscriptionId", reason: subscriptionChangeMessage(before, String(news.subscriptionId)) }] : [],
    };
  },
  async diff(_id, olds, news) {
    return { changes: olds.subscriptionId !== news.subscriptionId };
  },
  async create(inputs) {
    return { id: "shared-subscription", outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
};

/** Records the shared subscription; a later run with another one fails its check (see the file comment). */
export class SharedSubscriptionGuard extends pulumi.dynamic.Resource {
  declare readonly subscriptionId: pulumi.Output<string>;

  constructor(name: string, args: GuardInputs, opts?: pulumi.CustomResourceOptions) {
    super(sharedSubscriptionGuardProvider, name, { ...args }, opts, "sekoia", "SharedSubscriptionGuard");
  }
}
