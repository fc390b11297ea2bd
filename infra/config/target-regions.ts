// Targets whose regions contradict each other: a VNet and its subnets are in one region, so a subnet
// given with another region than its VNet (or than another subnet of it) has one entry wrong. The
// flow log goes under the Network Watcher and into the storage account of the region given, and Azure
// refuses it there half-way through `pulumi up`. Only ids tell what belongs together: a NIC's VNet
// is not in its id, and an NSG may be in another region than the subnets it protects. Each entry's
// own region is checked against Azure at preview and up, where it can be read (estate/target-locations.ts).
import type { Target } from "./targets";

const vnetOf = (t: Target): string | undefined =>
  t.kind === "vnet" || t.kind === "subnet" ? `${t.subscriptionId}/${t.resourceGroup}/${t.kind === "vnet" ? t.name : t.parentName}`.toLowerCase() : undefined;

const describe = (t: Target): string => (t.kind === "vnet" ? `the VNet ${t.name}` : `the subnet ${t.name} of VNet ${t.parentName}`);

/** One problem per entry whose region differs from its VNet's as another entry gives it (the VNet's own entry, else the first). */
export function regionConflicts(targets: readonly Target[]): string[] {
  const byVnet = new Map<string, Target[]>();
  for (const t of targets) {
    const vnet = vnetOf(t);
    if (vnet !== undefined) byVnet.set(vnet, [...(byVnet.get(vnet) ?? []), t]);
  }
  const problems: string[] = [];
  for (const group of byVnet.values()) {
    const reference = group.find((t) => t.kind === "vnet") ?? group[0];
    for (const t of group.filter((x) => x !== reference && x.location !== reference.location)) {
      problems.push(
        `${t.key}.location: found ${JSON.stringify(t.location)} for ${describe(t)}, expected ${JSON.stringify(reference.location)}, ` +
          `the region ${reference.key} gives ${reference.kind === "vnet" ? "that VNet" : `to ${describe(reference)}`}: a subnet is in its VNet's region, ` +
          `so one of the two entries is wrong (the VNet's region is under Overview in the portal, or \`az network vnet show --ids <id> --query location\`)`,
      );
    }
  }
  return problems;
}
