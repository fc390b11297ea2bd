// Reads and checks the forwarder's environment once, at start. Every problem names the variable and
// what a valid value looks like, all of them in one error; secret values are never echoed back.

import { DEFAULTS, FLOW_LOG_CONTAINERS, intakeKeyVariable, VARIABLES, type FlowLogKind } from "./contract";
import { kindOfContainer } from "./decode/flow-log-kind";
import { ConfigError, ContainerUrlError } from "./errors";
import { parseQueueUrl, type QueueLocation } from "./source/blob-events";
import { parseContainerUrl, type ContainerLocation } from "./source/container-location";

export interface FlowLogSource extends ContainerLocation {
  readonly kind: FlowLogKind;
  /** The Azure subscription of its account, when FLOWLOG_ACCOUNT_SUBSCRIPTIONS names it (status groups by it). */
  readonly subscriptionId?: string;
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
  /** Event mode when set: blobs to read come from this queue of Event Grid BlobCreated events. */
  readonly eventsQueue?: QueueLocation;
  /** Event mode: seconds between reconciliation listings (events that never came). */
  readonly reconcileIntervalSeconds: number;
}

/** Every variable the forwarder reads, with its meaning: docs/forwarder.md's reference is checked against it. */
export const FORWARDER_VARIABLES: Readonly<Record<string, string>> = {
  [VARIABLES.sources]: "comma-separated flow-log container URLs, with a read-only SAS or none (managed identity)",
  [VARIABLES.accountSubscriptions]:
    "optional comma-separated <account>=<subscription id> pairs: the subscription of each flow-log account, which status groups sources by",
  [VARIABLES.checkpointUrl]: "container URL where checkpoints and dead letters are kept (SAS with write access, or managed identity)",
  [VARIABLES.intakeUrl]: `intake base URL, default ${DEFAULTS.intakeUrl}`,
  [intakeKeyVariable("nsg")]: "intake key of the Sekoia intake of format Azure Network Watcher (NSG flow logs)",
  [intakeKeyVariable("vnet")]: "intake key of the Sekoia intake of format Azure Network Watcher Flow Logs (VNet flow logs)",
  [VARIABLES.pollIntervalSeconds]: `seconds between polls in service mode, default ${DEFAULTS.pollIntervalSeconds}`,
  [VARIABLES.requestTimeoutSeconds]: `seconds before an intake request is abandoned and retried, default ${DEFAULTS.requestTimeoutSeconds}`,
  [VARIABLES.healthPort]: `port of /healthz, /readyz and /metrics, default ${DEFAULTS.healthPort}`,
  [VARIABLES.startTime]: "optional ISO-8601 instant: on first start, hour partitions before it are not read",
  [VARIABLES.logLevel]: `pino log level (fatal, error, warn, info, debug, trace), default ${DEFAULTS.logLevel}`,
  [VARIABLES.eventsQueueUrl]:
    "optional queue URL (SAS with process permission, or managed identity) of the flow-log accounts' BlobCreated events: event mode, any number of replicas",
  [VARIABLES.reconcileIntervalSeconds]: `event mode: seconds between the listings that catch events that never came, default ${DEFAULTS.reconcileIntervalSeconds}`,
};

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
  const raw = env[VARIABLES.sources]?.trim();
  if (!raw) {
    throw new ConfigError(
      VARIABLES.sources,
      "is not set",
      `a comma-separated list of container URLs such as https://<account>.blob.core.windows.net/${FLOW_LOG_CONTAINERS.vnet}`,
    );
  }
  const sources = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const location = containerLocation(VARIABLES.sources, entry);
      const kind = kindOfContainer(location.container);
      if (!kind) {
        throw new ConfigError(
          VARIABLES.sources,
          `entry ${location.url} names container "${location.container}", which Azure does not write flow logs to`,
          `the container ${FLOW_LOG_CONTAINERS.nsg} (NSG flow logs) or ${FLOW_LOG_CONTAINERS.vnet} (VNet flow logs)`,
        );
      }
      return { ...location, kind };
    });
  if (sources.length === 0) {
    throw new ConfigError(
      VARIABLES.sources,
      "lists no container URL",
      `at least one container URL such as https://<account>.blob.core.windows.net/${FLOW_LOG_CONTAINERS.vnet}`,
    );
  }
  const seen = new Set<string>();
  for (const source of sources) {
    if (seen.has(source.url)) {
      throw new ConfigError(VARIABLES.sources, `lists ${source.url} twice`, "each container once");
    }
    seen.add(source.url);
  }
  return sources;
}

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Gives each source the subscription FLOWLOG_ACCOUNT_SUBSCRIPTIONS names for its account. Only a
 * label for operators (an estate's accounts sit in many subscriptions): reading needs no subscription.
 */
function withSubscriptions(env: Env, sources: readonly FlowLogSource[]): FlowLogSource[] {
  const raw = env[VARIABLES.accountSubscriptions]?.trim();
  if (!raw) return [...sources];
  const expected =
    "comma-separated <account>=<subscription id> pairs, one per account of FLOWLOG_SOURCES, e.g. flwesteurope1a2b3c4d=6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14";
  const accounts = new Set(sources.map((s) => s.account));
  const subscriptions = new Map<string, string>();
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0)) {
    const [account, subscription, ...rest] = entry.split("=").map((p) => p.trim());
    if (!account || !subscription || rest.length > 0 || !SUBSCRIPTION_ID.test(subscription)) {
      throw new ConfigError(VARIABLES.accountSubscriptions, `has the entry "${entry.slice(0, 80)}"`, expected);
    }
    if (!accounts.has(account))
      throw new ConfigError(VARIABLES.accountSubscriptions, `names the account ${account}, which no entry of ${VARIABLES.sources} reads`, expected);
    if (subscriptions.has(account)) throw new ConfigError(VARIABLES.accountSubscriptions, `names the account ${account} twice`, expected);
    subscriptions.set(account, subscription.toLowerCase());
  }
  return sources.map((s) => (subscriptions.has(s.account) ? { ...s, subscriptionId: subscriptions.get(s.account) } : s));
}

