// What a `pulumi up` from one configuration to another would delete or replace, computed from two
// runs of the program under mocks the way the engine decides it: a resource whose URN disappears is
// deleted; one whose replacement-relevant inputs change (less its ignoreChanges), or whose provider is
// replaced, is replaced. Replacement-relevant inputs follow azure-native: the URL path of the resource
// (group, names, scope) and `location`, which ARM cannot change in place. A replaced resource's new
// outputs are unknown, so its dependents are reported as "may be replaced" too (an over-approximation:
// good enough to prove that something is kept).
import type { RecordedResource } from "../../infra/plan/mocks";
import type { ProgramRun } from "../../infra/plan/plan-render";

/** Inputs that force a replacement, per type; unlisted types: location and resourceGroupName. */
const REPLACE_ON: Readonly<Record<string, readonly string[]>> = {
  "pulumi:providers:azure-native": ["subscriptionId", "location", "environment"],
  "azure-native:resources:ResourceGroup": ["location", "resourceGroupName"],
  "azure-native:storage:StorageAccount": ["location", "resourceGroupName", "accountName"],
  "azure-native:storage:BlobContainer": ["resourceGroupName", "accountName", "containerName"],
  "azure-native:storage:ManagementPolicy": ["resourceGroupName", "accountName", "managementPolicyName"],
  "azure-native:network:FlowLog": ["location", "resourceGroupName", "networkWatcherName", "flowLogName"],
  "azure-native:network:NetworkWatcher": ["location", "resourceGroupName", "networkWatcherName"],
  "azure-native:authorization:RoleAssignment": ["scope", "roleAssignmentName", "principalId", "roleDefinitionId"],
  "azure-native:monitor:DiagnosticSetting": ["resourceUri", "name"],
  "random:index/randomString:RandomString": ["length", "special", "upper"],
  "pulumi-nodejs:dynamic/sekoia:Intake": ["apiUrl", "formatUuid", "entityUuid", "communityUuid"],
  "pulumi-nodejs:dynamic/sekoia:SharedSubscriptionGuard": [],
};
const DEFAULT_REPLACE_ON = ["location", "resourceGroupName"];

export interface ChangePlan {
  /** `type::name` of resources deleted (no longer registered). */
  readonly deleted: string[];
  /** `type::name` of resources replaced, and why. */
  readonly replaced: Record<string, string>;
  /** `type::name` of resources depending on a replaced one: their inputs may change, some may be replaced. */
  readonly affected: string[];
}

const key = (r: RecordedResource) => `${r.type}::${r.name}`;
const urn = (r: RecordedResource) => `${r.options?.parent ?? ""}|${key(r)}`;

export function changePlan(before: ProgramRun, after: ProgramRun): ChangePlan {
  const registered = (run: ProgramRun) => run.resources.filter((r) => r.operation === "register" && r.custom !== false);
  const old = new Map(registered(before).map((r) => [urn(r), r]));
  const next = registered(after);
  const deleted = [...old.keys()]
    .filter((u) => !next.some((r) => urn(r) === u))
    .map((u) => old.get(u)!)
    .map(key);
  const replaced: Record<string, string> = {};
  const providers = (run: ProgramRun) =>
    new Map(
      registered(run)
        .filter((r) => r.type.startsWith("pulumi:providers:"))
        .map((p) => [p.name, p]),
    );
  const decide = (r: RecordedResource): void => {
    const was = old.get(urn(r));
    if (!was) return;
    const ignored = new Set(r.options?.ignoreChanges ?? []);
    const changed = (REPLACE_ON[r.type] ?? DEFAULT_REPLACE_ON).filter((k) => !ignored.has(k) && JSON.stringify(was.inputs[k]) !== JSON.stringify(r.inputs[k]));
    if (changed.length > 0) replaced[key(r)] = `${changed.join(", ")} changed`;
  };
  // Providers first: a replaced provider replaces what it manages.
  next.filter((r) => r.type.startsWith("pulumi:providers:")).forEach(decide);
  const oldProviders = providers(before);
  const newProviders = providers(after);
  for (const r of next.filter((x) => !x.type.startsWith("pulumi:providers:"))) {
    decide(r);
    if (r.provider && replaced[`${newProviders.get(r.provider)?.type}::${r.provider}`] && oldProviders.has(r.provider)) {
      replaced[key(r)] ??= `its provider ${r.provider} is replaced`;
    }
  }
  // Dependents of what is replaced may see new names or ids.
  const affected = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of next) {
      const k = key(r);
      if (replaced[k] || affected.has(k)) continue;
      const deps = r.options?.dependsOn ?? [];
      if (deps.some((d) => next.some((x) => x.name === d && (replaced[key(x)] || affected.has(key(x)))))) {
        affected.add(k);
        grew = true;
      }
    }
  }
  return { deleted: deleted.sort(), replaced, affected: [...affected].sort() };
}
