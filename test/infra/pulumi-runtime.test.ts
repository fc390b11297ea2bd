// `pulumi up` runs infra/index.ts through Pulumi's own TypeScript loader (ts-node, type-checking), not
// through tsx or vitest: this loads the program exactly that way, so a program that type-checks here
// but not there (module settings, ts-node's age) fails in a pull request, not at deploy time.

import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the Pulumi program under Pulumi's TypeScript runtime", () => {
  it("compiles, type-checks and registers the dev stack's resources", async () => {
    const script = path.resolve(__dirname, "../fixtures/pulumi-typescript-runtime.cjs");
    const { stdout } = await run(process.execPath, [script], { timeout: 90_000, env: { PATH: process.env.PATH ?? "" } });
    const { resources } = JSON.parse(stdout.trim().split("\n").at(-1)!) as { resources: number };
    // 52 (as in the dev plan): the SekoiaFlowLogs component, the SekoiaIntakes component and its two intakes (the dynamic
    // providers serialize here too, as do the shared-subscription guard and the role wait), the explicit
    // azure-native provider, the forwarder-logs diagnostic setting and the flow-logs-stopped alert.
    expect(resources).toBe(52);
  });
});
