// Proof without Azure that a private-mode stack deploys in an Azure Landing Zone: every resource the
// program registers, rebuilt as the ARM request it would be (landing-zone/arm-requests.ts), is checked
// against the condition of every Deny policy the ALZ "corp" and "landing_zones" archetypes assign
// (__fixtures__/alz-deny-policies.json, generated from Azure/Azure-Landing-Zones-Library and
// Azure/azure-policy; conditions encoded in landing-zone/alz-conditions.ts). An enforced Deny verdict
// fails the private-mode tests; the verdicts of assignments left at DoNotEnforce, and everything public
// mode would be refused, are listed exactly, so docs/private-networking.md can say it honestly.
//
// What only Azure shows: whether the platform's policies match these library versions, Modify and
// DeployIfNotExists effects (a DDoS plan, diagnostic settings), policies of other archetypes or custom
// ones, and what the resource providers themselves refuse.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../../infra/forwarder/forwarder-image";
import type { ProgramRun } from "../../infra/plan/plan-render";
import { loadStackConfig } from "../../infra/plan/stack-file";
import { runStack } from "./harness";
import { AUDIT_PE_DNS_ZONES, DINE_BLOB_ZONE_GROUP, ENCODED_POLICIES } from "./landing-zone/alz-conditions";
import { armRequests } from "./landing-zone/arm-requests";
import { evaluate, type ArmRequest } from "./landing-zone/policy-rule";
import { BLOB_ZONE_ID, networkOf, preparedVnet, privateConfig } from "./private-scenario";

interface CataloguedPolicy {
  readonly archetype: string;
  readonly assignment: string;
  readonly enforcementMode: "Default" | "DoNotEnforce";
  readonly referenceId?: string;
  readonly definitionId: string;
  readonly displayName: string;
  readonly version: string;
  readonly types: readonly string[];
}

const catalogue = JSON.parse(readFileSync(path.join(__dirname, "__fixtures__/alz-deny-policies.json"), "utf8")) as { policies: CataloguedPolicy[] };
const lower = (s: string) => s.toLowerCase();

/** `<assignment>[/<member>] <definition id>: <resources>`, one line per policy that would deny something. */
function verdicts(requests: readonly ArmRequest[], enforcement: "Default" | "DoNotEnforce"): string[] {
  const types = new Set(requests.map((r) => lower(r.type)));
  const lines: string[] = [];
  for (const policy of catalogue.policies.filter((p) => p.enforcementMode === enforcement)) {
    if (!policy.types.some((t) => types.has(lower(t)))) continue;
    const encoded = ENCODED_POLICIES[policy.definitionId];
    if (!encoded) throw new Error(`${policy.assignment}/${policy.referenceId ?? ""} (${policy.definitionId}) applies to a registered type but is not encoded`);
    const { condition } = encoded;
    const denied = requests.filter((r) => (typeof condition === "function" ? condition(r) : evaluate(condition, r))).map((r) => r.logicalName);
    if (denied.length > 0)
      lines.push(`${policy.assignment}${policy.referenceId ? `/${policy.referenceId}` : ""} ${policy.definitionId}: ${denied.sort().join(", ")}`);
  }
  return lines;
}

const privateRun = (dns: Record<string, unknown>) => runStack({ config: privateConfig(dns), networkReader: networkOf(preparedVnet()) });

async function devRun(): Promise<ProgramRun> {
  vi.resetModules();
  const { runProgram } = await import("../../infra/plan/plan-render.js");
  return runProgram({ ...loadStackConfig("dev", REPO_ROOT), stack: "dev", preview: false, now: new Date("2026-06-01T00:00:00Z") });
}

/** The verdicts of the assignments ALZ leaves at DoNotEnforce, the same in every DNS mode of private mode. */
const PRIVATE_NOT_ENFORCED = [
  "Enforce-GR-Storage0/Deny-Storage-ServicesEncryption Deny-Storage-ServicesEncryption: checkpoints-account, flowlogs-northeurope-account, flowlogs-westeurope-account",
  // Its assignment allows bypass "None" only: Network Watcher writes flow logs through the trusted-services bypass.
  "Enforce-GR-Storage0/Deny-Storage-NetworkAclsBypass Deny-Storage-NetworkAclsBypass: flowlogs-northeurope-account, flowlogs-westeurope-account",
  "Enforce-GR-Storage0/Deny-Storage-Shared-Key 8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54: flowlogs-northeurope-account, flowlogs-westeurope-account",
  "Enforce-GR-Storage0/Deny-Storage-Infra-Encryption 4733ea7b-a883-42fe-8cac-97454c2a9e4a: checkpoints-account, flowlogs-northeurope-account, flowlogs-westeurope-account",
];

describe.each([
  ["policy", { dns: "policy" }],
  ["stack, creating the zone", { dns: "stack" }],
  ["stack, in a given zone", { dns: "stack", privateDnsZoneId: BLOB_ZONE_ID }],
])("a private-mode stack (dns %s) under the Corp and Landing Zones archetypes", (_mode, dns) => {
  it("registers nothing an enforced Deny assignment refuses", async () => {
    const requests = armRequests((await privateRun(dns)).resources);
    expect(requests.map((r) => r.type)).toContain("Microsoft.Network/privateEndpoints");
    expect(verdicts(requests, "Default")).toEqual([]);
  });

  it("would be refused only by storage guardrails ALZ assigns with DoNotEnforce, each kept for a reason (docs)", async () => {
    expect(verdicts(armRequests((await privateRun(dns)).resources), "DoNotEnforce")).toEqual(PRIVATE_NOT_ENFORCED);
  });
});

