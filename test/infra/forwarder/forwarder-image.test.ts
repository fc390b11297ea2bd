// infra/forwarder-image.ts: a configured image is used as is (no registry, no build); otherwise the
// image is built from forwarder/Dockerfile, pushed to a registry the stack owns, tagged by content.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acrRefreshToken } from "../../../infra/forwarder/registry-login";
import { forwarderSourceHash, IMAGE_SOURCES, imageTag, REPO_ROOT } from "../../../infra/forwarder/forwarder-image";
import { defaultConfig, masked, oneOf, plain, resourcesOf, runStack, SUBSCRIPTION, T } from "../harness";

const PREBUILT = `myregistry.azurecr.io/forwarder@sha256:${"a".repeat(64)}`;

describe.each([false, true])("forwarder image (preview: %s)", (preview) => {
  it("forwarderImage set: runs it, builds nothing, creates no registry and no AcrPull", async () => {
    const run = await runStack({ config: defaultConfig(), preview });
    expect(resourcesOf(run, T.image)).toEqual([]);
    expect(resourcesOf(run, T.registry)).toEqual([]);
    expect(resourcesOf(run, T.role).map((r) => r.name)).not.toContain("forwarder-pull-image");
    const app = oneOf(run, T.app);
    expect((app.inputs.template as any).containers[0].image).toBe(PREBUILT);
    expect(run.outputs.forwarderImage).toBe(PREBUILT);
  });

  it("forwarderImage empty: builds forwarder/Dockerfile, pushes to an owned registry, runs the digest", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderImage: "" }, preview });
    const registry = oneOf(run, T.registry);
    expect(registry.inputs).toMatchObject({ sku: { name: "Basic" }, anonymousPullEnabled: false, location: "westeurope" });
    const image = oneOf(run, T.image);
    const loginServer = `${registry.inputs.registryName as string}.azurecr.io`;
    expect(image.inputs).toMatchObject({
      push: true,
      buildOnPreview: false,
      platforms: ["linux/amd64"],
      context: { location: REPO_ROOT },
      dockerfile: { location: path.join(REPO_ROOT, "forwarder", "Dockerfile") },
      tags: [`${loginServer}/sekoia-flowlogs-forwarder:${imageTag(forwarderSourceHash())}`],
    });
    // Push credentials travel as secrets only.
    expect(JSON.stringify(image.inputs.registries)).toContain("4dabf18193072939515e22adb298388d");
    const app = oneOf(run, T.app);
    const config = app.inputs.configuration as any;
    const registries = "value" in config ? config.value.registries : config.registries;
    expect(registries).toEqual([{ server: loginServer, identity: expect.stringContaining("forwarder-identity") }]);
    expect((app.inputs.template as any).containers[0].image).toMatch(
      new RegExp(`^${loginServer}/sekoia-flowlogs-forwarder:src-[0-9a-f]{16}@sha256:[0-9a-f]{64}$`),
    );
    const pull = oneOf(run, T.role, "forwarder-pull-image");
    expect(pull.inputs.roleDefinitionId).toMatch(/\/roleDefinitions\/7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
    expect(pull.inputs.scope).toMatch(new RegExp(`/${registry.inputs.registryName as string}$`));
  });

  it("pushes to its own registry without an admin user: the deployer's Entra ID token, exchanged, as a secret", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderImage: "" }, preview });
    expect(oneOf(run, T.registry).inputs.adminUserEnabled).toBe(false);
    expect(run.calls.map((c) => c.token)).not.toContain("azure-native:containerregistry:listRegistryCredentials");
    // A token of the registry's own audience: registries with ARM-audience tokens disabled (built-in policy) refuse ARM's.
    expect(run.calls.filter((c) => c.token === "azure-native:authorization:getClientToken").map((c) => c.inputs)).toEqual([
      { endpoint: "https://containerregistry.azure.net" },
    ]);
    expect(oneOf(run, T.registry).inputs.policies).toEqual({ azureADAuthenticationAsArmPolicy: { status: "disabled" } });
    const registries = plain(oneOf(run, T.image).inputs.registries) as Array<{ address: string; username: string; password: string }>;
    const loginServer = `${oneOf(run, T.registry).inputs.registryName as string}.azurecr.io`;
    expect(registries).toEqual([
      { address: loginServer, username: "00000000-0000-0000-0000-000000000000", password: `FAKE-ACR-REFRESH-TOKEN-${loginServer}-FAKE-DEPLOYER-ACCESS-TOKEN` },
    ]);
    expect(JSON.stringify(masked(oneOf(run, T.image).inputs.registries))).not.toContain("FAKE-ACR-REFRESH-TOKEN");
  });
});

