// loadConfig: a valid environment gives the documented defaults; every missing or malformed variable
// stops the start with a ConfigError that names that variable and a valid value (several of them in
// one error), and no error ever repeats an intake key or a SAS signature.

import { describe, expect, it } from "vitest";
import { configSecrets, FORWARDER_VARIABLES, loadConfig } from "../../forwarder/config";
import { ConfigError } from "../../forwarder/errors";

const NSG_KEY = "nsg-key-7f3c9a1e-55d2-4c8b-9e0f-secret";
const VNET_KEY = "vnet-key-2b8d4e6f-11a3-4f5c-8d7e-secret";
const SIG_SOURCE = "U0lHTkFUVVJFLXNvdXJjZS0xMjM0NTY3ODk%3D";
const SIG_CHECKPOINT = "U0lHTkFUVVJFLWNoZWNrcG9pbnQtOTg3NjU%3D";
const sas = (sig: string, sp = "rl") => `sv=2022-11-02&sr=c&sp=${sp}&se=2030-01-01T00%3A00%3A00Z&sig=${sig}`;
const NSG_URL = `https://flowacct.blob.core.windows.net/insights-logs-networksecuritygroupflowevent?${sas(SIG_SOURCE)}`;
const VNET_URL = `https://flowacct.blob.core.windows.net/insights-logs-flowlogflowevent?${sas(SIG_SOURCE)}`;
const CHECKPOINT = `https://fwdacct.blob.core.windows.net/checkpoints?${sas(SIG_CHECKPOINT, "racwdl")}`;

const VALID = {
  FLOWLOG_SOURCES: `${NSG_URL},${VNET_URL}`,
  CHECKPOINT_URL: CHECKPOINT,
  SEKOIA_NSG_INTAKE_KEY: NSG_KEY,
  SEKOIA_VNET_INTAKE_KEY: VNET_KEY,
};

/** Every secret-looking value in an environment, raw and decoded. */
const SECRETS = [NSG_KEY, VNET_KEY, SIG_SOURCE, SIG_CHECKPOINT, decodeURIComponent(SIG_SOURCE), decodeURIComponent(SIG_CHECKPOINT)];

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("loadConfig accepted the environment");
}

function expectNoSecret(message: string): void {
  for (const secret of SECRETS) expect(message).not.toContain(secret);
}

