// Upgrading a stack must not replace what it already deployed: Pulumi keys state by URN, so the dev
// stack's URNs (captured before the estate work, in __fixtures__/dev-urns.txt) must stay exactly the same.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../../infra/forwarder/forwarder-image";
import { loadStackConfig } from "../../infra/plan/stack-file";

describe("the dev stack's URNs", () => {
  it("are those it registered before, one for one", async () => {
    vi.resetModules();
    const { runProgram } = await import("../../infra/plan/plan-render.js");
    const run = await runProgram({ ...loadStackConfig("dev", REPO_ROOT), stack: "dev", preview: true, now: new Date("2026-06-01T00:00:00Z") });
    const expected = readFileSync(path.join(__dirname, "__fixtures__/dev-urns.txt"), "utf8").trim().split("\n");
    expect(run.urns).toEqual(expected);
  });
});