describe("private endpoints' DNS under the Corp archetype", () => {
  it('with dns "policy" leaves every blob endpoint without a zone group, so Deploy-Private-DNS-Zones registers it in the central zone', async () => {
    const requests = armRequests((await privateRun({ dns: "policy" })).resources);
    const endpoints = requests.filter((r) => r.type === "Microsoft.Network/privateEndpoints");
    expect(endpoints).toHaveLength(3);
    for (const endpoint of endpoints) expect(evaluate(DINE_BLOB_ZONE_GROUP, endpoint), endpoint.logicalName).toBe(true);
    expect(requests.filter((r) => r.type.startsWith("Microsoft.Network/privateDnsZones") || r.type.endsWith("/privateDnsZoneGroups"))).toEqual([]);
  });

  it('with dns "stack" creates a privatelink zone that Audit-PeDnsZones audits (an audit, not a deny: for stacks outside ALZ)', async () => {
    const requests = armRequests((await privateRun({ dns: "stack" })).resources);
    expect(requests.filter((r) => evaluate(AUDIT_PE_DNS_ZONES, r)).map((r) => r.logicalName)).toEqual(["blob-dns-zone"]);
  });
});

describe("a public-mode stack under the Corp and Landing Zones archetypes", () => {
  it("is refused by Corp's Deny-Public-Endpoints for each storage account, the stack's registry and the Container Apps environment", async () => {
    expect(verdicts(armRequests((await devRun()).resources), "Default")).toEqual([
      "Deny-Public-Endpoints/StorageDenyPaasPublicIP b2982f36-99f2-4db5-8eff-283140c09693: checkpoints-account, flowlogs-northeurope-account, flowlogs-westeurope-account",
      "Deny-Public-Endpoints/ACRDenyPaasPublicIP 0fdf0491-d080-4575-b627-ad0e843cba0f: forwarder-registry",
      "Deny-Public-Endpoints/ContainerAppsEnvironmentDenyPublicIP d074ddf8-01a5-4b5e-a2b8-964aed452c0a: forwarder-environment",
    ]);
  });

  it("passes the Landing Zones archetype's enforced storage and Container Apps rules (HTTPS only, TLS 1.2, no insecure ingress)", async () => {
    const lz = verdicts(armRequests((await devRun()).resources), "Default").filter((line) => !line.startsWith("Deny-Public-Endpoints/"));
    expect(lz).toEqual([]);
  });
});

describe("the encoded conditions", () => {
  it("cover every Deny definition of the catalogue that applies to a type either mode registers, at the catalogued version", async () => {
    const runs = [await devRun(), await privateRun({ dns: "stack" })];
    const types = new Set(runs.flatMap((run) => armRequests(run.resources).map((r) => lower(r.type))));
    const applicable = catalogue.policies.filter((p) => p.types.some((t) => types.has(lower(t))));
    expect(applicable.length).toBeGreaterThan(30);
    for (const p of applicable) expect(ENCODED_POLICIES[p.definitionId]?.version, `${p.assignment} ${p.definitionId}`).toBe(p.version);
    for (const id of Object.keys(ENCODED_POLICIES))
      expect(
        catalogue.policies.map((p) => p.definitionId),
        id,
      ).toContain(id);
  });

  it("deny what they should: a storage account with public access, a non-internal environment, external or insecure ingress", () => {
    const request = (type: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}): ArmRequest => ({
      logicalName: "probe",
      type,
      apiVersion: "2024-01-01",
      body: { type, name: "probe", id: `/subscriptions/x/resourceGroups/rg/providers/${type}/probe`, properties, ...extra },
    });
    const denies = (id: string, r: ArmRequest) => {
      const c = ENCODED_POLICIES[id].condition;
      return typeof c === "function" ? c(r) : evaluate(c, r);
    };
    const account = "Microsoft.Storage/storageAccounts";
    expect(denies("b2982f36-99f2-4db5-8eff-283140c09693", request(account, {}))).toBe(true);
    expect(denies("b2982f36-99f2-4db5-8eff-283140c09693", request(account, { publicNetworkAccess: "disabled" }))).toBe(false);
    expect(denies("4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", request(account, {}))).toBe(true);
    expect(denies("4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", request(account, { allowBlobPublicAccess: false }))).toBe(false);
    expect(denies("404c3081-a854-4457-ae30-26a93ef643f9", request(account, { supportsHttpsTrafficOnly: false }))).toBe(true);
    expect(denies("fe83a0eb-a853-422d-aac2-1bffd182c5d0", request(account, { minimumTlsVersion: "TLS1_1" }))).toBe(true);
    expect(denies("2a1a9cdf-e04d-429a-8416-3bfb72a1b26f", request(account, { networkAcls: { defaultAction: "Deny", ipRules: [{ value: "1.2.3.4" }] } }))).toBe(
      true,
    );
    expect(
      denies("Deny-Storage-ResourceAccessRulesResourceId", request(account, { networkAcls: { resourceAccessRules: [{ resourceId: "/subscriptions/*/x" }] } })),
    ).toBe(true);
    expect(denies("d074ddf8-01a5-4b5e-a2b8-964aed452c0a", request("Microsoft.App/managedEnvironments", { vnetConfiguration: { internal: false } }))).toBe(true);
    expect(denies("783ea2a8-b8fd-46be-896a-9ae79643a0b1", request("Microsoft.App/containerApps", { configuration: { ingress: { external: true } } }))).toBe(
      true,
    );
    expect(
      denies("0e80e269-43a4-4ae9-b5bc-178126b8a5cb", request("Microsoft.App/containerApps", { configuration: { ingress: { allowInsecure: true } } })),
    ).toBe(true);
    expect(denies("bd560fc0-3c69-498a-ae9f-aa8eb7de0e13", request("Microsoft.ContainerRegistry/registries", {}, { sku: { name: "Premium" } }))).toBe(false);
  });
});
