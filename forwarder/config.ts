// Reads and checks the forwarder's environment once, at start. Every problem names the variable and
// what a valid value looks like; secret values are never echoed back.

import { ConfigError } from "./errors";
import { FLOW_LOG_CONTAINERS, kindLabel, kindOfContainer, type FlowLogKind } from "./decode/flow-log-kind";
import { ContainerUrlError, parseContainerUrl, type ContainerLocation } from "./source/container-location";

export interface FlowLogSource extends ContainerLocation {
  readonly kind: FlowLogKind;
}

export interface ForwarderConfig {
  readonly sources: readonly FlowLogSource[];
  readonly checkpoint: ContainerLocation;
  /** Intake base without trailing slash; `/batch` is appended. */
  readonly intakeUrl: string;
  readonly intakeKeys: Readonly<Partial<Record<FlowLogKind, string>>>;
  readonly pollIntervalSeconds: number;
  readonly requestTimeoutSeconds: number;
  readonly healthPort: number;
  readonly startTime?: Date;
  readonly logLevel: string;
}

/** Every variable the forwarder reads, with its meaning: the README's reference is checked against it. */
export const FORWARDER_VARIABLES = {
  FLOWLOG_SOURCES: "comma-separated flow-log container URLs, with a read-only SAS or none (managed identity)",
  CHECKPOINT_URL: "container URL where checkpoints and dead letters are kept (SAS with write access, or managed identity)",
  SEKOIA_INTAKE_URL: "intake base URL, default https://intake.sekoia.io",
  SEKOIA_NSG_INTAKE_KEY: "intake key of the Sekoia intake of format Azure Network Watcher (NSG flow logs)",
  SEKOIA_VNET_INTAKE_KEY: "intake key of the Sekoia intake of format Azure Network Watcher Flow Logs (VNet flow logs)",
  POLL_INTERVAL_SECONDS: "seconds between polls in service mode, default 30",
  SEKOIA_REQUEST_TIMEOUT_SECONDS: "seconds before an intake request is abandoned and retried, default 30",
  HEALTH_PORT: "port of /healthz, /readyz and /metrics, default 8080",
  FORWARDER_START_TIME: "optional ISO-8601 instant: on first start, hour partitions before it are not read",
  LOG_LEVEL: "pino log level (fatal, error, warn, info, debug, trace), default info",
} as const;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

type Env = Readonly<Record<string, string | undefined>>;

/** An entry as it may be echoed in an error: no query string, and no signature even if pasted without `?`. */
function withoutSecrets(entry: string): string {
  return entry.split("?")[0].replace(/sig=[^&\s]*/gi, "sig=REDACTED");
}

function containerLocation(variable: string, raw: string): ContainerLocation {
  try {
    return parseContainerUrl(raw);
  } catch (error) {
    const problem = error instanceof ContainerUrlError ? error.message : "is not a container URL";
    throw new ConfigError(
      variable,
      `entry "${withoutSecrets(raw)}" ${problem}`,
      "https://<account>.blob.core.windows.net/<container>[?<sas>] or http://127.0.0.1:10000/<account>/<container>[?<sas>]",
    );
  }
}

function parseSources(env: Env): FlowLogSource[] {
  const raw = env.FLOWLOG_SOURCES?.trim();
  if (!raw) {
    throw new ConfigError(
      "FLOWLOG_SOURCES",
      "is not set",
      `a comma-separated list of container URLs such as https://<account>.blob.core.windows.net/${FLOW_LOG_CONTAINERS.vnet}`,
    );
  }
  const sources = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const location = containerLocation("FLOWLOG_SOURCES", entry);
      const kind = kindOfContainer(location.container);
      if (!kind) {
        throw new ConfigError(
          "FLOWLOG_SOURCES",
          `entry ${location.url} names container "${location.container}", which Azure does not write flow logs to`,
          `the container ${FLOW_LOG_CONTAINERS.nsg} (NSG flow logs) or ${FLOW_LOG_CONTAINERS.vnet} (VNet flow logs)`,
        );
      }
      return { ...location, kind };
    });
  if (sources.length === 0) {
    throw new ConfigError("FLOWLOG_SOURCES", "lists no container URL", `at least one container URL such as https://<account>.blob.core.windows.net/${FLOW_LOG_CONTAINERS.vnet}`);
  }
  const seen = new Set<string>();
  for (const source of sources) {
    if (seen.has(source.url)) {
      throw new ConfigError("FLOWLOG_SOURCES", `lists ${source.url} twice`, "each container once");
    }
    seen.add(source.url);
  }
  return sources;
}

