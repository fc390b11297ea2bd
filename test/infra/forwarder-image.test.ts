// infra/forwarder-image.ts: a configured image is used as is (no registry, no build); otherwise the
// image is built from forwarder/Dockerfile, pushed to a registry the stack owns, tagged by content.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { forwarderSourceHash, IMAGE_SOURCES, imageTag, REPO_ROOT } from "../../infra/forwarder-image";
import { defaultConfig, oneOf, resourcesOf, runStack, T } from "./harness";

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
    expect((app.inputs.template as any).containers[0].image).toMatch(new RegExp(`^${loginServer}/sekoia-flowlogs-forwarder:src-[0-9a-f]{16}@sha256:[0-9a-f]{64}$`));
    const pull = oneOf(run, T.role, "forwarder-pull-image");
    expect(pull.inputs.roleDefinitionId).toMatch(/\/roleDefinitions\/7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
    expect(pull.inputs.scope).toMatch(new RegExp(`/${registry.inputs.registryName as string}$`));
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
  const rules = read("Dockerfile.dockerignore").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
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