const PRIVATE_ACR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/registries/myregistry`;

describe.each([false, true])("forwarderImage from a private registry (preview: %s)", (preview) => {
  it("an ACR by id: pulled with the app's identity, which gets AcrPull on that registry", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderImageRegistryId: PRIVATE_ACR }, preview });
    const config = plain(oneOf(run, T.app).inputs.configuration) as any;
    expect(config.registries).toEqual([{ server: "myregistry.azurecr.io", identity: expect.stringContaining("forwarder-identity") }]);
    const pull = plain(oneOf(run, T.role, "forwarder-pull-image").inputs) as any;
    expect(pull.scope).toBe(PRIVATE_ACR);
    expect(pull.roleDefinitionId).toMatch(/7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
  });

  it("any registry with a username and a password: the password only as a Container App secret", async () => {
    const run = await runStack({
      config: { ...defaultConfig(), forwarderImageRegistryUsername: "puller", forwarderImageRegistryPassword: "registry-pass-123" },
      preview,
    });
    const config = plain(oneOf(run, T.app).inputs.configuration) as any;
    expect(config.registries).toEqual([{ server: "myregistry.azurecr.io", username: "puller", passwordSecretRef: "registry-password" }]);
    expect(config.secrets).toContainEqual({ name: "registry-password", value: "registry-pass-123" });
    expect(JSON.stringify(masked(oneOf(run, T.app).inputs))).not.toContain("registry-pass-123");
    expect(resourcesOf(run, T.role).map((r) => r.name)).not.toContain("forwarder-pull-image");
  });
});

describe("private registry configuration", () => {
  it.each([
    [{ forwarderImageRegistryId: "myregistry" }, /forwarderImageRegistryId: found "myregistry", expected \/subscriptions/],
    [
      { forwarderImageRegistryId: PRIVATE_ACR.replace("myregistry", "otherregistry") },
      /forwarderImageRegistryId: found the registry otherregistry, whose login server in the public cloud \(azure-native:environment\) is otherregistry\.azurecr\.io, expected the one forwarderImage is in \(myregistry\.azurecr\.io\)/,
    ],
    [{ forwarderImageRegistryUsername: "puller" }, /forwarderImageRegistryPassword: found nothing, expected both/],
    [
      { forwarderImageRegistryId: PRIVATE_ACR, forwarderImageRegistryUsername: "puller" },
      /forwarderImageRegistryUsername: found it with forwarderImageRegistryId/,
    ],
    [{ forwarderImage: "", forwarderImageRegistryId: PRIVATE_ACR }, /expected it only with forwarderImage/],
    [
      { forwarderImage: `myregistry.azurecr.us/forwarder@sha256:${"a".repeat(64)}`, forwarderImageRegistryId: PRIVATE_ACR },
      /whose login server in the public cloud \(azure-native:environment\) is myregistry\.azurecr\.io, expected the one forwarderImage is in \(myregistry\.azurecr\.us\)/,
    ],
  ])("refuses %j", async (overrides, message) => {
    await expect(runStack({ config: { ...defaultConfig(), ...overrides } })).rejects.toThrow(message);
  });

  it.each([
    ["usgovernment", "azurecr.us"],
    ["china", "azurecr.cn"],
  ])("accepts the registry suffix of the %s cloud (.%s), pulled with the app's identity", async (environment, suffix) => {
    const run = await runStack({
      config: {
        ...defaultConfig(),
        "azure-native:location": environment === "china" ? "chinanorth3" : "usgovvirginia",
        targets: [
          {
            id: "/subscriptions/6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            location: environment === "china" ? "chinanorth3" : "usgovvirginia",
          },
        ],
        "azure-native:environment": environment,
        forwarderImage: `myregistry.${suffix}/forwarder@sha256:${"a".repeat(64)}`,
        forwarderImageRegistryId: PRIVATE_ACR,
      },
    });
    const config = plain(oneOf(run, T.app).inputs.configuration) as any;
    expect(config.registries).toEqual([{ server: `myregistry.${suffix}`, identity: expect.stringContaining("forwarder-identity") }]);
  });
});

describe("the registry token exchange", () => {
  let server: Server;
  let seen: URLSearchParams | undefined;
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        // ACR's contract: a form POST to /oauth2/exchange naming the service, tenant and Entra token.
        if (req.method !== "POST" || req.url !== "/oauth2/exchange" || req.headers["content-type"] !== "application/x-www-form-urlencoded") {
          res.writeHead(400).end();
          return;
        }
        seen = new URLSearchParams(body);
        const ok = status === 200 && seen.get("grant_type") === "access_token" && seen.get("access_token") && seen.get("service") && seen.get("tenant");
        if (!ok) res.writeHead(status === 200 ? 400 : status).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ refresh_token: `acr-${seen.get("access_token")}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  it("returns the ACR refresh token for the deployer's Entra ID token", async () => {
    status = 200;
    await expect(acrRefreshToken("reg.azurecr.io", "entra-token", "tenant-1", base())).resolves.toBe("acr-entra-token");
    expect(Object.fromEntries(seen!)).toEqual({ grant_type: "access_token", service: "reg.azurecr.io", tenant: "tenant-1", access_token: "entra-token" });
  });

  it("fails naming the registry and the status, never the token", async () => {
    status = 401;
    const failure = acrRefreshToken("reg.azurecr.io", "entra-token-secret", "tenant-1", base());
    await expect(failure).rejects.toThrow(/Logging in to reg\.azurecr\.io with your Azure identity failed \(HTTP 401\)/);
    await expect(failure).rejects.not.toThrow(/entra-token-secret/);
  });
});

