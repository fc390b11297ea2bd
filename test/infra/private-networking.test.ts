// privateNetworking: the configuration that asks for it (each mistake named with its fix), and what the
// program registers then: every account without a public endpoint and with a blob private endpoint in
// the endpoints' subnet, the environment internal to its subnet, no SAS, and DNS as chosen (nothing
// under "policy", zone groups under "stack"). The subnets are read before anything is created.
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigError, type RawConfig } from "../../infra/config/stack-config";
import type { Recorder } from "../../infra/plan/mocks";
import { callsOf, NOW, oneOf, plain, resourcesOf, runComponents, runStack, SUBSCRIPTION, T } from "./harness";
import { ACA_SUBNET, BLOB_ZONE_ID, networkOf, PE_SUBNET, preparedVnet, PRIVATE_IMAGE, privateConfig, REGISTRY_ID, SPOKE_VNET } from "./private-scenario";

const raw = (config: Record<string, unknown>): RawConfig =>
  Object.fromEntries(
    Object.entries(config)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );

function problemsOf(config: Record<string, unknown>): string {
  try {
    parseStackConfig(raw(config), NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("privateNetworking configuration", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      "an object that is no object",
      { ...privateConfig(), privateNetworking: "on" },
      "privateNetworking:",
      /found "on", expected an object \{containerAppsSubnetId/,
    ],
    [
      "a malformed subnet id",
      privateConfig({ containerAppsSubnetId: SPOKE_VNET }),
      "privateNetworking.containerAppsSubnetId:",
      /found ".*vnet-spoke-weu", expected the ARM id of a subnet, \/subscriptions\/<guid>\/.*\/subnets\/<subnet>: the Container Apps environment's own subnet/,
    ],
    ["a missing endpoints' subnet", privateConfig({ privateEndpointSubnetId: undefined }), "privateNetworking.privateEndpointSubnetId:", /found nothing/],
    [
      "one subnet for both",
      privateConfig({ privateEndpointSubnetId: ACA_SUBNET.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/") }),
      "privateNetworking.privateEndpointSubnetId:",
      /found the same subnet as privateNetworking\.containerAppsSubnetId, expected another one/,
    ],
    ["no DNS choice", privateConfig({ dns: undefined }), "privateNetworking.dns:", /found nothing, expected "policy" \(.*\) or "stack"/],
    ["an unknown DNS choice", privateConfig({ dns: "azure" }), "privateNetworking.dns:", /found "azure"/],
    ["a zone under policy", privateConfig({ privateDnsZoneId: BLOB_ZONE_ID }), "privateNetworking.privateDnsZoneId:", /Choose a single approach/],
    [
      "another zone than blob's",
      privateConfig({ dns: "stack", privateDnsZoneId: BLOB_ZONE_ID.replace("privatelink.blob", "privatelink.queue") }),
      "privateNetworking.privateDnsZoneId:",
      /found the zone privatelink\.queue\.core\.windows\.net, expected privatelink\.blob\.core\.windows\.net/,
    ],
    ["an unknown field", privateConfig({ subnetId: ACA_SUBNET }), "privateNetworking.subnetId:", /found an unknown field/],
    [
      "a sasExpiry (no SAS is minted)",
      { ...privateConfig(), sasExpiry: "2027-01-01T00:00:00Z" },
      "sasExpiry:",
      /found "2027-01-01T00:00:00Z" while privateNetworking is set, expected nothing: Sekoia's pull connector cannot reach .*`pulumi config rm sasExpiry`/,
    ],
    [
      "no prebuilt image (the stack cannot push into the network)",
      { ...privateConfig(), forwarderImage: undefined, forwarderImageRegistryId: undefined },
      "forwarderImage:",
      /found nothing while privateNetworking is set, expected a prebuilt image pinned by digest .*`pulumi config set forwarderImage .*forwarderImageRegistryId/,
    ],
    [
      "event mode (its queue would need an endpoint of its own)",
      { ...privateConfig(), forwarderScale: { minReplicas: 1, maxReplicas: 3 } },
      "forwarderScale:",
      /found maxReplicas 3 while privateNetworking is set, expected at most 1: event mode's blob-events queue would need a private endpoint/,
    ],
    [
      "an image without pull credential (an anonymous pull is a public registry)",
      { ...privateConfig(), forwarderImageRegistryId: undefined },
      "forwarderImageRegistryId:",
      /found nothing while privateNetworking is set, expected the ARM id of the Azure Container Registry forwarderImage is in/,
    ],
  ];
  it.each(cases)("refuses %s, naming the key", (_name, config, key, detail) => {
    const message = problemsOf(config);
    expect(message).toContain(`  - ${key}`);
    expect(message).toMatch(detail);
  });

  it("needs no sasExpiry in private mode, but still does in public mode", () => {
    const { config } = parseStackConfig(raw(privateConfig()), NOW);
    expect(config.sasExpiry).toBeUndefined();
    expect(config.privateNetworking).toMatchObject({
      containerAppsSubnet: { key: "privateNetworking.containerAppsSubnetId", id: ACA_SUBNET, vnetId: SPOKE_VNET, name: "snet-sekoia-aca" },
      privateEndpointSubnet: { id: PE_SUBNET, subscriptionId: SUBSCRIPTION },
      dns: "policy",
      blobDnsZoneName: "privatelink.blob.core.windows.net",
    });
    expect(problemsOf({ ...privateConfig(), privateNetworking: undefined })).toMatch(/sasExpiry: found nothing, expected an ISO-8601 instant/);
  });

  it("names the blob zone of the stack's cloud", () => {
    const { config } = parseStackConfig(
      raw({
        ...privateConfig({ dns: "stack" }),
        forwarderImage: PRIVATE_IMAGE.replace(".azurecr.io/", ".azurecr.us/"),
        "azure-native:environment": "usgovernment",
      }),
      NOW,
    );
    expect(config.privateNetworking?.blobDnsZoneName).toBe("privatelink.blob.core.usgovcloudapi.net");
  });
});

describe("a private-mode stack", () => {
  const deploy = (dns: Record<string, unknown> = {}, preview = false) =>
    runStack({ config: privateConfig(dns), preview, networkReader: networkOf(preparedVnet()) });

  it("disables public network access on every account, denies all but Azure's trusted services (flow-log accounts only), and gives each a blob private endpoint", async () => {
    const run = await deploy();
    const accounts = resourcesOf(run, T.account);
    expect(accounts.map((a) => a.name).sort()).toEqual(["checkpoints-account", "flowlogs-northeurope-account", "flowlogs-westeurope-account"]);
    for (const account of accounts) {
      // Network Watcher writes flow logs through the trusted-services exception; nothing but the forwarder uses the checkpoints.
      const bypass = account.name === "checkpoints-account" ? "None" : "AzureServices";
      expect(plain(account.inputs), account.name).toMatchObject({
        publicNetworkAccess: "Disabled",
        networkRuleSet: { defaultAction: "Deny", bypass, ipRules: [], virtualNetworkRules: [] },
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
      });
      const endpoint = oneOf(run, T.privateEndpoint, `${account.name.replace(/-account$/, "")}-blob-endpoint`);
      const name = plain(account.inputs).accountName as string;
      expect(plain(endpoint.inputs)).toMatchObject({
        privateEndpointName: `pe-${name}-blob`,
        location: "westeurope",
        subnet: { id: PE_SUBNET },
        privateLinkServiceConnections: [{ name: "blob", groupIds: ["blob"], privateLinkServiceId: expect.stringMatching(new RegExp(`/${name}$`)) }],
      });
    }
  });

  it("puts the environment inside its subnet, internal, the app without ingress, its first revision after the endpoints", async () => {
    const run = await deploy();
    expect(plain(oneOf(run, T.environment).inputs).vnetConfiguration).toEqual({ infrastructureSubnetId: ACA_SUBNET, internal: true });
    const app = oneOf(run, T.app);
    expect(plain(app.inputs).configuration).not.toHaveProperty("ingress");
    expect(app.options?.dependsOn).toEqual(expect.arrayContaining(resourcesOf(run, T.privateEndpoint).map((e) => e.name)));
    expect(resourcesOf(run, T.registry)).toEqual([]);
  });

  it("mints no SAS and outputs none", async () => {
    const run = await deploy();
    expect(callsOf(run, T.sas)).toEqual([]);
    for (const key of ["sekoiaSasTokens", "sekoiaSasUrls", "sasExpiry"]) expect(run.outputs).not.toHaveProperty(key);
    // The records Azure reports for the endpoints (faked by the mocks), for a network team that makes them by hand.
    const accounts = resourcesOf(run, T.account).map((a) => `${plain(a.inputs).accountName as string}.blob.core.windows.net`);
    expect(Object.keys(run.outputs.privateDnsRecords as object).sort()).toEqual(accounts.sort());
  });

  it('under dns "policy" makes no zone and no zone group (the platform\'s policy adds them only where none exists)', async () => {
    const run = await deploy();
    expect([...resourcesOf(run, T.zoneGroup), ...resourcesOf(run, T.privateZone), ...resourcesOf(run, T.vnetLink)]).toEqual([]);
  });

  it('under dns "stack" creates privatelink.blob.core.windows.net, links it to the environment\'s VNet, and registers every endpoint there', async () => {
    const run = await deploy({ dns: "stack" });
    expect(plain(oneOf(run, T.privateZone).inputs)).toMatchObject({ privateZoneName: "privatelink.blob.core.windows.net", location: "Global" });
    expect(plain(oneOf(run, T.vnetLink).inputs)).toMatchObject({
      virtualNetwork: { id: SPOKE_VNET },
      registrationEnabled: false,
      virtualNetworkLinkName: "link-vnet-spoke-weu",
    });
    const groups = resourcesOf(run, T.zoneGroup);
    expect(groups).toHaveLength(3);
    for (const g of groups)
      expect(plain(g.inputs).privateDnsZoneConfigs).toEqual([
        { name: "blob", privateDnsZoneId: expect.stringMatching(/\/privatelink\.blob\.core\.windows\.net$/) },
      ]);
    expect(oneOf(run, T.app).options?.dependsOn).toEqual(expect.arrayContaining([...groups.map((g) => g.name), "blob-dns-link"]));
  });

  it('under dns "stack" with privateDnsZoneId registers the endpoints in that zone and creates none', async () => {
    const run = await deploy({ dns: "stack", privateDnsZoneId: BLOB_ZONE_ID });
    expect(resourcesOf(run, T.privateZone)).toEqual([]);
    expect(resourcesOf(run, T.zoneGroup).map((g) => plain(g.inputs).privateDnsZoneConfigs)).toEqual(
      Array(3).fill([{ name: "blob", privateDnsZoneId: BLOB_ZONE_ID }]),
    );
  });

  it("makes the endpoints in their subnet's subscription, in the stack's group there", async () => {
    const other = "88888888-8888-4888-8888-888888888888";
    const vnet = SPOKE_VNET.replace(SUBSCRIPTION, other);
    const run = await runStack({
      config: { ...privateConfig({ privateEndpointSubnetId: `${vnet}/subnets/snet-sekoia-pe` }), "azure-native:subscriptionId": SUBSCRIPTION },
      networkReader: networkOf(preparedVnet(), preparedVnet(vnet)),
    });
    for (const endpoint of resourcesOf(run, T.privateEndpoint)) expect(endpoint.provider).toBe(`azure-${other}`);
    expect(plain(oneOf(run, T.group, `sekoia-flowlogs-${other}`).inputs)).toMatchObject({ location: "westeurope" });
  });

  it("stops before anything but the providers is registered when a subnet is not as the environment needs", async () => {
    const recorder: Recorder = { resources: [], calls: [] };
    const bad = preparedVnet();
    const unprepared = { ...bad, subnets: bad.subnets.map((s) => (s.name === "snet-sekoia-aca" ? { ...s, delegations: [] } : s)) };
    await expect(runStack({ config: privateConfig(), recorder, networkReader: networkOf(unprepared) })).rejects.toThrow(
      /privateNetworking\.containerAppsSubnetId: found the subnet delegated to nothing, expected a delegation to Microsoft\.App\/environments/,
    );
    expect(recorder.resources.filter((r) => r.custom !== false && r.type !== "pulumi:providers:azure-native")).toEqual([]);
  });
});

describe("the component with privateNetworking", () => {
  it("takes it as an arg of the same name, with no sasExpiry, and deploys privately", async () => {
    const run = await runComponents(
      (SekoiaFlowLogs) => {
        const flowLogs = new SekoiaFlowLogs("flowlogs", {
          location: "westeurope",
          targets: [{ id: `${SPOKE_VNET.replace("vnet-spoke-weu", "vnet-app")}`, location: "westeurope" }],
          sekoiaVnetIntakeKey: "component-key",
          forwarderImage: PRIVATE_IMAGE,
          forwarderImageRegistryId: REGISTRY_ID,
          privateNetworking: { containerAppsSubnetId: ACA_SUBNET, privateEndpointSubnetId: PE_SUBNET, dns: "stack" },
        });
        return { sas: flowLogs.sekoiaSasTokens, records: flowLogs.privateDnsRecords };
      },
      { networkReader: networkOf(preparedVnet()) },
    );
    expect(resourcesOf(run, T.privateEndpoint)).toHaveLength(2);
    expect(resourcesOf(run, T.zoneGroup)).toHaveLength(2);
    expect(run.outputs.sas).toBeUndefined();
    expect(Object.keys(run.outputs.records as object)).toHaveLength(2);
  });
});
