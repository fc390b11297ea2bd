// infra/forwarder-app.ts: one replica with probes, a user-assigned identity with least-privilege
// roles, intake keys only as Container App secrets behind secretRef, sources without any SAS.
import { beforeAll, describe, expect, it } from "vitest";
import { roleAssignmentName } from "../../../infra/forwarder/roles";
import { intakeKeysVersion } from "../../../infra/forwarder/intake-keys-version";
import { FORWARDER_LOG_CATEGORIES } from "../../../infra/forwarder/forwarder-logs";
import { TABLES } from "../../../infra/monitoring/alert-queries";
import { isSecretValue } from "../../../infra/plan/mocks";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { defaultConfig, ids, masked, NSG_KEY, oneOf, plain, resourcesOf, runStack, SUBSCRIPTION, T, VNET_KEY } from "../harness";

type Env = { name: string; value?: string; secretRef?: string };

describe.each([false, true])("forwarder app (preview: %s)", (preview) => {
  let run: ProgramRun;
  let app: Record<string, any>;
  let env: Env[];
  beforeAll(async () => {
    run = await runStack({ config: { ...defaultConfig(), sekoiaIntakeUrl: "https://intake.example.test/" }, preview });
    app = plain(oneOf(run, T.app).inputs) as Record<string, any>;
    env = app.template.containers[0].env as Env[];
  });

  it("runs exactly one replica, single revision, 0.25 CPU / 0.5Gi (the benchmark's size), probes on the health port", () => {
    expect(app.template.scale).toEqual({ minReplicas: 1, maxReplicas: 1 });
    expect(app.configuration.activeRevisionsMode).toBe("Single");
    expect(app.configuration.ingress).toBeUndefined();
    const container = app.template.containers[0];
    expect(container.resources).toEqual({ cpu: 0.25, memory: "0.5Gi" });
    expect(container.probes.map((p: any) => p.type).sort()).toEqual(["Liveness", "Readiness", "Startup"]);
  });

  it("provisions while roles propagate: no probe depends on storage or the intake (/readyz), all ask /healthz", () => {
    const probes = app.template.containers[0].probes as Array<{ type: string; httpGet: unknown; periodSeconds: number; failureThreshold: number }>;
    for (const probe of probes) expect(probe.httpGet, probe.type).toEqual({ path: "/healthz", port: 8080 });
    const startup = probes.find((p) => p.type === "Startup")!;
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(300);
  });

  it("runs in a workload-profile environment, on its Consumption profile", () => {
    const environment = plain(oneOf(run, T.environment).inputs) as any;
    expect(environment.workloadProfiles).toEqual([{ name: "Consumption", workloadProfileType: "Consumption" }]);
    expect(app.workloadProfileName).toBe("Consumption");
  });

  it("sets the forwarder's variables; intake keys only by secretRef", () => {
    const identity = oneOf(run, T.identity);
    expect(env.map((e) => e.name)).toEqual([
      "FLOWLOG_SOURCES",
      "FLOWLOG_ACCOUNT_SUBSCRIPTIONS",
      "CHECKPOINT_URL",
      "SEKOIA_INTAKE_URL",
      "SEKOIA_NSG_INTAKE_KEY",
      "SEKOIA_VNET_INTAKE_KEY",
      "POLL_INTERVAL_SECONDS",
      "HEALTH_PORT",
      "AZURE_CLIENT_ID",
      "SEKOIA_INTAKE_KEYS_VERSION",
    ]);
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.SEKOIA_NSG_INTAKE_KEY).toEqual({ name: "SEKOIA_NSG_INTAKE_KEY", secretRef: "sekoia-nsg-intake-key" });
    expect(byName.SEKOIA_VNET_INTAKE_KEY).toEqual({ name: "SEKOIA_VNET_INTAKE_KEY", secretRef: "sekoia-vnet-intake-key" });
    expect(byName.SEKOIA_INTAKE_URL.value).toBe("https://intake.example.test");
    expect(byName.POLL_INTERVAL_SECONDS.value).toBe("30");
    expect(byName.HEALTH_PORT.value).toBe("8080");
    expect(byName.AZURE_CLIENT_ID.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity.name).toBe("forwarder-identity");
    // Unwrapped, no plain env value carries a key (a secret Output as `value` would still show in the portal).
    for (const e of env) for (const key of [NSG_KEY, VNET_KEY]) expect(e.value ?? "").not.toContain(key);
  });

  it("lists every flow-log container as a plain URL (no SAS: the identity reads them)", () => {
    const storage = (run.outputs.flowLogStorage as Record<string, Record<string, { accountName: string }>>)[SUBSCRIPTION];
    const url = (region: string, container: string) => `https://${storage[region].accountName}.blob.core.windows.net/${container}`;
    const sources = env.find((e) => e.name === "FLOWLOG_SOURCES")!.value!.split(",");
    expect(sources).toEqual(
      [
        url("northeurope", "insights-logs-flowlogflowevent"),
        url("westeurope", "insights-logs-flowlogflowevent"),
        url("westeurope", "insights-logs-networksecuritygroupflowevent"),
      ].sort(),
    );
    expect(env.find((e) => e.name === "FLOWLOG_ACCOUNT_SUBSCRIPTIONS")!.value).toBe(
      [`${storage.northeurope.accountName}=${SUBSCRIPTION}`, `${storage.westeurope.accountName}=${SUBSCRIPTION}`].sort().join(","),
    );
    expect(env.find((e) => e.name === "CHECKPOINT_URL")!.value).toMatch(/^https:\/\/ckpt[a-z0-9]+\.blob\.core\.windows\.net\/checkpoints$/);
    for (const e of env) expect(e.value ?? "").not.toMatch(/[?&](sig|sv)=/);
  });

  it("keeps the intake keys as Container App secrets, marked secret", () => {
    const raw = oneOf(run, T.app).inputs.configuration;
    const secrets = plain(raw as any).secrets as Array<{ name: string; value: string }>;
    expect(secrets).toEqual([
      { name: "sekoia-nsg-intake-key", value: NSG_KEY },
      { name: "sekoia-vnet-intake-key", value: VNET_KEY },
    ]);
    // The provider receives them wrapped as secrets (Pulumi's secret sentinel).
    expect(isSecretValue(raw) || (raw as any).secrets.every((s: any) => isSecretValue(s.value))).toBe(true);
  });

  it("never puts a secret in a plain input of any resource or in a plain output", () => {
    const visible = JSON.stringify([run.resources.map((r) => masked(r.inputs)), run.outputs]);
    for (const secret of [NSG_KEY, VNET_KEY, "FAKE-WORKSPACE-SHARED-KEY", "sig=FAKE"]) expect(visible).not.toContain(secret);
  });

  it("runs as its user-assigned identity", () => {
    const identity = oneOf(run, T.identity);
    expect(app.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [expect.stringContaining("forwarder-identity")] });
    expect(identity.inputs.location).toBe("westeurope");
  });

  it("grants Blob Data Reader on each flow-log account and Blob Data Contributor on the checkpoint container only", () => {
    const roles = resourcesOf(run, T.role).map((r) => r.inputs as Record<string, string>);
    const principal = roles[0].principalId;
    expect(roles.every((r) => r.principalId === principal && r.principalType === "ServicePrincipal")).toBe(true);
    const reader = roles.filter((r) => r.roleDefinitionId.endsWith("/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"));
    const accounts = resourcesOf(run, T.account).filter((a) => a.name.startsWith("flowlogs-"));
    expect(reader.map((r) => r.scope.split("/").pop()).sort()).toEqual(accounts.map((a) => a.inputs.accountName).sort());
    const contributor = roles.filter((r) => r.roleDefinitionId.endsWith("/ba92f5b4-2d11-453d-a403-e96b0029c9fe"));
    expect(contributor).toHaveLength(1);
    expect(contributor[0].scope).toMatch(/\/storageAccounts\/ckpt[a-z0-9]+\/blobServices\/default\/containers\/checkpoints$/);
    expect(roles).toHaveLength(3);
  });

  it("logs through the azure-monitor destination and a diagnostic setting to the workspace: no shared key anywhere", () => {
    const environment = oneOf(run, T.environment);
    // The legacy log-analytics destination authenticates with the workspace's shared key (HTTP Data Collector API model).
    expect(environment.inputs.appLogsConfiguration).toEqual({ destination: "azure-monitor" });
    expect(run.calls.map((c) => c.token)).not.toContain("azure-native:operationalinsights:getSharedKeys");
    const setting = oneOf(run, T.diagnostic, "forwarder-logs");
    expect(setting.inputs).toEqual({
      name: "sekoia-flowlogs-forwarder-logs",
      resourceUri: expect.stringMatching(/\/ManagedEnvironment\/forwarder-environment[0-9a-f]+$/),
      workspaceId: run.outputs.logAnalyticsWorkspaceId,
      // Resource-specific tables (ContainerAppConsoleLogs, ContainerAppSystemLogs), which the alerts read.
      logAnalyticsDestinationType: "Dedicated",
      logs: [
        { category: "ContainerAppConsoleLogs", enabled: true },
        { category: "ContainerAppSystemLogs", enabled: true },
      ],
    });
    expect(setting.options?.parent).toMatch(/ForwarderApp::forwarder$/);
  });

  it("sends its logs to the tables the alerts read", () => {
    expect([...FORWARDER_LOG_CATEGORIES]).toEqual([TABLES.console, TABLES.system]);
  });
});

