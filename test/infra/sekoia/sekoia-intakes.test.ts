// infra/sekoia-intakes.ts and its wiring under mocks: with sekoiaApiKey and sekoiaEntityUuid (and no
// intake keys) the program registers one SekoiaIntake per kind targeted with that kind's format, the
// Container App's secrets come from their intakeKey outputs, nothing secret shows in clear, and the
// configuration errors name their key.
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError } from "../../../infra/config/stack-config";
import { isSecretValue, recordingMocks } from "../../../infra/plan/mocks";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { defaultConfig, ids, masked, NOW, NSG_KEY, oneOf, plain, resourcesOf, runStack, runtimeConfig, T } from "../harness";

const API_KEY = "sekoia-api-key-for-mock-tests-0123";
const ENTITY = "7f6e4f52-3c1a-4c0e-9d2b-5b8f4e1a2c3d";
const NSG_FORMAT = "340e3bc7-2b76-48e4-9833-e971451b2979";
const VNET_FORMAT = "99a97295-dad0-4deb-af50-521c76cad45d";

/** The default stack, its intakes made through the API instead of configured keys. */
function apiConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...defaultConfig(), sekoiaNsgIntakeKey: undefined, sekoiaVnetIntakeKey: undefined, sekoiaApiKey: API_KEY, sekoiaEntityUuid: ENTITY, ...extra };
}

describe.each([false, true])("a stack with the Sekoia API (preview: %s)", (preview) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStack({ config: apiConfig({ sekoiaApiUrl: "https://app.fra2.sekoia.io/api/" }), preview });
  });

  it("registers one SekoiaIntake per kind targeted, with that kind's format", () => {
    const intakes = resourcesOf(run, T.sekoiaIntake).map((r) => {
      const { __provider: _code, ...inputs } = plain(r.inputs) as Record<string, unknown>;
      return { resource: r.name, ...inputs };
    });
    expect(intakes).toEqual([
      {
        resource: "sekoia-nsg",
        name: "azure-flowlogs-test-nsg",
        apiUrl: "https://app.fra2.sekoia.io/api",
        apiKey: API_KEY,
        formatUuid: NSG_FORMAT,
        entityUuid: ENTITY,
      },
      {
        resource: "sekoia-vnet",
        name: "azure-flowlogs-test-vnet",
        apiUrl: "https://app.fra2.sekoia.io/api",
        apiKey: API_KEY,
        formatUuid: VNET_FORMAT,
        entityUuid: ENTITY,
      },
    ]);
    for (const r of resourcesOf(run, T.sekoiaIntake)) {
      expect(isSecretValue(r.inputs.apiKey)).toBe(true);
      expect(typeof plain(r.inputs).__provider).toBe("string");
    }
  });

  it("gives the Container App the intakes' keys as secrets, and the forwarder both kinds", () => {
    const app = oneOf(run, T.app).inputs as Record<string, any>;
    // azure-native marks the whole configuration secret once one field of it is.
    expect(isSecretValue(app.configuration)).toBe(true);
    const secrets = app.configuration.value.secrets as { name: string; value: unknown }[];
    expect(secrets.map((s) => s.name)).toEqual(["sekoia-nsg-intake-key", "sekoia-vnet-intake-key"]);
    const values = plain(secrets).map((s) => s.value);
    expect(values.every((v) => typeof v === "string" && v.startsWith("FAKE-INTAKE-KEY-"))).toBe(true);
    expect(new Set(values).size).toBe(2);
    expect(JSON.stringify(masked(app))).not.toMatch(/FAKE-INTAKE-KEY|sekoia-api-key/);
  });

  it("names the intakes in a plain stack output, never their keys", () => {
    const intakes = run.outputs.sekoiaIntakes as { kind: string; name: string; uuid: string }[];
    expect(intakes.map((i) => [i.kind, i.name])).toEqual([
      ["nsg", "azure-flowlogs-test-nsg"],
      ["vnet", "azure-flowlogs-test-vnet"],
    ]);
    for (const i of intakes) expect(i.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(run.outputs)).not.toMatch(/FAKE-INTAKE-KEY|sekoia-api-key/);
  });
});

