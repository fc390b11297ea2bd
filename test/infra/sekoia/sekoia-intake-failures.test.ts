// How a Sekoia API failure surfaces in `pulumi up` and `pulumi destroy` at real runtime: Pulumi stores
// sekoiaIntakeProvider as serialized code and runs it in its dynamic-provider host, where a class that
// extends Error loses its message and is no Error (pulumi/pulumi#10974, #15485). This serializes the
// provider as Pulumi does, drives each failure path in a fresh process against the loopback Sekoia
// API (no answer, 401, 429, 5xx) and checks what the host would report: a real Error whose message
// says what to do.
import * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sekoiaIntakeProvider } from "../../../infra/sekoia/sekoia-intake";
import { API_KEY, ENTITY, SekoiaApiServer, VNET_FORMAT, type SekoiaFault } from "../../helpers/sekoia-api";

const run = promisify(execFile);

/** Runs one provider operation; prints how its error looks to the host (or that there was none). */
const DRIVER = `
const provider = require(process.argv[1]).handler();
const [operation, inputs, id] = JSON.parse(process.argv[2]);
(async () => {
  if (operation === "create") await provider.create(inputs);
  else if (operation === "delete") await provider.delete(id, { ...inputs, uuid: id, intakeKey: "k".repeat(32) });
  else await provider.read(id, { ...inputs, uuid: id, intakeKey: "k".repeat(32) });
  process.stdout.write(JSON.stringify({ failed: false }));
})().catch((error) => {
  process.stdout.write(JSON.stringify({ failed: true, isError: error instanceof Error, message: String(error && error.message), shown: String(error) }));
});
`;

let file: string;
let dir: string;
beforeAll(async () => {
  const serialized = await pulumi.runtime.serializeFunction(() => sekoiaIntakeProvider);
  dir = mkdtempSync(path.join(tmpdir(), "sekoia-provider-failures-"));
  file = path.join(dir, "provider.js");
  writeFileSync(file, serialized.text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  readonly failed: boolean;
  readonly isError?: boolean;
  readonly message?: string;
  readonly shown?: string;
}

async function drive(apiUrl: string, operation: "create" | "delete" | "read", id = "5b0f8e2c-1d3a-4c5b-9e6f-7a8b9c0d1e2f"): Promise<Outcome> {
  const inputs = { apiUrl, apiKey: API_KEY, name: "failing", formatUuid: VNET_FORMAT, entityUuid: ENTITY };
  const { stdout } = await run(process.execPath, ["-e", DRIVER, file, JSON.stringify([operation, inputs, id])], {
    timeout: 90_000,
    env: { PATH: process.env.PATH ?? "" },
  });
  return JSON.parse(stdout) as Outcome;
}

async function withApi(fault: (n: number) => SekoiaFault | undefined, body: (url: string) => Promise<void>): Promise<void> {
  const api = await SekoiaApiServer.start({ fault });
  try {
    await body(api.url);
  } finally {
    await api.stop();
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("sekoiaIntakeProvider failures, serialized as Pulumi runs it", () => {
  it("no answer: an Error naming the API base and what to check", async () => {
    const outcome = await drive(`http://127.0.0.1:${await closedPort()}`, "create");
    expect(outcome).toMatchObject({ failed: true, isError: true });
    expect(outcome.message).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+ after 5 attempts .*check sekoiaApiUrl and the network/);
  });

  it("401 on create: an Error that says to set a valid API key", async () => {
    await withApi(
      () => ({ status: 401, body: { message: "invalid token" } }),
      async (url) => {
        const outcome = await drive(url, "create");
        expect(outcome).toMatchObject({ failed: true, isError: true });
        expect(outcome.message).toContain("Sekoia answered 401 to creating intake");
        expect(outcome.message).toContain("pulumi config set --secret sekoiaApiKey");
      },
    );
  });

  it("401 on destroy or refresh: an Error that says to run `pulumi up` first (they use the key in state)", async () => {
    await withApi(
      () => ({ status: 401, body: { message: "invalid token" } }),
      async (url) => {
        for (const operation of ["delete", "read"] as const) {
          const outcome = await drive(url, operation);
          expect(outcome).toMatchObject({ failed: true, isError: true });
          expect(outcome.message, operation).toMatch(/uses the API key recorded in the stack's state at the last `pulumi up`/);
          expect(outcome.message, operation).toContain("run `pulumi up` (it records the new key), then run this again");
        }
      },
    );
  });

  it("429 until the retries run out: an Error that says to run the operation again later", async () => {
    await withApi(
      () => ({ status: 429, retryAfter: "0", body: { message: "slow down" } }),
      async (url) => {
        const outcome = await drive(url, "create");
        expect(outcome).toMatchObject({ failed: true, isError: true });
        expect(outcome.message).toContain("still failing after 5 attempts (429: slow down)");
        expect(outcome.message).toContain("run the operation again later");
      },
    );
  });

  it("5xx until the retries run out: an Error, not an empty object", async () => {
    await withApi(
      () => ({ status: 503, body: { message: "maintenance" } }),
      async (url) => {
        const outcome = await drive(url, "delete");
        expect(outcome).toMatchObject({ failed: true, isError: true });
        expect(outcome.message).toContain("still failing after 5 attempts (503: maintenance)");
        expect(outcome.shown).not.toBe("[object Object]");
      },
    );
  });
});
