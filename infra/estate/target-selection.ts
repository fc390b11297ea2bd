// Resolves the `{scope, location?}` entries of `targets` into VNet targets, BEFORE any resource that
// depends on them is registered: index.ts awaits this, so every flow log is a plain resource that
// `pulumi preview` shows and the dependency graph orders. (Registering them inside an `apply` after
// the listing would hide them from preview.) The listing runs in preview too: it is a read. A
// selected VNet that already has a flow log the stack did not make is skipped with a warning. The
// targets given by id are checked against the region Azure has them in (target-locations.ts).
import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";
import { parseTargetId } from "../config/arm-id";
import { StackConfigError } from "../config/stack-config";
import { flowLogName } from "../network/flow-logs";
import type { ScopeSelection, Target } from "../config/targets";
import { ArmListError } from "./arm-list";
import { ArmTargetLocator, checkTargetRegions, type TargetLocator } from "./target-locations";
import { ArmVnetLister, type ExistingFlowLog, type TokenSource, type VnetLister } from "./vnet-lister";

/** What one scope entry selected: VNet ids, or why it could not be looked up (npm run plan only). */
export type SelectionReport = { readonly scope: string; readonly location?: string } & (
  { readonly vnets: readonly string[] } | { readonly unresolved: string }
);

export interface ResolvedTargets {
  /** Explicit targets in config order, then each scope's VNets (sorted by id), each resource once. */
  readonly targets: readonly Target[];
  /** Per scope entry key (e.g. `targets[3]`), what it selected. */
  readonly selections: Readonly<Record<string, SelectionReport>>;
  readonly warnings: readonly string[];
}

/** The deploying identity's ARM token, through the stack's provider. */
const deployerToken =
  (provider: pulumi.ProviderResource): TokenSource =>
  async () =>
    (await authorization.getClientToken({}, { provider })).token;

/**
 * How the program lists a scope's VNets and reads the regions of targets given by id: ARM with the
 * token of the deploying identity, obtained through the stack's provider. `npm run plan` replaces
 * them (no Pulumi engine, no provider there); so do the mocks (plan-render.ts: no Azure).
 */
export const targetSelection = {
  lister: (armEndpoint: string, provider: pulumi.ProviderResource): VnetLister => new ArmVnetLister(armEndpoint, deployerToken(provider)),
  locator: (armEndpoint: string, provider: pulumi.ProviderResource): TargetLocator => new ArmTargetLocator(armEndpoint, deployerToken(provider)),
};

const describe = (s: ScopeSelection): string => `scope ${s.scope}${s.location ? ` (location ${s.location})` : ""}`;

/**
 * Lists every scope, and checks the explicit targets' regions with `locator` when given; throws
 * StackConfigError naming each entry that could not be listed or whose region Azure contradicts.
 */
