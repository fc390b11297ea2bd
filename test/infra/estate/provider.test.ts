// infra/provider.ts: every Azure resource and invoke goes through an explicit provider pinned to a
// subscription (the shared one is `azure`), whatever subscription the Azure CLI (the default provider) would use.
import { describe, expect, it } from "vitest";
import { isSecretValue } from "../../../infra/plan/mocks";
import { defaultConfig, ids, masked, oneOf, plain, runStack, SUBSCRIPTION } from "../harness";

const OTHER_SUBSCRIPTION = "11111111-2222-4333-8444-555555555555";

describe.each([false, true])("the azure-native provider (preview: %s)", (preview) => {
  it("manages every azure-native resource, read and invoke, pinned to the targets' subscription", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    const provider = oneOf(run, "pulumi:providers:azure-native");
    expect(provider.name).toBe("azure");
    expect(provider.inputs).toMatchObject({ subscriptionId: SUBSCRIPTION, location: "westeurope" });
    const azureResources = run.resources.filter((r) => r.type.startsWith("azure-native:") && r.custom !== false);
    expect(azureResources.length).toBeGreaterThan(10);
    expect(azureResources.filter((r) => r.provider !== "azure").map((r) => `${r.type} ${r.name}`)).toEqual([]);
    const azureCalls = run.calls.filter((c) => c.token.startsWith("azure-native:"));
    expect(azureCalls.length).toBeGreaterThan(0);
    expect(azureCalls.filter((c) => c.provider !== "azure").map((c) => c.token)).toEqual([]);
  });
});

describe("the provider's subscription", () => {
  it("is the targets' subscription when azure-native:subscriptionId is not set", async () => {
    const config = defaultConfig();
    const run = await runStack({ config: { ...config, "azure-native:subscriptionId": undefined } });
    expect(oneOf(run, "pulumi:providers:azure-native").inputs.subscriptionId).toBe(SUBSCRIPTION);
  });

  it("must be named when targets are in several subscriptions: it is where the shared resources go", async () => {
    const config = defaultConfig();
    const targets = config.targets as Array<Record<string, string>>;
    targets[1] = { id: ids.vnet("vnet-neu").replace(SUBSCRIPTION, OTHER_SUBSCRIPTION), location: "northeurope" };
    const failure = runStack({ config: { ...config, "azure-native:subscriptionId": undefined } });
    await expect(failure).rejects.toThrow(
      /azure-native:subscriptionId: found nothing while targets are in 2 subscriptions \(6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14, 11111111-2222-4333-8444-555555555555\)/,
    );
  });

  it("passes azure-native:environment on to every provider: explicit providers do not read the stack's keys", async () => {
    const config = defaultConfig();
    const targets = config.targets as Array<Record<string, string>>;
    targets[1] = { id: ids.vnet("vnet-neu").replace(SUBSCRIPTION, OTHER_SUBSCRIPTION), location: "northeurope" };
    const run = await runStack({ config: { ...config, "azure-native:subscriptionId": SUBSCRIPTION, "azure-native:environment": "usgovernment" } });
    const providers = run.resources.filter((r) => r.type === "pulumi:providers:azure-native");
    expect(providers.map((p) => [p.name, p.inputs.environment]).sort()).toEqual([
      ["azure", "usgovernment"],
      [`azure-${OTHER_SUBSCRIPTION}`, "usgovernment"],
    ]);
  });

  it("passes every azure-native:* setting of the stack on to every provider, credentials as secrets", async () => {
    const config = defaultConfig();
    const targets = config.targets as Array<Record<string, string>>;
    targets[1] = { id: ids.vnet("vnet-neu").replace(SUBSCRIPTION, OTHER_SUBSCRIPTION), location: "northeurope" };
    const tenant = "99999999-8888-4777-8666-555555555555";
    const run = await runStack({
      config: {
        ...config,
        "azure-native:subscriptionId": SUBSCRIPTION,
        "azure-native:clientId": "app-client-id",
        "azure-native:clientSecret": "app-client-secret-value",
        "azure-native:tenantId": tenant,
        "azure-native:auxiliaryTenantIds": [OTHER_SUBSCRIPTION],
        "azure-native:useOidc": "true",
        "azure-native:useMsi": "false",
        "azure-native:oidcRequestToken": "oidc-request-token-value",
        "azure-native:oidcRequestUrl": "https://token.actions.example.test/request",
        "azure-native:metadataHost": "management.example.test",
      },
    });
    for (const name of ["azure", `azure-${OTHER_SUBSCRIPTION}`]) {
      const { inputs } = oneOf(run, "pulumi:providers:azure-native", name);
      // azure-native passes booleans and lists to its plugin as JSON text.
      expect(plain(inputs), name).toMatchObject({
        clientId: "app-client-id",
        clientSecret: "app-client-secret-value",
        tenantId: tenant,
        auxiliaryTenantIds: JSON.stringify([OTHER_SUBSCRIPTION]),
        useOidc: "true",
        useMsi: "false",
        oidcRequestToken: "oidc-request-token-value",
        oidcRequestUrl: "https://token.actions.example.test/request",
        metadataHost: "management.example.test",
      });
      expect(isSecretValue(inputs.clientSecret), name).toBe(true);
      expect(isSecretValue(inputs.oidcRequestToken), name).toBe(true);
      expect(JSON.stringify(masked(inputs)), name).not.toMatch(/app-client-secret-value|oidc-request-token-value/);
    }
    expect(oneOf(run, "pulumi:providers:azure-native", `azure-${OTHER_SUBSCRIPTION}`).inputs.subscriptionId).toBe(OTHER_SUBSCRIPTION);
  });

  it("is azure-native:subscriptionId when set, even if no target is in it (a central subscription)", async () => {
    const run = await runStack({ config: { ...defaultConfig(), "azure-native:subscriptionId": OTHER_SUBSCRIPTION } });
    expect(oneOf(run, "pulumi:providers:azure-native", "azure").inputs.subscriptionId).toBe(OTHER_SUBSCRIPTION);
    expect(oneOf(run, "pulumi:providers:azure-native", `azure-${SUBSCRIPTION}`).inputs.subscriptionId).toBe(SUBSCRIPTION);
  });
});
