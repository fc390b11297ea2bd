// test/azure/decisions.ts: the acceptance tier's decisions, checked without Azure.
import { describe, expect, it } from "vitest";
import { acceptanceMode, assertNoChange, changesOf, missingSettings, silentAccounts, tuplesSent, waitFor } from "./decisions";

const complete = {
  ACCEPTANCE_SUBSCRIPTION_ID: "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14",
  PULUMI_ACCESS_TOKEN: "pul-xyz",
  SEKOIA_VNET_INTAKE_KEY: "key",
};

describe("credential checks", () => {
  it("pass with everything set", () => {
    expect(missingSettings(complete)).toEqual([]);
  });

  it("name each missing setting and what to set", () => {
    expect(missingSettings({})).toEqual([
      expect.stringMatching(/^ACCEPTANCE_SUBSCRIPTION_ID: set ACCEPTANCE_SUBSCRIPTION_ID/),
      expect.stringMatching(/^Pulumi backend: set PULUMI_ACCESS_TOKEN .* or PULUMI_BACKEND_URL/),
      expect.stringMatching(/^Sekoia intake keys: set SEKOIA_VNET_INTAKE_KEY/),
    ]);
    expect(missingSettings({ ...complete, ACCEPTANCE_SUBSCRIPTION_ID: "my-sub" })).toEqual([expect.stringMatching(/^ACCEPTANCE_SUBSCRIPTION_ID/)]);
  });

  it("ask for the passphrase with a self-managed backend only", () => {
    const selfManaged = { ...complete, PULUMI_ACCESS_TOKEN: undefined, PULUMI_BACKEND_URL: "file:///tmp/state" };
    expect(missingSettings(selfManaged)).toEqual([expect.stringMatching(/^Pulumi passphrase: set PULUMI_CONFIG_PASSPHRASE/)]);
    expect(missingSettings({ ...selfManaged, PULUMI_CONFIG_PASSPHRASE: "" })).toEqual([]);
  });
});

describe("the mode", () => {
  it("is public unless ACCEPTANCE_MODE says private or events", () => {
    expect(acceptanceMode({})).toBe("public");
    expect(acceptanceMode({ ACCEPTANCE_MODE: "" })).toBe("public");
    expect(acceptanceMode({ ACCEPTANCE_MODE: "private" })).toBe("private");
    expect(acceptanceMode({ ACCEPTANCE_MODE: " events " })).toBe("events");
  });

  it("events needs no setting beyond the public run's", () => {
    expect(missingSettings({ ...complete, ACCEPTANCE_MODE: "events" })).toEqual([]);
  });

  it("refuses an unknown mode by name, listing the three", () => {
    expect(missingSettings({ ...complete, ACCEPTANCE_MODE: "corp" })).toEqual(['ACCEPTANCE_MODE: found "corp", expected public (default), private or events']);
  });
});

describe("change detection", () => {
  it("counts every operation but same", () => {
    expect(changesOf({ same: 40, update: 1, replace: 0, create: 2 })).toEqual({ update: 1, create: 2 });
    expect(changesOf({ same: 45 })).toEqual({});
  });

  it("accepts a no-op second up and fails on any change, listing it", () => {
    expect(() => assertNoChange("second up", { same: 45 })).not.toThrow();
    expect(() => assertNoChange("second up", { same: 44, update: 1 })).toThrow(/^second up changed 1 update: every later up must be a no-op/);
    expect(() => assertNoChange("second up", { same: 43, replace: 1, delete: 1 })).toThrow(/changed 1 replace, 1 delete/);
  });

  it("refuses to call a missing summary a no-op", () => {
    expect(() => assertNoChange("second up", undefined)).toThrow(/no resource changes summary/);
  });
});

describe("the wait loop", () => {
  function fakeClock() {
    let t = 0;
    const lines: string[] = [];
    return { lines, options: { now: () => t, sleep: async (ms: number) => void (t += ms), log: (l: string) => lines.push(l) } };
  }

  it("returns the first value, saying what it waited for and how long", async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await waitFor("tuples acknowledged", async () => (++calls >= 3 ? 42 : undefined), {
      timeoutMs: 600_000,
      intervalMs: 30_000,
      ...clock.options,
    });
    expect(value).toBe(42);
    expect(clock.lines).toEqual(["waiting for tuples acknowledged (at most 600 s)", "tuples acknowledged: after 60 s (3 checks)"]);
  });

  it("retries a throwing check and names its last error on timeout", async () => {
    const clock = fakeClock();
    const failing = waitFor("the watcher", async () => Promise.reject(new Error("404 NotFound")), { timeoutMs: 90_000, intervalMs: 30_000, ...clock.options });
    await expect(failing).rejects.toThrow("Timed out after 90 s waiting for the watcher; last error: 404 NotFound");
    expect(clock.lines.at(-1)).toBe("the watcher: gave up after 90 s");
  });
});

describe("reading the alerts' evidence in the workspace", () => {
  it("calls the stopped rule clear only when its query returns no row, else names the account and the silent roots", () => {
    expect(silentAccounts([])).toBeUndefined();
    expect(silentAccounts([{ AccountName: "flwesteuropeab12cd34", flowLogs: "2", writing: "1", silentRoots: '["flowLogResourceID=/S_RG/NW_FL"]' }])).toBe(
      'flwesteuropeab12cd34: 1 of 2 flow log(s) writing (silent: ["flowLogResourceID=/S_RG/NW_FL"])',
    );
    expect(silentAccounts([{ AccountName: "a", flowLogs: "1", writing: "0", silentRoots: "" }])).toBe("a: 0 of 1 flow log(s) writing");
  });

  it("adds up tuplesSent over the forwarder's poll lines, whatever type az prints them as", () => {
    expect(tuplesSent([{ tuplesSent: "120" }, { tuplesSent: 5 }, { tuplesSent: null }])).toBe(125);
    expect(tuplesSent([])).toBe(0);
  });
});