function parseIntakeUrl(env: Env): string {
  const raw = env[VARIABLES.intakeUrl]?.trim() || DEFAULTS.intakeUrl;
  const expected = "https://intake.sekoia.io or a regional base such as https://intake.fra2.sekoia.io/api/v1/intake-http";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(VARIABLES.intakeUrl, `"${raw}" is not a URL`, expected);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new ConfigError(VARIABLES.intakeUrl, `uses ${url.protocol} (intake keys would travel in clear)`, expected);
  }
  if (url.search || url.hash) {
    throw new ConfigError(VARIABLES.intakeUrl, "has a query string or fragment", expected);
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
  const raw = env[VARIABLES.startTime]?.trim();
  if (!raw) return undefined;
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(time.getTime())) {
    throw new ConfigError(VARIABLES.startTime, `is "${raw}"`, "an ISO-8601 instant such as 2026-11-01T00:00:00Z");
  }
  return time;
}

export interface LoadConfigOptions {
  /** False for commands that never ship (status): keys that are set are still read, none is demanded. */
  readonly requireIntakeKeys?: boolean;
}

/**
 * Runs one variable's check, noting its ConfigError instead of throwing it, so that one start names
 * every variable to fix, not only the first.
 */
function checked<T>(problems: ConfigError[], check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error);
    return undefined;
  }
}

function parseCheckpoint(env: Env): ContainerLocation {
  const raw = env[VARIABLES.checkpointUrl]?.trim();
  if (!raw) throw new ConfigError(VARIABLES.checkpointUrl, "is not set", "the URL of a container the forwarder may write to");
  return containerLocation(VARIABLES.checkpointUrl, raw);
}

/** The key of each kind the sources read; without sources (FLOWLOG_SOURCES is wrong) no key can be judged. */
function parseIntakeKeys(
  env: Env,
  sources: readonly FlowLogSource[],
  options: LoadConfigOptions,
  problems: ConfigError[],
): Partial<Record<FlowLogKind, string>> {
  const intakeKeys: Partial<Record<FlowLogKind, string>> = {};
  for (const kind of new Set(sources.map((s) => s.kind))) {
    const variable = intakeKeyVariable(kind);
    const key = env[variable]?.trim();
    if (!key && options.requireIntakeKeys === false) continue;
    if (!key) {
      const source = sources.find((s) => s.kind === kind)!;
      problems.push(
        new ConfigError(
          variable,
          `is not set but ${VARIABLES.sources} reads ${source.url}`,
          `the intake key of a Sekoia intake of format ${kind === "nsg" ? "Azure Network Watcher" : "Azure Network Watcher Flow Logs"}`,
        ),
      );
      continue;
    }
    intakeKeys[kind] = key;
  }
  return intakeKeys;
}