function parseIntakeUrl(env: Env): string {
  const raw = env.SEKOIA_INTAKE_URL?.trim() || "https://intake.sekoia.io";
  const expected = "https://intake.sekoia.io or a regional base such as https://intake.fra2.sekoia.io/api/v1/intake-http";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("SEKOIA_INTAKE_URL", `"${raw}" is not a URL`, expected);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError("SEKOIA_INTAKE_URL", `uses ${url.protocol} (intake keys would travel in clear)`, expected);
  }
  if (url.search || url.hash) {
    throw new ConfigError("SEKOIA_INTAKE_URL", "has a query string or fragment", expected);
  }
  return url.toString().replace(/\/+$/, "");
}

function parseInteger(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(variable, `is "${raw}"`, `a whole number from ${min} to ${max} (default ${fallback})`);
  }
  return value;
}

function parseStartTime(env: Env): Date | undefined {
  const raw = env.FORWARDER_START_TIME?.trim();
  if (!raw) return undefined;
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(time.getTime())) {
    throw new ConfigError("FORWARDER_START_TIME", `is "${raw}"`, "an ISO-8601 instant such as 2026-11-01T00:00:00Z");
  }
  return time;
}

export interface LoadConfigOptions {
  /** False for commands that never ship (status): keys that are set are still read, none is demanded. */
  readonly requireIntakeKeys?: boolean;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): ForwarderConfig {
  const sources = parseSources(env);
  const rawCheckpoint = env.CHECKPOINT_URL?.trim();
  if (!rawCheckpoint) {
    throw new ConfigError("CHECKPOINT_URL", "is not set", "the URL of a container the forwarder may write to");
  }
  const checkpoint = containerLocation("CHECKPOINT_URL", rawCheckpoint);
  const intakeKeys: Partial<Record<FlowLogKind, string>> = {};
  for (const kind of new Set(sources.map((s) => s.kind))) {
    const variable = `SEKOIA_${kindLabel(kind)}_INTAKE_KEY`;
    const key = env[variable]?.trim();
    if (!key && options.requireIntakeKeys === false) continue;
    if (!key) {
      const source = sources.find((s) => s.kind === kind)!;
      throw new ConfigError(
        variable,
        `is not set but FLOWLOG_SOURCES reads ${source.url}`,
        `the intake key of a Sekoia intake of format ${kind === "nsg" ? "Azure Network Watcher" : "Azure Network Watcher Flow Logs"}`,
      );
    }
    intakeKeys[kind] = key;
  }
  const logLevel = env.LOG_LEVEL?.trim() || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `is "${logLevel}"`, `one of ${LOG_LEVELS.join(", ")}`);
  }
  return {
    sources,
    checkpoint,
    intakeUrl: parseIntakeUrl(env),
    intakeKeys,
    pollIntervalSeconds: parseInteger(env, "POLL_INTERVAL_SECONDS", 30, 1, 3600),
    requestTimeoutSeconds: parseInteger(env, "SEKOIA_REQUEST_TIMEOUT_SECONDS", 30, 1, 600),
    healthPort: parseInteger(env, "HEALTH_PORT", 8080, 0, 65535),
    startTime: parseStartTime(env),
    logLevel,
  };
}

/** The secret values in a configuration, for the log scrubber. */
export function configSecrets(config: ForwarderConfig): string[] {
  const sasSignatures = [...config.sources, config.checkpoint]
    .map((location) => (location.sas ? new URLSearchParams(location.sas).get("sig") : null))
    .filter((sig): sig is string => !!sig);
  return [...Object.values(config.intakeKeys), ...sasSignatures, ...[...config.sources, config.checkpoint].flatMap((l) => (l.sas ? [l.sas] : []))];
}