describe("a new intake key rolls a new revision (Container Apps does not restart replicas for a changed secret)", () => {
  const versionOf = (run: ProgramRun) => {
    const container = (oneOf(run, T.app).inputs.template as any).containers[0];
    return (container.env as Env[]).find((e) => e.name === "SEKOIA_INTAKE_KEYS_VERSION")!.value;
  };

  it("a template value that follows the keys, in plain text, telling nothing of them", async () => {
    const run = await runStack({ config: defaultConfig() });
    const version = versionOf(run);
    expect(isSecretValue(version)).toBe(false);
    expect(version).toBe(intakeKeysVersion({ nsg: NSG_KEY, vnet: VNET_KEY }));
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    const rotated = await runStack({ config: { ...defaultConfig(), sekoiaVnetIntakeKey: "vnet-intake-key-rotated-000000" } });
    expect(versionOf(rotated)).not.toBe(version);
    expect(versionOf(await runStack({ config: defaultConfig() }))).toBe(version);
  });

  it("follows the keys of intakes the stack creates (a replaced intake has a new key)", async () => {
    const config = {
      ...defaultConfig(),
      sekoiaNsgIntakeKey: undefined,
      sekoiaVnetIntakeKey: undefined,
      sekoiaApiKey: "api-key",
      sekoiaEntityUuid: "5c0b8d2e-7a41-4f36-9e15-2d8c3b6a9f70",
    };
    const run = await runStack({ config });
    const secrets = (plain(oneOf(run, T.app).inputs.configuration) as any).secrets as Array<{ name: string; value: string }>;
    const key = (f: string) => secrets.find((x) => x.name === `sekoia-${f}-intake-key`)!.value;
    expect(versionOf(run)).toBe(intakeKeysVersion({ nsg: key("nsg"), vnet: key("vnet") }));
  });
});

