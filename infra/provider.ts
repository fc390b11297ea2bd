// The one azure-native provider every Azure resource and invoke of the stack goes through.
//
// Why explicit: the default provider takes its subscription from `azure-native:subscriptionId` or,
// when that is unset, from the Azure CLI's current subscription, which need not be the targets'.
// A flow log must live in its target's subscription, and the adopted watcher is read there, so the
// provider is pinned to the subscription the targets are in (config.ts already refuses targets in
// two subscriptions, naming the entry).
import { Provider } from "@pulumi/azure-native/provider";
import type * as pulumi from "@pulumi/pulumi";

export const PROVIDER_NAME = "azure";

export function azureProvider(args: { subscriptionId: string; location: string }, opts?: pulumi.CustomResourceOptions): Provider {
  return new Provider(PROVIDER_NAME, { subscriptionId: args.subscriptionId, location: args.location }, opts);
}
