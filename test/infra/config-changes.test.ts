// Changing the shared region or the shared subscription of a deployed stack: the program runs under
// both configurations and test/helpers/replacements.ts computes what `up` would delete or replace.
// A new azure-native:location keeps every flow-log account, the checkpoint account and the resource
// groups (items 20); a new shared subscription would lose accounts, so the shared-subscription guard
// refuses it before any provider registers, naming the key and the safe way (item 19).
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sharedSubscriptionGuardProvider } from "../../infra/estate/shared-subscription-guard";
import type { ProgramRun } from "../../infra/plan/plan-render";
import { changePlan } from "../helpers/replacements";
import { defaultConfig, oneOf, resourcesOf, runStack, SUBSCRIPTION } from "./harness";

const GUARD = "pulumi-nodejs:dynamic/sekoia:SharedSubscriptionGuard";
const OTHER = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
/** What holds data: flow-log blobs not yet read, the forwarder's progress, and the groups holding them. */
const KEPT_TYPES = [
  "azure-native:storage:StorageAccount",
  "azure-native:storage:BlobContainer",
  "azure-native:resources:ResourceGroup",
  "azure-native:network:FlowLog",
  "pulumi:providers:azure-native",
];

const guardInputs = (run: ProgramRun) => oneOf(run, GUARD).inputs as { subscriptionId: string };

describe("changing azure-native:location", () => {
  it("keeps every flow-log account, the checkpoint account, the groups and the flow logs; replaces only the stateless shared resources", async () => {
    const before = await runStack({ config: defaultConfig() });
    const after = await runStack({ config: { ...defaultConfig(), "azure-native:location": "northeurope" } });
    const plan = changePlan(before, after);
    expect(plan.deleted).toEqual([]);
    const lost = [...Object.keys(plan.replaced), ...plan.affected].filter((k) => KEPT_TYPES.some((t) => k.startsWith(`${t}::`)));
    expect(lost).toEqual([]);
    // What moves to the new region: the workspace (its log history stays behind) and what runs the forwarder.
    expect(Object.keys(plan.replaced).sort()).toEqual([
      "azure-native:app:ContainerApp::forwarder-app",
      "azure-native:app:ManagedEnvironment::forwarder-environment",
      "azure-native:managedidentity:UserAssignedIdentity::forwarder-identity",
      "azure-native:monitor:ScheduledQueryRule::alerts-flow-logs-stopped",
      "azure-native:monitor:ScheduledQueryRule::alerts-no-delivery",
      "azure-native:monitor:ScheduledQueryRule::alerts-restarts",
      "azure-native:operationalinsights:Workspace::logs-workspace",
    ]);
    expect(guardInputs(after)).toEqual(guardInputs(before));
  });

  it("keeps the groups, providers and checkpoint account where they were: their location is ignored after creation", async () => {
    const run = await runStack({ config: defaultConfig() });
    for (const r of [...resourcesOf(run, "azure-native:resources:ResourceGroup"), ...resourcesOf(run, "pulumi:providers:azure-native")]) {
      expect(r.options?.ignoreChanges, r.name).toEqual(["location"]);
    }
    expect(oneOf(run, "azure-native:storage:StorageAccount", "checkpoints-account").options?.ignoreChanges).toEqual(["location"]);
    expect(oneOf(run, "azure-native:storage:StorageAccount", "flowlogs-westeurope-account").options?.ignoreChanges).toEqual([]);
  });
});