describe("forwarderSourceHash", () => {
  const root = mkdtempSync(path.join(tmpdir(), "forwarder-hash-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, "forwarder", "dist"), { recursive: true });
  writeFileSync(path.join(root, "forwarder", "main.ts"), "export {};\n");
  writeFileSync(path.join(root, "package.json"), "{}\n");

  it("changes when forwarder code changes, so a code change rolls a new image and revision", () => {
    const before = forwarderSourceHash(root);
    expect(forwarderSourceHash(root)).toBe(before);
    writeFileSync(path.join(root, "forwarder", "main.ts"), "export const changed = true;\n");
    expect(forwarderSourceHash(root)).not.toBe(before);
  });

  it("ignores build output", () => {
    const before = forwarderSourceHash(root);
    writeFileSync(path.join(root, "forwarder", "dist", "bundle.js"), "rebuilt\n");
    expect(forwarderSourceHash(root)).toBe(before);
  });

  it("makes a short, valid tag", () => {
    expect(imageTag("0123456789abcdef0123")).toBe("src-0123456789abcdef");
  });
});

describe("the image build context (forwarder/Dockerfile.dockerignore)", () => {
  const read = (file: string) => readFileSync(path.join(REPO_ROOT, "forwarder", file), "utf8");
  const rules = read("Dockerfile.dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const copied = [...read("Dockerfile").matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));

  it("leaves out everything first, so README.md and Pulumi.<stack>.yaml never reach the context", () => {
    expect(rules[0]).toBe("*");
  });

  it("lets back in exactly what the Dockerfile copies, and the image's sources hash covers the same", () => {
    expect(copied.length).toBeGreaterThan(0);
    const allowed = rules.filter((r) => r.startsWith("!")).map((r) => r.slice(1));
    expect(allowed.sort()).toEqual([...new Set(copied)].sort());
    expect([...IMAGE_SOURCES].sort()).toEqual(allowed.sort());
  });

  it("keeps build output out of what it lets in", () => {
    expect(rules).toContain("forwarder/dist");
  });
});