function parseEventsQueue(env: Env): QueueLocation | undefined {
  const raw = env[VARIABLES.eventsQueueUrl]?.trim();
  if (!raw) return undefined;
  try {
    return parseQueueUrl(raw);
  } catch (error) {
    const problem = error instanceof ContainerUrlError ? error.message.replace("container", "queue") : "is not a queue URL";
    throw new ConfigError(
      VARIABLES.eventsQueueUrl,
      `"${withoutSecrets(raw)}" ${problem}`,
      "https://<account>.queue.core.windows.net/<queue>[?<sas>] or http://127.0.0.1:10001/<account>/<queue>[?<sas>]",
    );
  }
}

function parseLogLevel(env: Env): string {
  const logLevel = env[VARIABLES.logLevel]?.trim() || DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(VARIABLES.logLevel, `is "${logLevel}"`, `one of ${LOG_LEVELS.join(", ")}`);
  return logLevel;
}

/** The configuration, or one ConfigError naming every variable that is missing or malformed. */
export function loadConfig(env: Env, options: LoadConfigOptions = {}): ForwarderConfig {
  const problems: ConfigError[] = [];
  const listed = checked(problems, () => parseSources(env));
  const sources = listed && checked(problems, () => withSubscriptions(env, listed));
  const checkpoint = checked(problems, () => parseCheckpoint(env));
  const intakeKeys = listed ? parseIntakeKeys(env, listed, options, problems) : {};
  const intakeUrl = checked(problems, () => parseIntakeUrl(env));
  const pollIntervalSeconds = checked(problems, () => parseInteger(env, VARIABLES.pollIntervalSeconds, DEFAULTS.pollIntervalSeconds, 1, 3600));
  const requestTimeoutSeconds = checked(problems, () => parseInteger(env, VARIABLES.requestTimeoutSeconds, DEFAULTS.requestTimeoutSeconds, 1, 600));
  const healthPort = checked(problems, () => parseInteger(env, VARIABLES.healthPort, DEFAULTS.healthPort, 0, 65535));
  const startTime = checked(problems, () => parseStartTime(env));
  const logLevel = checked(problems, () => parseLogLevel(env));
  const eventsQueue = checked(problems, () => parseEventsQueue(env));
  const reconcileIntervalSeconds = checked(problems, () =>
    parseInteger(env, VARIABLES.reconcileIntervalSeconds, DEFAULTS.reconcileIntervalSeconds, 10, 86_400),
  );
  if (problems.length > 0) throw problems.length === 1 ? problems[0] : new ConfigError(problems.flatMap((p) => p.problems));
  // Each value below is set: a check that failed left a problem, and there is none.
  return {
    sources: sources!,
    checkpoint: checkpoint!,
    intakeUrl: intakeUrl!,
    intakeKeys,
    pollIntervalSeconds: pollIntervalSeconds!,
    requestTimeoutSeconds: requestTimeoutSeconds!,
    healthPort: healthPort!,
    startTime,
    logLevel: logLevel!,
    eventsQueue,
    reconcileIntervalSeconds: reconcileIntervalSeconds!,
  };
}

/** The secret values in a configuration, for the log scrubber. */
export function configSecrets(config: ForwarderConfig): string[] {
  const locations = [...config.sources, config.checkpoint, ...(config.eventsQueue ? [config.eventsQueue] : [])];
  const sasSignatures = locations.map((location) => (location.sas ? new URLSearchParams(location.sas).get("sig") : null)).filter((sig): sig is string => !!sig);
  return [...Object.values(config.intakeKeys), ...sasSignatures, ...locations.flatMap((l) => (l.sas ? [l.sas] : []))];
}
