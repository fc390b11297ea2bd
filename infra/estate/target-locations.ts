// Checks each target given by id against the region Azure has it in, at preview and up, before
// anything is registered (target-selection.ts calls it with the scope listings). A flow log is made
// under the Network Watcher of the region its entry gives, and Azure refuses it when the target is
// elsewhere: half-way through `pulumi up`. A subnet has no region of its own: its VNet's is read.
//
// Only a definite mismatch fails: Azure answered with the resource and another region. What cannot
// be read is a warning naming the entries: 404 (no such resource: flow logs on it will fail, but it
// may be created before `up`), 403 (the identity may not read it; the check needs Reader), any other
// failure after arm-list.ts's retries. Nothing at all where nobody can ask (`npm run plan` without a
// credential, the mocks): the plan says what it checked only where it could.
import { normalizeRegion } from "../config/regions";
import type { Target } from "../config/targets";
import { ArmListError } from "./arm-list";
import { NetworkResourceReader } from "./network-resource-reader";

/** What Azure says of one resource: its region, why that could not be read, or that nobody asked. */
export type TargetLocation = { readonly location: string } | { readonly unchecked: string; readonly status?: number } | { readonly offline: true };

export interface TargetLocator {
  /** `id` is a VNet, NSG or NIC; never rejects for what Azure answers. */
  locate(id: string): Promise<TargetLocation>;
}

/** Reads resources from ARM with the deploying identity's token (the one `scope` listings use). */
export class ArmTargetLocator extends NetworkResourceReader implements TargetLocator {
  async locate(id: string): Promise<TargetLocation> {
    let body: unknown;
    try {
      body = await this.read(id, "resource");
    } catch (error) {
      if (!(error instanceof ArmListError)) return { unchecked: `no Azure token (${error instanceof Error ? error.message.split("\n")[0] : String(error)})` };
      return error.status === undefined ? { unchecked: error.message } : { unchecked: `${error.status} ${error.armText ?? ""}`.trim(), status: error.status };
    }
    const location = (body as { location?: unknown } | null)?.location;
    return typeof location === "string" ? { location: normalizeRegion(location) } : { unchecked: "Azure's answer has no location" };
  }
}

/** The resource whose region a target has: a subnet's VNet, else the target itself. */
export const locatedResource = (t: Target): string => (t.kind === "subnet" ? t.id.replace(/\/subnets\/[^/]+$/i, "") : t.id);

/** Resources read at once: a large estate's preview should not wait on hundreds of reads in a row. */
const CONCURRENCY = 8;

/**
 * Problems (a region Azure contradicts) and warnings (a region that could not be checked) for the
 * targets given by id. `known`: regions already read, by lower-cased VNet id (the scope listings).
 */
export async function checkTargetRegions(
  targets: readonly Target[],
  locator: TargetLocator,
  known: ReadonlyMap<string, string> = new Map(),
): Promise<{ problems: string[]; warnings: string[] }> {
  const groups = new Map<string, { resource: string; targets: Target[] }>();
  for (const t of targets) {
    const resource = locatedResource(t);
    const group = groups.get(resource.toLowerCase()) ?? { resource, targets: [] };
    group.targets.push(t);
    groups.set(resource.toLowerCase(), group);
  }
  const entries = [...groups.entries()];
  const answers: TargetLocation[] = new Array<TargetLocation>(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const [lower, { resource }] = entries[i];
      const listed = known.get(lower);
      answers[i] = listed !== undefined ? { location: listed } : await locator.locate(resource);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));

  const problems: string[] = [];
  const warnings: string[] = [];
  entries.forEach(([, { resource, targets: group }], i) => {
    const answer = answers[i];
    if ("offline" in answer) return;
    if ("location" in answer) {
      for (const t of group.filter((x) => x.location !== answer.location)) {
        const what = t.kind === "subnet" ? `the subnet's VNet ${resource}` : resource;
        problems.push(
          `${t.key}.location: found ${JSON.stringify(t.location)}, expected ${JSON.stringify(answer.location)}, the region Azure reports for ${what}; ` +
            `set ${t.key}.location to ${answer.location} (a flow log is made in its target's region, and Azure refuses it elsewhere)`,
        );
      }
      return;
    }
    const keys = group.map((t) => t.key).join(", ");
    const given = [...new Set(group.map((t) => t.location))].join(", ");
    warnings.push(
      answer.status === 404
        ? `${keys}: Azure has no ${resource} (${answer.unchecked}): a flow log cannot be turned on for a resource that does not exist, so pulumi up fails on it unless it is created first; check the id`
        : `${keys}: the region of ${resource} could not be checked against Azure (${answer.unchecked}${answer.status === 403 ? "; the deploying identity needs Reader on it for the check" : ""}); ` +
            `if ${given} is not its region, pulumi up fails when it creates the flow log`,
    );
  });
  return { problems, warnings };
}