describe("changing the shared subscription", () => {
  // One subscription of targets, azure-native:subscriptionId unset: the shared subscription is derived from the targets.
  const derived = () => ({ ...defaultConfig(), "azure-native:subscriptionId": undefined });

  it("setting azure-native:subscriptionId to the subscription it was derived from changes nothing", async () => {
    const before = await runStack({ config: derived() });
    const after = await runStack({ config: { ...derived(), "azure-native:subscriptionId": SUBSCRIPTION } });
    expect(changePlan(before, after)).toEqual({ deleted: [], replaced: {}, affected: [] });
    expect((await sharedSubscriptionGuardProvider.check!(guardInputs(before), guardInputs(after))).failures).toEqual([]);
  });

  it("another subscription would delete the flow-log accounts and the checkpoint account: the guard refuses it, naming the key and the safe way", async () => {
    const before = await runStack({ config: derived() });
    const after = await runStack({ config: { ...derived(), "azure-native:subscriptionId": OTHER } });
    // What `up` would do without the guard:
    const plan = changePlan(before, after);
    expect(plan.deleted).toEqual(
      expect.arrayContaining([
        "azure-native:storage:StorageAccount::flowlogs-westeurope-account",
        "azure-native:storage:StorageAccount::flowlogs-northeurope-account",
      ]),
    );
    expect(plan.replaced).toMatchObject({
      "pulumi:providers:azure-native::azure": "subscriptionId changed",
      "azure-native:storage:StorageAccount::checkpoints-account": "its provider azure is replaced",
    });
    // What it does: the guard's check fails before any provider, hence any Azure resource, is registered.
    const { failures } = await sharedSubscriptionGuardProvider.check!(guardInputs(before), guardInputs(after));
    expect(failures).toEqual([
      { property: "subscriptionId", reason: expect.stringContaining(`the stack's shared resources are in ${SUBSCRIPTION}, found ${OTHER}`) },
    ]);
    expect(failures![0].reason).toMatch(/^azure-native:subscriptionId: /);
    expect(failures![0].reason).toContain(`Keep it: \`pulumi config set azure-native:subscriptionId ${SUBSCRIPTION}\``);
    expect(failures![0].reason).toContain("deploy a new stack");
  });

  it("registers no provider before the guard: every provider depends on it", async () => {
    const spoke = { id: `/subscriptions/${OTHER}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`, location: "westeurope" };
    const run = await runStack({
      config: { ...defaultConfig(), "azure-native:subscriptionId": SUBSCRIPTION, targets: [...(defaultConfig().targets as object[]), spoke] },
    });
    const providers = resourcesOf(run, "pulumi:providers:azure-native");
    expect(providers.map((p) => p.name).sort()).toEqual(["azure", `azure-${OTHER}`]);
    for (const p of providers) expect(p.options?.dependsOn, p.name).toContain("shared-subscription");
    expect(oneOf(run, GUARD).inputs).toMatchObject({ subscriptionId: SUBSCRIPTION });
  });

  it("a first run (no recorded subscription) passes", async () => {
    expect((await sharedSubscriptionGuardProvider.check!({} as never, { subscriptionId: OTHER })).failures).toEqual([]);
  });
});

describe("the guard as Pulumi runs it (serialized into the state, run in a fresh process)", () => {
  it("refuses a changed subscription and accepts the same one", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => sharedSubscriptionGuardProvider);
    const dir = mkdtempSync(path.join(tmpdir(), "guard-provider-"));
    try {
      const file = path.join(dir, "provider.js");
      writeFileSync(file, serialized.text);
      const driver = `
        const provider = require(process.argv[1]).handler();
        (async () => {
          const changed = await provider.check({ subscriptionId: "${SUBSCRIPTION}" }, { subscriptionId: "${OTHER}" });
          const same = await provider.check({ subscriptionId: "${SUBSCRIPTION}" }, { subscriptionId: "${SUBSCRIPTION}" });
          process.stdout.write(JSON.stringify({ changed: changed.failures, same: same.failures }));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", driver, file], { timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
      const result = JSON.parse(stdout) as { changed: Array<{ reason: string }>; same: unknown[] };
      expect(result.same).toEqual([]);
      expect(result.changed[0].reason).toContain(`Keep it: \`pulumi config set azure-native:subscriptionId ${SUBSCRIPTION}\``);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