describe("loadConfig", () => {
  it("reads a valid environment with the documented defaults", () => {
    const config = loadConfig(VALID);
    expect(config.sources.map((s) => [s.kind, s.account, s.container, s.url])).toEqual([
      ["nsg", "flowacct", "insights-logs-networksecuritygroupflowevent", "https://flowacct.blob.core.windows.net/insights-logs-networksecuritygroupflowevent"],
      ["vnet", "flowacct", "insights-logs-flowlogflowevent", "https://flowacct.blob.core.windows.net/insights-logs-flowlogflowevent"],
    ]);
    expect(config.checkpoint.container).toBe("checkpoints");
    expect(config.intakeKeys).toEqual({ nsg: NSG_KEY, vnet: VNET_KEY });
    expect(config).toMatchObject({
      intakeUrl: "https://intake.sekoia.io",
      pollIntervalSeconds: 30,
      healthPort: 8080,
      requestTimeoutSeconds: 30,
      logLevel: "info",
    });
    expect(config.startTime).toBeUndefined();
  });

  it("keeps the path of a regional intake base, without a trailing slash", () => {
    expect(loadConfig({ ...VALID, SEKOIA_INTAKE_URL: "https://intake.fra2.sekoia.io/api/v1/intake-http/" }).intakeUrl).toBe(
      "https://intake.fra2.sekoia.io/api/v1/intake-http",
    );
  });

  it("accepts a loopback http intake and a path-style Azurite source", () => {
    const config = loadConfig({
      ...VALID,
      FLOWLOG_SOURCES: `http://127.0.0.1:10000/devstoreaccount1/insights-logs-flowlogflowevent?${sas(SIG_SOURCE)}`,
      SEKOIA_NSG_INTAKE_KEY: undefined,
      SEKOIA_INTAKE_URL: "http://127.0.0.1:8181/api/v1/intake-http",
    });
    expect(config.sources.map((s) => s.kind)).toEqual(["vnet"]);
    expect(config.intakeKeys).toEqual({ vnet: VNET_KEY });
  });

  it("reads the optional numbers, start time and log level", () => {
    const config = loadConfig({
      ...VALID,
      POLL_INTERVAL_SECONDS: "5",
      HEALTH_PORT: "9090",
      SEKOIA_REQUEST_TIMEOUT_SECONDS: "12",
      FORWARDER_START_TIME: "2026-04-01T06:30:00Z",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({ pollIntervalSeconds: 5, healthPort: 9090, requestTimeoutSeconds: 12, logLevel: "debug" });
    expect(config.startTime?.toISOString()).toBe("2026-04-01T06:30:00.000Z");
  });

  it("labels each source with the subscription FLOWLOG_ACCOUNT_SUBSCRIPTIONS names for its account", () => {
    const other = "https://spokeacct.blob.core.windows.net/insights-logs-flowlogflowevent";
    const config = loadConfig({
      ...VALID,
      FLOWLOG_SOURCES: `${NSG_URL},${other}`,
      FLOWLOG_ACCOUNT_SUBSCRIPTIONS: " flowacct=6D3B1F2A-8C4E-4B7A-9F21-3E5C7A9D0B14 , spokeacct=11111111-1111-4111-8111-111111111111",
    });
    expect(config.sources.map((s) => [s.account, s.subscriptionId])).toEqual([
      ["flowacct", "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14"],
      ["spokeacct", "11111111-1111-4111-8111-111111111111"],
    ]);
    expect(loadConfig(VALID).sources.every((s) => s.subscriptionId === undefined)).toBe(true);
  });

  it("demands only the intake keys of the kinds of flow log it reads", () => {
    expect(() => loadConfig({ ...VALID, FLOWLOG_SOURCES: NSG_URL, SEKOIA_VNET_INTAKE_KEY: undefined })).not.toThrow();
  });

  it.each([
    ["FLOWLOG_SOURCES", { FLOWLOG_SOURCES: undefined }],
    ["FLOWLOG_SOURCES", { FLOWLOG_SOURCES: `https://flowacct.blob.core.windows.net/some-other-container?${sas(SIG_SOURCE)}` }],
    ["FLOWLOG_SOURCES", { FLOWLOG_SOURCES: `${NSG_URL},${NSG_URL}` }],
    ["FLOWLOG_SOURCES", { FLOWLOG_SOURCES: `ftp://flowacct.blob.core.windows.net/insights-logs-flowlogflowevent?${sas(SIG_SOURCE)}` }],
    ["FLOWLOG_SOURCES", { FLOWLOG_SOURCES: `https://flowacct.blob.core.windows.net/insights-logs-flowlogflowevent/extra?${sas(SIG_SOURCE)}` }],
    ["FLOWLOG_ACCOUNT_SUBSCRIPTIONS", { FLOWLOG_ACCOUNT_SUBSCRIPTIONS: "flowacct" }],
    ["FLOWLOG_ACCOUNT_SUBSCRIPTIONS", { FLOWLOG_ACCOUNT_SUBSCRIPTIONS: "flowacct=prod" }],
    ["FLOWLOG_ACCOUNT_SUBSCRIPTIONS", { FLOWLOG_ACCOUNT_SUBSCRIPTIONS: "otheracct=11111111-1111-4111-8111-111111111111" }],
    [
      "FLOWLOG_ACCOUNT_SUBSCRIPTIONS",
      { FLOWLOG_ACCOUNT_SUBSCRIPTIONS: "flowacct=11111111-1111-4111-8111-111111111111,flowacct=11111111-1111-4111-8111-111111111111" },
    ],
    ["CHECKPOINT_URL", { CHECKPOINT_URL: undefined }],
    ["CHECKPOINT_URL", { CHECKPOINT_URL: `https://fwdacct.blob.core.windows.net/?${sas(SIG_CHECKPOINT)}` }],
    ["CHECKPOINT_URL", { CHECKPOINT_URL: `https://fwdacct.blob.core.windows.net/checkpoints?token=${SIG_CHECKPOINT}` }],
    ["SEKOIA_NSG_INTAKE_KEY", { SEKOIA_NSG_INTAKE_KEY: undefined }],
    ["SEKOIA_NSG_INTAKE_KEY", { SEKOIA_NSG_INTAKE_KEY: "   " }],
    ["SEKOIA_VNET_INTAKE_KEY", { SEKOIA_VNET_INTAKE_KEY: undefined }],
    ["SEKOIA_INTAKE_URL", { SEKOIA_INTAKE_URL: "intake.sekoia.io" }],
    ["SEKOIA_INTAKE_URL", { SEKOIA_INTAKE_URL: "http://intake.sekoia.io" }],
    ["SEKOIA_INTAKE_URL", { SEKOIA_INTAKE_URL: `https://intake.sekoia.io/?key=${NSG_KEY}` }],
    ["POLL_INTERVAL_SECONDS", { POLL_INTERVAL_SECONDS: "0" }],
    ["POLL_INTERVAL_SECONDS", { POLL_INTERVAL_SECONDS: "1.5" }],
    ["POLL_INTERVAL_SECONDS", { POLL_INTERVAL_SECONDS: "thirty" }],
    ["POLL_INTERVAL_SECONDS", { POLL_INTERVAL_SECONDS: "3601" }],
    ["HEALTH_PORT", { HEALTH_PORT: "65536" }],
    ["HEALTH_PORT", { HEALTH_PORT: "-1" }],
    ["SEKOIA_REQUEST_TIMEOUT_SECONDS", { SEKOIA_REQUEST_TIMEOUT_SECONDS: "0" }],
    ["FORWARDER_START_TIME", { FORWARDER_START_TIME: "yesterday" }],
    ["FORWARDER_START_TIME", { FORWARDER_START_TIME: "2026-13-45T00:00:00Z" }],
    ["FORWARDER_START_TIME", { FORWARDER_START_TIME: "1775117700" }],
    ["LOG_LEVEL", { LOG_LEVEL: "verbose" }],
  ])("refuses a bad %s, naming it and a valid value, without repeating a secret", (variable, override) => {
    const error = configError({ ...VALID, ...override });
    expect(error.variable).toBe(variable);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message.startsWith(`${variable} `)).toBe(true);
    expect(error.message).toContain("expected");
    expectNoSecret(error.message);
  });

  it("refuses FLOWLOG_SOURCES that holds only commas (no container to read)", () => {
    const error = configError({ ...VALID, FLOWLOG_SOURCES: " , " });
    expect(error.variable).toBe("FLOWLOG_SOURCES");
  });

  it("does not repeat a SAS pasted without its '?' in the error", () => {
    const error = configError({ ...VALID, FLOWLOG_SOURCES: `https://flowacct.blob.core.windows.net/insights-logs-flowlogflowevent&${sas(SIG_SOURCE)}` });
    expect(error.variable).toBe("FLOWLOG_SOURCES");
    expectNoSecret(error.message);
  });

  it("names the source that needs a missing key, without its SAS", () => {
    const error = configError({ ...VALID, SEKOIA_VNET_INTAKE_KEY: undefined });
    expect(error.message).toContain("https://flowacct.blob.core.windows.net/insights-logs-flowlogflowevent");
    expect(error.message).toContain("Azure Network Watcher Flow Logs");
    expect(error.message).not.toContain("sig=");
  });

  it("names every missing variable in one error, each with a valid value, so one start lists all to fix", () => {
    const error = configError({});
    expect(error.problems.map((p) => p.variable)).toEqual(["FLOWLOG_SOURCES", "CHECKPOINT_URL"]);
    expect(error.message).toBe(
      [
        "2 variables are missing or malformed:",
        "  FLOWLOG_SOURCES is not set; expected a comma-separated list of container URLs such as https://<account>.blob.core.windows.net/insights-logs-flowlogflowevent.",
        "  CHECKPOINT_URL is not set; expected the URL of a container the forwarder may write to.",
      ].join("\n"),
    );
  });

  it("names both missing intake keys and the malformed variables beside them, without repeating a secret", () => {
    const error = configError({
      ...VALID,
      CHECKPOINT_URL: undefined,
      SEKOIA_NSG_INTAKE_KEY: undefined,
      SEKOIA_VNET_INTAKE_KEY: undefined,
      FLOWLOG_ACCOUNT_SUBSCRIPTIONS: "flowacct=prod",
      POLL_INTERVAL_SECONDS: "0",
      LOG_LEVEL: "verbose",
    });
    expect(error.problems.map((p) => p.variable)).toEqual([
      "FLOWLOG_ACCOUNT_SUBSCRIPTIONS",
      "CHECKPOINT_URL",
      "SEKOIA_NSG_INTAKE_KEY",
      "SEKOIA_VNET_INTAKE_KEY",
      "POLL_INTERVAL_SECONDS",
      "LOG_LEVEL",
    ]);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("6 variables are missing or malformed:");
    expect(lines.slice(1).map((line) => line.trim().split(" ")[0])).toEqual(error.problems.map((p) => p.variable));
    for (const line of lines.slice(1)) expect(line).toMatch(/; expected .+\.$/);
    expectNoSecret(error.message);
  });

  it("documents every variable whose error it can raise", () => {
    const variables = Object.keys(FORWARDER_VARIABLES);
    for (const name of [
      "FLOWLOG_SOURCES",
      "CHECKPOINT_URL",
      "SEKOIA_INTAKE_URL",
      "SEKOIA_NSG_INTAKE_KEY",
      "SEKOIA_VNET_INTAKE_KEY",
      "POLL_INTERVAL_SECONDS",
      "HEALTH_PORT",
      "FORWARDER_START_TIME",
    ]) {
      expect(variables).toContain(name);
    }
  });
});

describe("configSecrets", () => {
  it("lists the intake keys and every SAS signature, for the log scrubber", () => {
    const secrets = configSecrets(loadConfig(VALID));
    expect(secrets).toEqual(expect.arrayContaining([NSG_KEY, VNET_KEY, decodeURIComponent(SIG_SOURCE), decodeURIComponent(SIG_CHECKPOINT)]));
  });
});
