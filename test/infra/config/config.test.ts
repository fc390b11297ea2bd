// infra/config.ts: every configuration error names its key, says what was found and what is
// expected; valid configurations get their defaults; Pulumi.yaml declares the same keys and defaults.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULTS,
  NSG_RETIREMENT_WARNING,
  OPTIONAL_OBJECT_KEYS,
  parseStackConfig,
  REQUIRED_KEYS,
  StackConfigError,
  type RawConfig,
} from "../../../infra/config/stack-config";
import { defaultConfig, ids, NOW, NSG_KEY, runStack, SUBSCRIPTION } from "../harness";

/** Raw config as the engine passes it: strings, objects as JSON, short project keys. */
function raw(overrides: Record<string, unknown> = {}): RawConfig {
  const merged: Record<string, unknown> = { ...defaultConfig(), ...overrides };
  return Object.fromEntries(
    Object.entries(merged)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

function problemsOf(overrides: Record<string, unknown>): string {
  try {
    parseStackConfig(raw(overrides), NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be rejected");
}

const OTHER = "11111111-2222-4333-8444-555555555555";
const vnet = (extra: Record<string, unknown> = {}) => ({ id: ids.vnet("vnet-weu"), location: "westeurope", ...extra });

describe("parseStackConfig rejects", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["missing targets", { targets: undefined }, "targets:", /found nothing, expected a non-empty list/],
    ["targets that are not JSON", { targets: "vnet-weu" }, "targets:", /found "vnet-weu"/],
    ["an empty target list", { targets: [] }, "targets:", /found \[\], expected a non-empty list/],
    ["a target that is not an object", { targets: ["vnet-weu"] }, "targets[0]:", /expected an object \{id, location\}/],
    ["a malformed ARM id", { targets: [vnet(), { id: "vnet-neu", location: "northeurope" }] }, "targets[1].id:", /found "vnet-neu", expected an ARM id/],
    [
      "an ARM id without subscription GUID",
      { targets: [{ id: "/subscriptions/prod/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", location: "westeurope" }] },
      "targets[0].id:",
      /found subscription "prod".*expected a subscription GUID/,
    ],
    [
      "an unknown resource type",
      { targets: [{ id: ids.vnet("v").replace("Microsoft.Network/virtualNetworks", "Microsoft.Compute/virtualMachines"), location: "westeurope" }] },
      "targets[0].id:",
      /found provider "Microsoft.Compute".*expected Microsoft.Network/,
    ],
    [
      "an unsupported network resource",
      { targets: [{ id: ids.vnet("v").replace("virtualNetworks", "loadBalancers"), location: "westeurope" }] },
      "targets[0].id:",
      /found resource type "Microsoft.Network\/loadBalancers".*expected networkSecurityGroups/,
    ],
    ["an unknown region", { targets: [vnet({ location: "westeruope" })] }, "targets[0].location:", /found "westeruope", expected the Azure region/],
    ["a missing region", { targets: [{ id: ids.vnet("v") }] }, "targets[0].location:", /found undefined/],
    [
      "a duplicate target",
      { targets: [vnet(), vnet({ id: ids.vnet("vnet-weu").toUpperCase().replace(SUBSCRIPTION.toUpperCase(), SUBSCRIPTION) })] },
      "targets[1].id:",
      /same resource as targets\[0\]/,
    ],
    [
      "targets in two subscriptions without azure-native:subscriptionId",
      { targets: [vnet(), { id: ids.vnet("v2").replace(SUBSCRIPTION, OTHER), location: "westeurope" }] },
      "azure-native:subscriptionId:",
      /found nothing while targets are in 2 subscriptions .*expected the subscription of the shared resources/,
    ],
    [
      "a scope in a second subscription without azure-native:subscriptionId",
      { targets: [vnet(), { scope: `/subscriptions/${OTHER}` }] },
      "azure-native:subscriptionId:",
      /found nothing while targets are in 2 subscriptions/,
    ],
    [
      "an azure-native:subscriptionId that is no guid",
      { "azure-native:subscriptionId": "prod" },
      "azure-native:subscriptionId:",
      /found "prod", expected the guid/,
    ],
    ["an unknown target field", { targets: [vnet({ loction: "westeurope" })] }, "targets[0].loction:", /unknown field/],
    ["a scope that is no subscription or group", { targets: [{ scope: ids.vnet("v") }] }, "targets[0].scope:", /expected \/subscriptions\/<guid> \(every VNet/],
    ["a scope with an id", { targets: [{ scope: `/subscriptions/${SUBSCRIPTION}`, id: ids.vnet("v") }] }, "targets[0].id:", /Choose a single approach/],
    ["a scope with an unknown region", { targets: [{ scope: `/subscriptions/${SUBSCRIPTION}`, location: "mars" }] }, "targets[0].location:", /found "mars"/],
    [
      "the same scope twice",
      { targets: [{ scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg` }, { scope: `/Subscriptions/${SUBSCRIPTION}/resourceGroups/RG/` }] },
      "targets[1].scope:",
      /same selection as targets\[0\]/,
    ],
    [
      "a scope entry without the VNet intake key (it selects VNets)",
      { sekoiaVnetIntakeKey: "", targets: [{ scope: `/subscriptions/${SUBSCRIPTION}` }] },
      "sekoiaVnetIntakeKey:",
      /\(needed by targets\[0\]\)/,
    ],
    [
      "a flowLogStorageSubscriptionId that is no guid",
      { flowLogStorageSubscriptionId: "logging" },
      "flowLogStorageSubscriptionId:",
      /found "logging", expected the guid/,
    ],
    ["an unknown azure-native:environment", { "azure-native:environment": "mars" }, "azure-native:environment:", /expected one of public, usgovernment, china/],
    [
      "a plain-http armEndpoint off loopback",
      { armEndpoint: "http://arm.example.test" },
      "armEndpoint:",
      /found "http:\/\/arm\.example\.test", expected one of https:\/\/management\.azure\.com, https:\/\/management\.usgovcloudapi\.net, https:\/\/management\.chinacloudapi\.cn, an http:\/\/ loopback address/,
    ],
    [
      "an armEndpoint that is no cloud's ARM (the deployer's token is sent there)",
      { armEndpoint: "https://arm.contoso.example" },
      "armEndpoint:",
      /found "https:\/\/arm\.contoso\.example", expected one of https:\/\/management\.azure\.com, .*or nothing for the endpoint of azure-native:environment/,
    ],
    [
      "an armEndpoint with a path",
      { armEndpoint: "https://management.azure.com/subscriptions" },
      "armEndpoint:",
      /found "https:\/\/management\.azure\.com\/subscriptions"/,
    ],
    ["a provider flag that is no boolean", { "azure-native:useOidc": "yes" }, "azure-native:useOidc:", /found "yes", expected true or false/],
    [
      "auxiliary tenants that are no list",
      { "azure-native:auxiliaryTenantIds": "tenant-a" },
      "azure-native:auxiliaryTenantIds:",
      /found "tenant-a", expected a list of tenant ids, e\.g\. `pulumi config set --path 'azure-native:auxiliaryTenantIds\[0\]' <tenant guid>`/,
    ],
    ["an armEndpoint that is no URL", { armEndpoint: "management" }, "armEndpoint:", /found "management"/],
    ["an invalid flowLogName", { targets: [vnet({ flowLogName: "bad name!" })] }, "targets[0].flowLogName:", /found "bad name!"/],
    ["a missing shared region", { "azure-native:location": undefined }, "azure-native:location:", /found nothing/],
    ["an unknown shared region", { "azure-native:location": "mars" }, "azure-native:location:", /found "mars"/],
    ["an unknown networkWatcher mode", { networkWatcher: "adopt" }, "networkWatcher:", /found "adopt", expected "existing"/],
    ["retentionDays 0", { retentionDays: "0" }, "retentionDays:", /found "0", expected a whole number of days from 1 to 365/],
    ["retentionDays 366", { retentionDays: "366" }, "retentionDays:", /found "366"/],
    ["retentionDays not a number", { retentionDays: "thirty" }, "retentionDays:", /found "thirty"/],
    ["a missing sasExpiry", { sasExpiry: undefined }, "sasExpiry:", /found nothing, expected an ISO-8601 instant/],
    ["an unparsable sasExpiry", { sasExpiry: "next year" }, "sasExpiry:", /found "next year"/],
    ["a sasExpiry without time zone", { sasExpiry: "2027-01-01T00:00:00" }, "sasExpiry:", /expected an ISO-8601 instant with a time zone/],
    ["an impossible sasExpiry date", { sasExpiry: "2027-02-30T00:00:00Z" }, "sasExpiry:", /found "2027-02-30T00:00:00Z"/],
    ["a past sasExpiry", { sasExpiry: "2026-05-31T23:59:59Z" }, "sasExpiry:", /not after now \(2026-06-01T00:00:00.000Z\)/],
    ["a missing NSG intake key", { sekoiaNsgIntakeKey: undefined }, "sekoiaNsgIntakeKey:", /needed by targets\[2\].*--secret/],
    ["a missing VNet intake key", { sekoiaVnetIntakeKey: "" }, "sekoiaVnetIntakeKey:", /needed by targets\[0\], targets\[1\]/],
    ["a plain-http intake URL", { sekoiaIntakeUrl: "http://intake.sekoia.io" }, "sekoiaIntakeUrl:", /expected an https:\/\/ URL/],
    [
      "a forwarderImage not pinned by digest",
      { forwarderImage: "ghcr.io/acme/forwarder:latest" },
      "forwarderImage:",
      /expected an image reference pinned by digest/,
    ],
    ["a non-boolean trafficAnalytics", { trafficAnalytics: "yes" }, "trafficAnalytics:", /expected true or false/],
    ["a traffic analytics interval of 30", { trafficAnalyticsIntervalMinutes: "30" }, "trafficAnalyticsIntervalMinutes:", /expected 10 or 60/],
    ["an alert window Azure does not accept", { alertNoDeliveryMinutes: "7" }, "alertNoDeliveryMinutes:", /expected one of the windows/],
    ["a zero restart threshold", { alertRestartCount: "0" }, "alertRestartCount:", /expected a whole number from 1 to 100/],
    ["an invalid alert e-mail", { alertEmail: "soc" }, "alertEmail:", /expected an e-mail address/],
    [
      "a subnet given another region than its VNet",
      { targets: [vnet(), { id: ids.subnet("VNET-WEU", "snet-app"), location: "North Europe" }] },
      "targets[1].location:",
      /found "northeurope" for the subnet snet-app of VNet VNET-WEU, expected "westeurope", the region targets\[0\] gives that VNet: a subnet is in its VNet's region/,
    ],
    [
      "two subnets of one VNet in two regions",
      {
        targets: [
          { id: ids.subnet("vnet-a", "s1"), location: "westeurope" },
          { id: ids.subnet("vnet-a", "s2"), location: "northeurope" },
        ],
      },
      "targets[1].location:",
      /found "northeurope" for the subnet s2 of VNet vnet-a, expected "westeurope", the region targets\[0\] gives to the subnet s1 of VNet vnet-a/,
    ],
  ];
  it.each(cases)("%s, naming the key", (_name, overrides, key, detail) => {
    const message = problemsOf(overrides);
    expect(message).toContain(`  - ${key}`);
    expect(message).toMatch(detail);
  });

  it("reports every problem at once", () => {
    const message = problemsOf({ retentionDays: "0", sasExpiry: "soon", targets: [vnet(), { id: "x", location: "mars" }] });
    expect(message).toMatch(/^Invalid stack configuration \(4 problems\); nothing was registered:/);
    for (const key of ["retentionDays:", "sasExpiry:", "targets[1].location:", "targets[1].id:"]) expect(message).toContain(key);
  });
});

describe("parseStackConfig accepts", () => {
  it("the defaults of every optional key", () => {
    const { config } = parseStackConfig(raw({ forwarderImage: undefined, sekoiaNsgIntakeKey: undefined, targets: [vnet()] }), NOW);
    expect(config).toMatchObject({
      location: "westeurope",
      subscriptionId: SUBSCRIPTION,
      scopes: [],
      armEndpoint: "https://management.azure.com",
      networkWatcher: "existing",
      retentionDays: 30,
      sasExpiry: "2027-01-01T00:00:00Z",
      sekoiaIntakeUrl: "https://intake.sekoia.io",
      trafficAnalytics: { enabled: false, intervalMinutes: 60 },
      alerts: { noDeliveryMinutes: 30, restartCount: 3 },
    });
    expect(config.forwarderImage).toBeUndefined();
    expect(config.flowLogStorageSubscriptionId).toBeUndefined();
    expect(config.provider).toEqual({});
    expect(config.alerts.email).toBeUndefined();
  });

  it("targets in many subscriptions, scope selections, a central storage subscription and another cloud", () => {
    const { config } = parseStackConfig(
      raw({
        "azure-native:subscriptionId": OTHER,
        "azure-native:environment": "usgovernment",
        flowLogStorageSubscriptionId: OTHER.toUpperCase(),
        targets: [vnet(), { scope: `/subscriptions/${OTHER}/resourceGroups/rg-spoke`, location: "North Europe" }, { scope: `/subscriptions/${SUBSCRIPTION}` }],
      }),
      NOW,
    );
    expect(config.subscriptionId).toBe(OTHER);
    expect(config.targets.map((t) => t.subscriptionId)).toEqual([SUBSCRIPTION]);
    expect(config.scopes).toEqual([
      {
        key: "targets[1]",
        scope: `/subscriptions/${OTHER}/resourceGroups/rg-spoke`,
        subscriptionId: OTHER,
        resourceGroup: "rg-spoke",
        location: "northeurope",
      },
      { key: "targets[2]", scope: `/subscriptions/${SUBSCRIPTION}`, subscriptionId: SUBSCRIPTION },
    ]);
    expect(config.flowLogStorageSubscriptionId).toBe(OTHER);
    expect(config.armEndpoint).toBe("https://management.usgovcloudapi.net");
    expect(config.provider).toEqual({ environment: "usgovernment" });
  });

  it("an armEndpoint override: a cloud's ARM, or plain http on loopback", () => {
    expect(parseStackConfig(raw({ armEndpoint: "http://127.0.0.1:4567/" }), NOW).config.armEndpoint).toBe("http://127.0.0.1:4567");
    expect(parseStackConfig(raw({ armEndpoint: "https://management.usgovcloudapi.net/" }), NOW).config.armEndpoint).toBe(
      "https://management.usgovcloudapi.net",
    );
  });

  it("regions written as Azure displays them, and offsets in sasExpiry", () => {
    const { config } = parseStackConfig(
      raw({ "azure-native:location": "West Europe", targets: [vnet({ location: "North Europe" })], sasExpiry: "2027-01-01T02:00:00+02:00" }),
      NOW,
    );
    expect(config.location).toBe("westeurope");
    expect(config.targets[0].location).toBe("northeurope");
    expect(config.sasExpiry).toBe("2027-01-01T00:00:00Z");
  });

  it("a VNet and its subnets in one region, and subnets of same-named VNets of other groups in other regions", () => {
    const targets = [
      vnet(),
      { id: ids.subnet("vnet-weu", "snet-app"), location: "West Europe" },
      { id: ids.subnet("vnet-weu", "snet-db", "rg-other"), location: "northeurope" },
      { id: ids.nic("nic-neu"), location: "northeurope" },
    ];
    expect(parseStackConfig(raw({ targets }), NOW).config.targets.map((t) => t.location)).toEqual(["westeurope", "westeurope", "northeurope", "northeurope"]);
  });

  it("classifies NSG, VNet, subnet and NIC targets into the two flow-log families", () => {
    const targets = [ids.nsg("n"), ids.vnet("v"), ids.subnet("v", "s"), ids.nic("nic1")].map((id) => ({ id, location: "westeurope" }));
    const { config } = parseStackConfig(raw({ targets }), NOW);
    expect(config.targets.map((t) => [t.kind, t.family, t.name])).toEqual([
      ["nsg", "nsg", "n"],
      ["vnet", "vnet", "v"],
      ["subnet", "vnet", "s"],
      ["nic", "vnet", "nic1"],
    ]);
  });

  it("wraps the intake keys as secrets, only for the targeted families", async () => {
    const { config, warnings } = parseStackConfig(raw({ targets: [vnet()] }), NOW);
    expect(config.intakeKeys.nsg).toBeUndefined();
    expect(await pulumi.isSecret(config.intakeKeys.vnet!)).toBe(true);
    expect(warnings).toContain("sekoiaNsgIntakeKey is set but no target is an NSG: it is not deployed.");
  });

  it("warns about NSG targets: creation blocked since 2025-06-30, retired 2027-09-30, use VNet flow logs", () => {
    const { warnings } = parseStackConfig(raw(), NOW);
    const warning = warnings.find((w) => w.startsWith("targets[2] targets the NSG nsg-weu"));
    expect(warning).toContain(NSG_RETIREMENT_WARNING);
    expect(warning).toMatch(/2025-06-30.*2027-09-30/);
    expect(warning).toMatch(/virtual network or subnet.*VNet flow logs/);
  });

  it("warns when the SAS expires within 30 days", () => {
    const { warnings } = parseStackConfig(raw({ sasExpiry: "2026-06-15T00:00:00Z" }), NOW);
    expect(warnings).toContain("sasExpiry is 14 day(s) away: Sekoia loses access then; rotate it (docs/runbook.md#rotating-the-sas).");
  });
});

describe("the program with an invalid configuration", () => {
  it("throws before registering any resource, naming targets", async () => {
    const config = { ...defaultConfig(), targets: [{ id: "/subscriptions/nope", location: "westeurope" }] };
    const recorder = { resources: [], calls: [] };
    await expect(runStack({ config, recorder })).rejects.toThrow(/targets\[0\]\.id: found "\/subscriptions\/nope"/);
    expect(recorder).toEqual({ resources: [], calls: [] });
  });

  it("logs the NSG warning through pulumi.log.warn", async () => {
    const run = await runStack({ config: defaultConfig() });
    expect(run.warnings.some((w) => w.includes("targets[2]") && w.includes(NSG_RETIREMENT_WARNING))).toBe(true);
    expect(run.warnings.join("\n")).not.toContain(NSG_KEY);
  });
});

describe("Pulumi.yaml", () => {
  const yaml = createRequire(require.resolve("@pulumi/pulumi"))("js-yaml") as { load(t: string): unknown };
  const project = yaml.load(readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8")) as {
    name: string;
    main: string;
    runtime: { name: string; options: { typescript: boolean } };
    config: Record<string, { type?: string; description?: string; default?: unknown }>;
  };

  it("names the project, the runtime and the entry point", () => {
    expect(project.name).toBe("sekoia-flowlogs");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
    expect(project.main).toBe("infra/index.ts");
  });

  it("declares exactly the keys the program reads, with description and the program's defaults", () => {
    expect(Object.keys(project.config).sort()).toEqual([...REQUIRED_KEYS, ...OPTIONAL_OBJECT_KEYS, ...Object.keys(DEFAULTS)].sort());
    for (const [key, declaration] of Object.entries(project.config)) {
      expect(declaration.description, key).toBeTruthy();
      if ((REQUIRED_KEYS as readonly string[]).includes(key) || (OPTIONAL_OBJECT_KEYS as readonly string[]).includes(key)) {
        expect(declaration.default, key).toBeUndefined();
      } else {
        expect(declaration.default, key).toEqual(DEFAULTS[key as keyof typeof DEFAULTS]);
        expect(declaration.type, key).toBe(typeof declaration.default === "number" ? "integer" : typeof declaration.default);
      }
    }
  });
});

describe("docs/configuration.md", () => {
  it("documents every key of Pulumi.yaml and the provider keys in the configuration reference", () => {
    const page = readFileSync(path.join(__dirname, "../../../docs/configuration.md"), "utf8");
    const section = page.slice(page.indexOf("<!-- stack-config:start -->"), page.indexOf("<!-- stack-config:end -->"));
    for (const key of [...REQUIRED_KEYS, ...OPTIONAL_OBJECT_KEYS, ...Object.keys(DEFAULTS), "azure-native:location", "azure-native:subscriptionId"]) {
      expect(section, key).toContain(`| \`${key}\` |`);
    }
  });
});
