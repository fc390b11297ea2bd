// Pulumi stores sekoiaIntakeProvider as serialized code and runs it in its dynamic-provider host, a
// process that loaded none of this repository. This serializes the provider the way
// pulumi.dynamic.Resource does, then drives the serialized text in a fresh Node process (loaded as
// the host does, as a CommonJS module exporting `handler`) against the loopback Sekoia API.
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { sekoiaIntakeProvider } from "../../../infra/sekoia/sekoia-intake";
import { API_KEY, ENTITY, SekoiaApiServer, VNET_FORMAT } from "../../helpers/sekoia-api";

const run = promisify(execFile);

/** Creates, reads, renames and deletes an intake with the provider the file exports; prints each result. */
const DRIVER = `
const provider = require(process.argv[1]).handler();
const inputs = JSON.parse(process.argv[2]);
(async () => {
  const created = await provider.create(inputs);
  const read = await provider.read(created.id, created.outs);
  const renamed = { ...inputs, name: inputs.name + "-renamed" };
  const diff = await provider.diff(created.id, created.outs, renamed);
  const updated = await provider.update(created.id, created.outs, renamed);
  await provider.delete(created.id, updated.outs);
  process.stdout.write(JSON.stringify({ created, read, diff, updated }));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("sekoiaIntakeProvider, serialized as Pulumi stores it", () => {
  it("captures no secret and runs create, read, diff, update and delete in a fresh process", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => sekoiaIntakeProvider);
    expect(serialized.containsSecrets).toBe(false);
    expect(serialized.text).not.toContain(API_KEY);

    const dir = mkdtempSync(path.join(tmpdir(), "sekoia-provider-"));
    const api = await SekoiaApiServer.start({ basePath: "/api" });
    cleanup = async () => {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    const file = path.join(dir, "provider.js");
    writeFileSync(file, serialized.text);
    const inputs = { apiUrl: api.url, apiKey: API_KEY, name: "serialized", formatUuid: VNET_FORMAT, entityUuid: ENTITY };

    const { stdout } = await run(process.execPath, ["-e", DRIVER, file, JSON.stringify(inputs)], { timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
    const result = JSON.parse(stdout) as Record<string, any>;
    const uuid = result.created.id as string;
    expect(result.created.outs).toMatchObject({ uuid, name: "serialized", formatUuid: VNET_FORMAT, intakeKey: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(result.read).toEqual({ id: uuid, props: result.created.outs });
    expect(result.diff).toEqual({ changes: true, replaces: [] });
    expect(result.updated.outs).toEqual({ ...result.created.outs, name: "serialized-renamed" });
    expect(api.intakes.size).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 201", "PATCH 200", "GET 200", "GET 200", "PATCH 200", "GET 200", "DELETE 204"]);
  });
});
