// The subscriptions of an estate as the program uses them: one explicit provider each (provider.ts),
// and, where the stack owns resources outside the shared subscription (flow-log accounts, created
// watchers), a resource group there to hold them. Both are made on first use, so a subscription
// that only holds adopted watchers and flow logs gets a provider and nothing else.
import * as resources from "@pulumi/azure-native/resources";
import type * as pulumi from "@pulumi/pulumi";
import type { Provider } from "@pulumi/azure-native/provider";
import { azureProvider, providerName } from "./provider";
import type { ProviderSettings } from "../config/provider-config";

/** Logical name of the stack's group in the shared subscription (unchanged since one stack covered one subscription). */
export const SHARED_GROUP_NAME = "sekoia-flowlogs";

export interface SubscriptionsArgs {
  /** Subscription of the shared resources (azure-native:subscriptionId). */
  readonly sharedSubscriptionId: string;
  /** Default location of every provider, and of every resource group. */
  readonly location: string;
  /** The stack's azure-native:* settings (cloud, credentials), given to every provider. */
  readonly settings: ProviderSettings;
  /** What every provider waits for before it is registered (the shared-subscription guard). */
  readonly providersDependOn?: pulumi.Input<pulumi.Resource>[];
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class Subscriptions {
  private readonly providers = new Map<string, Provider>();
  private readonly groups = new Map<string, resources.ResourceGroup>();

  /** `childOptions` go to every provider and group made (the component passes its parent and aliases). */
  constructor(
    private readonly args: SubscriptionsArgs,
    private readonly childOptions: pulumi.CustomResourceOptions = {},
  ) {}

  get shared(): string {
    return this.args.sharedSubscriptionId;
  }

  /** The provider pinned to `subscriptionId`. */
  provider(subscriptionId: string): Provider {
    let provider = this.providers.get(subscriptionId);
    if (!provider) {
      provider = azureProvider(
        { subscriptionId, location: this.args.location, settings: this.args.settings },
        providerName(subscriptionId, this.shared),
        // The providers' default location is metadata (every resource names its own): a change of
        // azure-native:location must not diff them, whatever azure-native's provider diff makes of it.
        { ...this.childOptions, ignoreChanges: ["location"], ...(this.args.providersDependOn ? { dependsOn: this.args.providersDependOn } : {}) },
      );
      this.providers.set(subscriptionId, provider);
    }
    return provider;
  }

  /**
   * The stack's resource group in `subscriptionId`: `sekoia-flowlogs` in the shared one, `sekoia-flowlogs-<guid>`
   * elsewhere. Its location is metadata, and it cannot change in place (a new location replaces the group, and with
   * it every account inside: pulumi-azure-native#1936): it stays where it was created when azure-native:location changes.
   */
  resourceGroup(subscriptionId: string): resources.ResourceGroup {
    let group = this.groups.get(subscriptionId);
    if (!group) {
      const name = subscriptionId === this.shared ? SHARED_GROUP_NAME : `${SHARED_GROUP_NAME}-${subscriptionId}`;
      group = new resources.ResourceGroup(
        name,
        { location: this.args.location, tags: this.args.tags },
        { ...this.childOptions, provider: this.provider(subscriptionId), ignoreChanges: ["location"] },
      );
      this.groups.set(subscriptionId, group);
    }
    return group;
  }
}