describe("a VNet-only stack", () => {
  it("deploys only the VNet intake key and only the VNet container", async () => {
    const run = await runStack({
      config: { ...defaultConfig(), targets: [{ id: ids.nic("nic1"), location: "westeurope" }], sekoiaNsgIntakeKey: undefined },
    });
    const app = plain(oneOf(run, T.app).inputs) as any;
    expect(app.configuration.secrets.map((s: { name: string }) => s.name)).toEqual(["sekoia-vnet-intake-key"]);
    const names = app.template.containers[0].env.map((e: Env) => e.name);
    expect(names).toContain("SEKOIA_VNET_INTAKE_KEY");
    expect(names).not.toContain("SEKOIA_NSG_INTAKE_KEY");
    expect(app.template.containers[0].env[0].value).toMatch(/\/insights-logs-flowlogflowevent$/);
  });
});

describe("roleAssignmentName", () => {
  it("is a stable GUID per scope, role and principal", () => {
    const a = roleAssignmentName("/subscriptions/s/x", "role", "p");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(roleAssignmentName("/SUBSCRIPTIONS/s/X", "role", "p")).toBe(a);
    expect(roleAssignmentName("/subscriptions/s/x", "role", "q")).not.toBe(a);
  });
});

describe("forwarderSize", () => {
  const containerOf = async (forwarderSize?: string) => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderSize } });
    return (plain(oneOf(run, T.app).inputs) as any).template.containers[0];
  };

  it("sizes the container with any pair Container Apps accepts on the Consumption profile, up to 4 vCPU / 8Gi", async () => {
    expect((await containerOf("1/2Gi")).resources).toEqual({ cpu: 1, memory: "2Gi" });
    expect((await containerOf("4 vCPU / 8.0Gi")).resources).toEqual({ cpu: 4, memory: "8Gi" });
  });

  it("keeps the benchmark's 0.25 vCPU / 0.5Gi when unset or empty", async () => {
    expect((await containerOf(undefined)).resources).toEqual({ cpu: 0.25, memory: "0.5Gi" });
    expect((await containerOf("")).resources).toEqual({ cpu: 0.25, memory: "0.5Gi" });
  });

  it.each([
    [
      "0.5/2Gi",
      /forwarderSize: found "0\.5\/2Gi", expected one of the vCPU\/memory pairs Container Apps accepts .*0\.25\/0\.5Gi, 0\.5\/1Gi, .*4\/8Gi; for 0\.5 vCPU that is 0\.5\/1Gi/,
    ],
    ["0.3/0.6Gi", /forwarderSize: found "0\.3\/0\.6Gi", expected one of the vCPU\/memory pairs .*4\/8Gi$/m],
    ["4.25/8.5Gi", /forwarderSize: found "4\.25\/8\.5Gi"/],
    ["1", /forwarderSize: found "1", expected/],
    ["1/2048Mi", /forwarderSize: found "1\/2048Mi", expected/],
  ])("refuses %s, which Azure would refuse half-way through pulumi up, listing the pairs", async (forwarderSize, message) => {
    await expect(runStack({ config: { ...defaultConfig(), forwarderSize } })).rejects.toThrow(message);
  });
});
