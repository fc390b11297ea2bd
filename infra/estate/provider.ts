// The explicit azure-native providers every Azure resource and invoke of the stack goes through: one
// per subscription of the estate.
//
// Why explicit: the default provider takes its subscription from `azure-native:subscriptionId` or,
// when that is unset, from the Azure CLI's current subscription, which need not be the targets'.
// A flow log must live in its target's subscription, and the adopted watcher is read there, so each
// subscription's resources go through a provider pinned to it. The shared subscription's provider
// keeps the name `azure` it had when a stack covered one subscription, so upgraded stacks keep their URNs.
// Explicit providers do not read the stack's azure-native:* keys: each gets them from provider-config.ts.
import { Provider } from "@pulumi/azure-native/provider";
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderSettings } from "../config/provider-config";

export const PROVIDER_NAME = "azure";

/** `azure` for the shared subscription, `azure-<subscription guid>` for the others. */
export function providerName(subscriptionId: string, sharedSubscriptionId: string): string {
  return subscriptionId === sharedSubscriptionId ? PROVIDER_NAME : `${PROVIDER_NAME}-${subscriptionId}`;
}

export function azureProvider(
  args: { subscriptionId: string; location: string; settings: ProviderSettings },
  name: string = PROVIDER_NAME,
  opts?: pulumi.CustomResourceOptions,
): Provider {
  return new Provider(name, { ...args.settings, subscriptionId: args.subscriptionId, location: args.location }, opts);
}
