// infra/forwarder/role-propagation.ts: the Container App's first revision waits for the identity's
// role assignments to propagate (AcrPull before the first image pull), and waits again when the set
// of grants changes; the wait is a dynamic resource, run here as Pulumi runs it (serialized, in a
// fresh process).
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROLE_PROPAGATION_SECONDS, rolePropagationWaitProvider } from "../../../infra/forwarder/role-propagation";
import { defaultConfig, oneOf, resourcesOf, runStack, T } from "../harness";

const WAIT = "pulumi-nodejs:dynamic/sekoia:RolePropagationWait";

describe.each([false, true])("the forwarder's first revision (preview: %s)", (preview) => {
  it("starts after every grant of its identity, and after the wait for them to propagate", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderImage: "" }, preview });
    const grants = resourcesOf(run, T.role).map((r) => r.name);
    expect(grants).toContain("forwarder-pull-image");
    const wait = oneOf(run, WAIT, "forwarder-roles-settled");
    expect(wait.inputs).toMatchObject({ seconds: ROLE_PROPAGATION_SECONDS });
    expect((wait.inputs.grants as string[]).length).toBe(grants.length);
    expect(wait.options?.dependsOn).toEqual(expect.arrayContaining(grants));
    expect(oneOf(run, T.app).options?.dependsOn).toEqual(expect.arrayContaining([...grants, "forwarder-roles-settled"]));
  });
});

describe("the wait, serialized as Pulumi runs it", () => {
  it("sleeps on create, again when the grants change, and not when they do not", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => rolePropagationWaitProvider);
    const dir = mkdtempSync(path.join(tmpdir(), "role-wait-"));
    try {
      const file = path.join(dir, "provider.js");
      writeFileSync(file, serialized.text);
      const driver = `
        const provider = require(process.argv[1]).handler();
        const timed = async (f) => { const t = Date.now(); const r = await f(); return [Date.now() - t, r]; };
        (async () => {
          const a = { grants: ["/g/1", "/g/2"], seconds: 0.3 };
          const [created] = await timed(() => provider.create(a));
          const same = await provider.diff("role-propagation", a, { ...a, grants: ["/g/2", "/g/1"] });
          const grown = await provider.diff("role-propagation", a, { ...a, grants: ["/g/1", "/g/2", "/g/3"] });
          const [updated] = await timed(() => provider.update("role-propagation", a, { ...a, grants: ["/g/1", "/g/3"] }));
          const [kept] = await timed(() => provider.update("role-propagation", a, { ...a, seconds: 0.3 }));
          process.stdout.write(JSON.stringify({ created, same, grown, updated, kept }));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", driver, file], { timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
      const r = JSON.parse(stdout) as { created: number; same: { changes: boolean }; grown: { changes: boolean }; updated: number; kept: number };
      expect(r.created).toBeGreaterThanOrEqual(290);
      expect(r.same.changes).toBe(false);
      expect(r.grown.changes).toBe(true);
      expect(r.updated).toBeGreaterThanOrEqual(290);
      expect(r.kept).toBeLessThan(290);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