describe("the Sekoia API options", () => {
  it("a VNet-only stack creates only the VNet intake, named with sekoiaIntakeName and in sekoiaCommunityUuid", async () => {
    const community = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    const run = await runStack({
      config: apiConfig({
        targets: [{ id: ids.nic("nic1"), location: "westeurope" }],
        sekoiaIntakeName: "prod flows",
        sekoiaCommunityUuid: community.toUpperCase(),
      }),
    });
    const intakes = resourcesOf(run, T.sekoiaIntake);
    expect(intakes.map((r) => r.name)).toEqual(["sekoia-vnet"]);
    expect(plain(intakes[0].inputs)).toMatchObject({
      name: "prod flows-vnet",
      communityUuid: community,
      apiUrl: "https://api.sekoia.io",
      formatUuid: VNET_FORMAT,
    });
    expect((plain(oneOf(run, T.app).inputs) as any).configuration.secrets.map((s: { name: string }) => s.name)).toEqual(["sekoia-vnet-intake-key"]);
  });

  it("without them, no intake is created and the configured keys are used, as before", async () => {
    const run = await runStack({ config: defaultConfig() });
    expect(resourcesOf(run, T.sekoiaIntake)).toEqual([]);
    expect(run.outputs.sekoiaIntakes).toBeUndefined();
    const secrets = (plain(oneOf(run, T.app).inputs) as any).configuration.secrets as { value: string }[];
    expect(secrets.map((s) => s.value)).toContain(NSG_KEY);
  });
});

describe("Sekoia API configuration errors", () => {
  const problemsOf = (config: Record<string, unknown>): string => {
    const { values } = runtimeConfig(config);
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/^sekoia-flowlogs:/, ""), v]));
    try {
      parseStackConfig(raw, NOW);
    } catch (error) {
      expect(error).toBeInstanceOf(StackConfigError);
      expect((error as Error).message).not.toContain(API_KEY);
      return (error as Error).message;
    }
    throw new Error("expected the configuration to be rejected");
  };

  it.each([
    ["an API key without entity", { sekoiaEntityUuid: undefined }, /- sekoiaEntityUuid: found nothing while sekoiaApiKey is set/],
    ["an entity without API key", { sekoiaApiKey: undefined }, /- sekoiaApiKey: found nothing while sekoiaEntityUuid is set.*--secret sekoiaApiKey/],
    ["an entity that is not a uuid", { sekoiaEntityUuid: "Azure" }, /- sekoiaEntityUuid: found "Azure", expected the uuid of a Sekoia entity/],
    ["a community that is not a uuid", { sekoiaCommunityUuid: "tenant-a" }, /- sekoiaCommunityUuid: found "tenant-a"/],
    ["a plain-http API base", { sekoiaApiUrl: "http://api.sekoia.io" }, /- sekoiaApiUrl: found "http:\/\/api.sekoia.io", expected the https:\/\/ API base/],
    ["an intake name prefix with odd characters", { sekoiaIntakeName: "a/b" }, /- sekoiaIntakeName: found "a\/b"/],
    [
      "an intake key as well as the API for one kind",
      { sekoiaNsgIntakeKey: NSG_KEY },
      /- sekoiaNsgIntakeKey: set together with sekoiaApiKey.*Choose a single approach/,
    ],
  ])("rejects %s, naming the key", (_name, overrides, expected) => {
    const message = problemsOf(apiConfig(overrides));
    expect(message).toMatch(expected);
    // One mistake, one problem: no intake key is asked for while the API is being set up.
    expect(message).toMatch(/\(1 problem\)/);
  });

  it("the program registers nothing when they are wrong", async () => {
    const recorder = { resources: [], calls: [] };
    await expect(runStack({ config: apiConfig({ sekoiaVnetIntakeKey: "k-1234" }), recorder })).rejects.toThrow(
      /sekoiaVnetIntakeKey: set together with sekoiaApiKey/,
    );
    expect(recorder).toEqual({ resources: [], calls: [] });
  });

  it("warns that community and name prefix are unused without the API", () => {
    const { values } = runtimeConfig({ ...defaultConfig(), sekoiaCommunityUuid: "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9" });
    const raw = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/^sekoia-flowlogs:/, ""), v]));
    expect(parseStackConfig(raw, NOW).warnings).toContain(
      "sekoiaCommunityUuid is set but sekoiaApiKey and sekoiaEntityUuid are not: the stack creates no intake, so it is not used.",
    );
  });
});

describe("SekoiaIntake", () => {
  beforeAll(async () => {
    await pulumi.runtime.setMocks(recordingMocks({ resources: [], calls: [] }), "sekoia-flowlogs", "test", false);
  });
  afterAll(async () => {
    await pulumi.runtime.disconnect();
  });

  it("asks the engine to keep the API key and the intake key encrypted in the state", async () => {
    const { SekoiaIntake } = await import("../../../infra/sekoia/sekoia-intake.js");
    let seen: pulumi.CustomResourceOptions | undefined;
    new SekoiaIntake(
      "probe",
      { apiUrl: "https://api.sekoia.io", apiKey: API_KEY, name: "n", formatUuid: VNET_FORMAT, entityUuid: ENTITY },
      { transformations: [(args) => ((seen = args.opts as pulumi.CustomResourceOptions), undefined)] },
    );
    expect(seen?.additionalSecretOutputs).toEqual(["apiKey", "intakeKey"]);
  });
});
