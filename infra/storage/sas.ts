// The read-only SAS Sekoia uses to pull flow logs: a service SAS per flow-log container in use.
//
// Least privilege: scoped to one container (resource "c"), read+list only ("rl"), HTTPS only. The
// expiry comes from configuration (sasExpiry), not from the clock, so the token is identical between
// runs and changes only when someone rotates it. The invoke result is not secret by itself: the token
// is wrapped with pulumi.secret before it goes anywhere.
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import { FLOW_LOG_CONTAINERS } from "../../forwarder/contract";
import type { FlowLogFamily } from "../config/arm-id";

/** Containers a region needs, from the kinds of its targets (sorted, no duplicates). */
export function containersInUse(families: readonly FlowLogFamily[]): string[] {
  return [...new Set(families.map((f) => FLOW_LOG_CONTAINERS[f]))].sort();
}

/** Arguments of the listStorageAccountServiceSAS call for one container. */
export function serviceSasArgs(accountName: string, resourceGroupName: string, container: string, expiry: string) {
  return {
    accountName,
    resourceGroupName,
    canonicalizedResource: `/blob/${accountName}/${container}`,
    resource: storage.SignedResource.C,
    permissions: "rl",
    protocols: storage.HttpProtocol.Https,
    sharedAccessExpiryTime: expiry,
  };
}

/** The SAS token (without leading "?") for one container, as a secret. */
export function readOnlyContainerSas(
  accountName: pulumi.Input<string>,
  resourceGroupName: pulumi.Input<string>,
  container: string,
  expiry: string,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  const result = pulumi
    .all([accountName, resourceGroupName])
    .apply(([account, group]) => storage.listStorageAccountServiceSASOutput(serviceSasArgs(account, group, container, expiry), opts));
  return pulumi.secret(result.serviceSasToken);
}