export async function resolveTargets(
  explicit: readonly Target[],
  scopes: readonly ScopeSelection[],
  lister: VnetLister,
  locator?: TargetLocator,
): Promise<ResolvedTargets> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const selections: Record<string, SelectionReport> = {};
  /** Regions of the VNets the scopes listed, by lower-cased id: the explicit targets' check needs no second read of them. */
  const listed = new Map<string, string>();
  const seen = new Set(explicit.map((t) => t.id.toLowerCase()));
  const selected: Target[] = [];
  for (const selection of scopes) {
    const head = { scope: selection.scope, ...(selection.location ? { location: selection.location } : {}) };
    let listing;
    try {
      listing = await lister.list(selection.scope);
    } catch (error) {
      if (!(error instanceof ArmListError)) throw error;
      problems.push(`${selection.key}.scope (subscription ${selection.subscriptionId}): ${error.message}`);
      continue;
    }
    if ("unresolved" in listing) {
      selections[selection.key] = { ...head, unresolved: listing.unresolved };
      continue;
    }
    for (const v of listing.vnets) listed.set(v.id.toLowerCase(), v.location);
    const vnets = listing.vnets.filter((v) => selection.location === undefined || v.location === selection.location);
    const ids: string[] = [];
    for (const vnet of [...vnets].sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase()))) {
      const parsed = parseTargetId(vnet.id);
      if ("error" in parsed || parsed.kind !== "vnet") {
        problems.push(`${selection.key}.scope: Azure listed ${JSON.stringify(vnet.id)}, which is not a virtual network id`);
        continue;
      }
      ids.push(vnet.id);
      if (seen.has(vnet.id.toLowerCase())) continue;
      seen.add(vnet.id.toLowerCase());
      selected.push({ key: selection.key, id: vnet.id, location: vnet.location, ...parsed, kind: "vnet", family: "vnet" });
    }
    selections[selection.key] = { ...head, vnets: ids };
    if (ids.length === 0)
      warnings.push(`${selection.key}: ${describe(selection)} selects no virtual network in subscription ${selection.subscriptionId}: it adds no flow log.`);
  }
  if (locator) {
    const checked = await checkTargetRegions(explicit, locator, listed);
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
  }
  const foreign = await foreignFlowLogs(selected, lister, problems);
  for (const target of selected.filter((t) => foreign.has(t.id.toLowerCase()))) {
    const existing = foreign.get(target.id.toLowerCase())!;
    warnings.push(
      `${target.key}: skipping VNet ${target.id}: it already has the flow log ${existing.id}, not made by this stack, and Azure allows one per target. ` +
        `To adopt it, list the VNet as its own entry {id: ${target.id}, location: ${target.location}, flowLogName: ${existing.name}} and \`pulumi import\` it (docs/runbook.md#adopting-an-existing-flow-log).`,
    );
  }
  for (const [key, report] of Object.entries(selections)) {
    if ("vnets" in report) selections[key] = { ...report, vnets: report.vnets.filter((id) => !foreign.has(id.toLowerCase())) };
  }
  const targets = [...explicit, ...selected.filter((t) => !foreign.has(t.id.toLowerCase()))];
  const unresolved = Object.values(selections).some((s) => "unresolved" in s);
  if (problems.length === 0 && targets.length === 0 && !unresolved) {
    problems.push(
      "targets: found no resource to turn flow logs on for (every scope selects nothing, or only VNets with a flow log of their own), expected at least one NSG, VNet, subnet or NIC",
    );
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return { targets, selections, warnings };
}

/**
 * The flow logs, by lower-cased target id, that already cover a selected VNet and are not this
 * stack's: Azure refuses a second flow log on a target, so `up` would fail partway on it.
 *
 * Ours or not is decided by name. The stack names a VNet's flow log from the VNet's id
 * (`flowLogName` in flow-logs.ts), and a target's flow logs all sit under the one watcher of its
 * subscription and region, so a flow log of that name on that VNet is the one a previous `up`
 * created: this `up` writes it again under the same name, which Azure takes as an update. Any other
 * name is a flow log someone else made (Azure Policy's "deploy flow logs", often), and creating ours
 * would be refused. The program cannot read its own state to tell, and tags can be copied or removed.
 */
async function foreignFlowLogs(selected: readonly Target[], lister: VnetLister, problems: string[]): Promise<Map<string, ExistingFlowLog>> {
  const foreign = new Map<string, ExistingFlowLog>();
  for (const subscriptionId of [...new Set(selected.map((t) => t.subscriptionId))].sort()) {
    const inSubscription = selected.filter((t) => t.subscriptionId === subscriptionId);
    let existing: readonly ExistingFlowLog[];
    try {
      existing = await lister.flowLogs(subscriptionId, [...new Set(inSubscription.map((t) => t.location))].sort());
    } catch (error) {
      if (!(error instanceof ArmListError)) throw error;
      const keys = [...new Set(inSubscription.map((t) => `${t.key}.scope`))].join(", ");
      problems.push(`${keys} (subscription ${subscriptionId}): ${error.message}`);
      continue;
    }
    for (const target of inSubscription) {
      const other = existing.find(
        (f) => f.targetResourceId.toLowerCase() === target.id.toLowerCase() && f.name.toLowerCase() !== flowLogName(target).toLowerCase(),
      );
      if (other) foreign.set(target.id.toLowerCase(), other);
    }
  }
  return foreign;
}
