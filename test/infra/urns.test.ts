// Upgrading a stack must not replace what it already deployed. Pulumi keys state by URN, and the
// component moved every resource under itself, which changes their URNs; each direct child has an
// alias to its old place at the stack root, and the engine derives its descendants' aliases from it.
// Mocks do not resolve aliases, so this computes them as the engine does and proves, for the dev stack
// and an estate stack (URNs captured before the component existed, in __fixtures__), that every old
// URN is reached by exactly one new resource of the same type and name: nothing is replaced.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../../infra/forwarder/forwarder-image";
import type { RecordedResource } from "../../infra/plan/mocks";
import type { ProgramRun } from "../../infra/plan/plan-render";
import { loadStackConfig } from "../../infra/plan/stack-file";

const COMPONENT = "sekoia-flowlogs:index:SekoiaFlowLogs";
/**
 * What an upgrade adds, by type and name, beyond the component itself: each new, none replacing an old one.
 * Issue 19: the forwarder's logs go through the azure-monitor destination and a diagnostic setting; the
 * shared subscription is recorded by a guard that refuses a change of it; the app's first revision waits
 * for its identity's grants to propagate.
 */
const ADDED = [
  "azure-native:monitor:DiagnosticSetting::forwarder-logs",
  "pulumi-nodejs:dynamic/sekoia:SharedSubscriptionGuard::shared-subscription",
  "pulumi-nodejs:dynamic/sekoia:RolePropagationWait::forwarder-roles-settled",
];
const NOW = new Date("2026-06-01T00:00:00Z");

/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` */
function urnOf(stack: string, project: string, parentUrn: string | undefined, type: string, name: string): string {
  const chain = parentUrn ? `${parentUrn.split("::")[2]}$` : "";
  return `urn:pulumi:${stack}::${project}::${chain}${type}::${name}`;
}

/** `type::name` of a URN, its parents' types left out. */
function typeAndName(urn: string): string {
  const [, , qualifiedType, name] = urn.split("::");
  return `${qualifiedType.split("$").pop()}::${name}`;
}

interface Placed {
  readonly resource: RecordedResource;
  readonly urn: string;
  /** Every URN the engine would match this resource's old state by. */
  readonly aliases: readonly string[];
}

/** Each registered resource with its URN and the alias URNs the engine computes: its own specs, and its parent's aliases inherited. */
function place(run: ProgramRun, stack: string, project: string): Placed[] {
  const registered = run.resources.filter((r) => r.operation === "register");
  const byUrn = new Map<string, Placed>();
  const placeOne = (r: RecordedResource): Placed => {
    const urn = urnOf(stack, project, r.options?.parent, r.type, r.name);
    const known = byUrn.get(urn);
    if (known) return known;
    const parent = r.options?.parent ? registered.find((p) => urnOf(stack, project, p.options?.parent, p.type, p.name) === r.options!.parent) : undefined;
    const own = (r.options?.aliases ?? []).map((a) =>
      urnOf(stack, project, a.noParent ? undefined : (a.parentUrn ?? r.options?.parent), a.type ?? r.type, a.name ?? r.name),
    );
    const inherited = parent ? placeOne(parent).aliases.map((parentAlias) => urnOf(stack, project, parentAlias, r.type, r.name)) : [];
    const placed = { resource: r, urn, aliases: [...new Set([...own, ...inherited])] };
    byUrn.set(urn, placed);
    return placed;
  };
  return registered.map(placeOne);
}

async function runWith(config: Record<string, string>, secretKeys: string[], stack: string): Promise<ProgramRun> {
  vi.resetModules();
  const { runProgram } = await import("../../infra/plan/plan-render.js");
  return runProgram({ config, secretKeys, stack, preview: true, now: NOW });
}

const stacks = {
  dev: async () => runWith(loadStackConfig("dev", REPO_ROOT).config, loadStackConfig("dev", REPO_ROOT).secretKeys, "dev"),
  estate: async () => {
    const config = JSON.parse(readFileSync(path.join(__dirname, "__fixtures__/estate-stack.json"), "utf8")) as Record<string, string>;
    return runWith(config, ["sekoia-flowlogs:sekoiaApiKey"], "estate");
  },
};

describe.each(Object.keys(stacks) as (keyof typeof stacks)[])("upgrading the %s stack to the component", (stack) => {
  const old = readFileSync(path.join(__dirname, `__fixtures__/${stack}-urns.txt`), "utf8")
    .trim()
    .split("\n");
  const project = "sekoia-flowlogs";

  it("reaches every resource it registered before through exactly one new resource of the same type and name", async () => {
    const run = await stacks[stack]();
    const placed = place(run, stack, project);
    const reads = new Set(run.resources.filter((r) => r.operation === "read").map((r) => `${r.type}::${r.name}`));
    const oldRegistered = old.filter((urn) => !reads.has(typeAndName(urn)));
    for (const oldUrn of oldRegistered) {
      const matches = placed.filter((p) => p.urn === oldUrn || p.aliases.includes(oldUrn));
      expect(
        matches.map((m) => m.urn),
        oldUrn,
      ).toHaveLength(1);
      expect(`${matches[0].resource.type}::${matches[0].resource.name}`).toBe(typeAndName(oldUrn));
    }
    // Nothing new but the component itself and what ADDED lists: every other resource has a predecessor.
    const fresh = placed.filter((p) => !oldRegistered.some((o) => p.urn === o || p.aliases.includes(o)));
    expect(fresh.map((p) => `${p.resource.type}::${p.resource.name}`).sort()).toEqual([`${COMPONENT}::sekoia-flowlogs`, ...ADDED].sort());
  });

  it("re-reads the same existing resources (reads own nothing in Azure, so a new URN changes nothing)", async () => {
    const run = await stacks[stack]();
    const reads = run.resources.filter((r) => r.operation === "read").map((r) => `${r.type}::${r.name}`);
    const oldReads = old.map(typeAndName).filter((t) => reads.includes(t));
    expect(oldReads.sort()).toEqual([...reads].sort());
  });

  it("puts the component at the root and everything else under it", async () => {
    const run = await stacks[stack]();
    const placed = place(run, stack, project);
    const roots = placed.filter((p) => p.resource.options?.parent === undefined);
    expect(roots.map((p) => p.urn)).toEqual([urnOf(stack, project, undefined, COMPONENT, "sekoia-flowlogs")]);
  });
});
