// Parses which subscriptions hold what: `azure-native:subscriptionId` (the shared resources) and
// `flowLogStorageSubscriptionId` (a central home for every flow-log account). Pure; appends
// "key: found ..., expected ..." problems that config.ts reports.
import { GUID } from "./arm-id";

const show = (v: unknown): string => JSON.stringify(v);

/** `raw` lower-cased when it is a guid, undefined when unset; when it is not a guid, a problem naming `key`. */
function optionalGuid(key: string, raw: string | undefined, expected: string, problems: string[]): string | undefined {
  const value = raw?.trim().toLowerCase() ?? "";
  if (value === "" || GUID.test(value)) return value || undefined;
  problems.push(`${key}: found ${show(raw)}, expected ${expected}`);
  return undefined;
}

/**
 * The subscription of the shared resources: azure-native:subscriptionId, or, when it is unset, the
 * one subscription every target is in. An estate (targets in several) must name it.
 */
export function parseSharedSubscription(
  raw: string | undefined,
  entries: ReadonlyArray<{ readonly key: string; readonly subscriptionId: string }>,
  problems: string[],
): string | undefined {
  if (raw?.trim()) return optionalGuid("azure-native:subscriptionId", raw, "the guid of the subscription of the shared resources", problems);
  const subscriptions = [...new Set(entries.map((e) => e.subscriptionId))];
  if (subscriptions.length <= 1) return subscriptions[0];
  problems.push(
    `azure-native:subscriptionId: found nothing while targets are in ${subscriptions.length} subscriptions (${subscriptions.join(", ")}), ` +
      "expected the subscription of the shared resources (forwarder, workspace, registry, checkpoints, alerts), " +
      "e.g. `pulumi config set azure-native:subscriptionId <logging subscription guid>`",
  );
  return undefined;
}

/** The central flow-log subscription, lower-cased; undefined when unset (each account in its targets' subscription). */
export function parseStorageSubscription(raw: string | undefined, problems: string[]): string | undefined {
  return optionalGuid(
    "flowLogStorageSubscriptionId",
    raw,
    "the guid of the central logging subscription, or nothing to keep each flow-log account in its targets' subscription",
    problems,
  );
}
