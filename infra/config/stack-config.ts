// Reads and validates the whole stack configuration before any resource is registered.
// Every problem is collected and reported at once, each naming its key (e.g. `targets[1].id`), what
// was found and what is expected. `parseStackConfig` is pure (raw strings in, typed config out);
// the stack shell reads the stack's values (stack-keys.ts); the component (component-config.ts) validates its args through it.
import * as pulumi from "@pulumi/pulumi";
import type { FlowLogFamily } from "./arm-id";
import { isAzureRegion, normalizeRegion } from "./regions";
import { parseImagePull, type PrebuiltImagePull } from "./image-config";
import { cloudOf, parseArmEndpoint, type Cloud } from "./arm-endpoint";
import { parseProviderSettings, PROVIDER_SETTING_KEYS, type ProviderSettings } from "./provider-config";
import { parseSharedSubscription, parseStorageSubscription } from "./subscription-config";
import { parseTargets, type ScopeSelection, type Target } from "./targets";
import { DEFAULTS as FORWARDER_DEFAULTS } from "../../forwarder/contract";
import { parseNetworkWatchers, type ConfiguredWatchers } from "./watcher-config";
import { parseForwarderScale, type ForwarderScale } from "./scale-config";
import { parseTags } from "./tags-config";
import { parseForwarderSize, type ForwarderSize } from "./forwarder-size-config";
import { parsePrivateNetworking, refuseEventMode, refuseSasExpiry, requirePrivateImage, type PrivateNetworking } from "./private-networking-config";

export type { ScopeSelection, Target } from "./targets";
export type { PrivateNetworking, SubnetRef } from "./private-networking-config";

export const PROJECT = "sekoia-flowlogs";

/** Defaults of the optional keys; test/infra/config/config.test.ts checks Pulumi.yaml declares the same. */
export const DEFAULTS = {
  networkWatcher: "existing",
  retentionDays: 30,
  sekoiaIntakeUrl: FORWARDER_DEFAULTS.intakeUrl,
  sekoiaNsgIntakeKey: "",
  sekoiaVnetIntakeKey: "",
  forwarderImage: "",
  forwarderImageRegistryId: "",
  forwarderImageRegistryUsername: "",
  forwarderImageRegistryPassword: "",
  forwarderSize: "0.25/0.5Gi",
  trafficAnalytics: false,
  trafficAnalyticsIntervalMinutes: 60,
  alertNoDeliveryMinutes: 30,
  alertRestartCount: 3,
  alertEmail: "",
  // Estates (issue 13): central flow-log storage, and where scope selections are listed from.
  flowLogStorageSubscriptionId: "",
  armEndpoint: "",
  // Sekoia configuration API (issue 10): with sekoiaApiKey and sekoiaEntityUuid the stack creates its intakes.
  sekoiaApiUrl: "https://api.sekoia.io",
  sekoiaApiKey: "",
  sekoiaEntityUuid: "",
  sekoiaCommunityUuid: "",
  sekoiaIntakeName: "",
  // Required unless privateNetworking is set (issue 20): then no SAS is minted and it must stay empty.
  sasExpiry: "",
} as const;

/** Project keys with no default: every stack must set them. */
export const REQUIRED_KEYS = ["targets"] as const;
/** Optional project keys holding an object: Pulumi.yaml can declare neither their type nor a default. */
export const OPTIONAL_OBJECT_KEYS = ["networkWatchers", "forwarderScale", "tags", "privateNetworking"] as const;
/** Provider keys the program reads (declared by the provider, documented in docs/configuration.md). */
export const PROVIDER_KEYS: readonly string[] = ["azure-native:location", "azure-native:subscriptionId", ...PROVIDER_SETTING_KEYS];

export const SECRET_KEYS = ["sekoiaNsgIntakeKey", "sekoiaVnetIntakeKey", "sekoiaApiKey", "forwarderImageRegistryPassword"] as const;
const INTAKE_KEY_OF: Record<FlowLogFamily, "sekoiaNsgIntakeKey" | "sekoiaVnetIntakeKey"> = {
  nsg: "sekoiaNsgIntakeKey",
  vnet: "sekoiaVnetIntakeKey",
};

/** Log alert windows Azure Monitor accepts (minutes). */
export const ALERT_WINDOWS = [5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880] as const;

export { NSG_RETIREMENT_WARNING } from "./targets";

export interface StackConfig {
  /** Region of the shared resources (forwarder, registry, workspace, checkpoints). */
  readonly location: string;
  /** Subscription of the shared resources: azure-native:subscriptionId, or the targets' only one. */
  readonly subscriptionId: string;
  /** The azure-native:* settings the stack sets (cloud, credentials): every provider of the stack gets them. */
  readonly provider: ProviderSettings;
  /** Targets given by id, in config order. */
  readonly targets: readonly Target[];
  /** `{scope}` entries, resolved by target-selection.ts before anything is registered. */
  readonly scopes: readonly ScopeSelection[];
  /** Where `{scope}` entries are listed from (no trailing slash). */
  readonly armEndpoint: string;
  /** The cloud of azure-native:environment (registry suffixes differ per cloud). */
  readonly cloud: Cloud;
  /** Central subscription of every flow-log account; undefined: each account in its targets' subscription. */
  readonly flowLogStorageSubscriptionId?: string;
  readonly networkWatcher: "existing" | "create";
  /** Per subscription and region: the existing watcher to use instead of the `networkWatcher` mode. */
  readonly networkWatchers: ConfiguredWatchers;
  readonly retentionDays: number;
  /** Normalized ISO-8601 instant (UTC, no fraction); undefined in private mode, which mints no SAS. */
  readonly sasExpiry?: string;
  /** Set in private mode: storage behind private endpoints, an internal environment in the given subnet. */
  readonly privateNetworking?: PrivateNetworking;
  readonly sekoiaIntakeUrl: string;
  /** Intake key per targeted family, always wrapped as a Pulumi secret. */
  readonly intakeKeys: Readonly<Partial<Record<FlowLogFamily, pulumi.Output<string>>>>;
  readonly forwarderImage?: string;
  /** How the app pulls forwarderImage from a private registry; undefined: anonymous (or the stack's own). */
  readonly forwarderImagePull?: PrebuiltImagePull;
  /** vCPU and memory of the forwarder's container (forwarder-size-config.ts). */
  readonly forwarderSize: ForwarderSize;
  readonly trafficAnalytics: { readonly enabled: boolean; readonly intervalMinutes: 10 | 60 };
  readonly alerts: { readonly noDeliveryMinutes: number; readonly restartCount: number; readonly email?: string };
  /** Set when the stack creates its intakes through Sekoia's configuration API (sekoia-intakes.ts). */
  readonly sekoiaApi?: SekoiaApiConfig;
  /** Replicas of the forwarder; above one, event mode (scale-config.ts). */
  readonly forwarderScale: ForwarderScale;
  /** Tags added to the stack's own on every resource (tags-config.ts); empty without `tags`. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface SekoiaApiConfig {
  /** API base without trailing slash, its path prefix kept (e.g. https://app.fra2.sekoia.io/api). */
  readonly url: string;
  /** Always wrapped as a Pulumi secret. */
  readonly apiKey: pulumi.Output<string>;
  readonly entityUuid: string;
  readonly communityUuid?: string;
  /** Prefix of the intake names; empty: the program derives one from the stack. */
  readonly intakeNamePrefix: string;
  /** Flow-log families whose intake the stack creates (those targeted). */
  readonly families: readonly FlowLogFamily[];
}

/** Raw values as the Pulumi engine hands them over: strings (objects as JSON), by short key. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
        `nothing was registered:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "StackConfigError";
  }
}

const show = (v: unknown): string => JSON.stringify(v);
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const IMAGE_BY_DIGEST = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:[.:][a-z0-9-]+)*(?:\/[a-z0-9._-]+)+(?::[\w.-]+)?@sha256:[0-9a-f]{64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Parses and validates everything; throws StackConfigError listing every problem. */
export function parseStackConfig(raw: RawConfig, now: Date): { config: StackConfig; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const text = (key: string, fallback: string): string => {
    const v = raw[key];
    return v === undefined ? fallback : v.trim();
  };
  const integer = (key: string, fallback: number, ok: (n: number) => boolean, expected: string): number => {
    const v = raw[key];
    if (v === undefined || v.trim() === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || !ok(n)) {
      problems.push(`${key}: found ${show(v)}, expected ${expected}`);
      return fallback;
    }
    return n;
  };

  // azure-native:location: the shared region.
  const locationRaw = raw["azure-native:location"];
  let location = "";
  if (locationRaw === undefined || locationRaw.trim() === "") {
    problems.push("azure-native:location: found nothing, expected the region of the shared resources, e.g. westeurope");
  } else if (!isAzureRegion(locationRaw)) {
    problems.push(`azure-native:location: found ${show(locationRaw)}, expected an Azure region name such as westeurope`);
  } else {
    location = normalizeRegion(locationRaw);
  }
  const { targets, scopes } = parseTargets(raw.targets, problems, warnings);
  const subscriptionId = parseSharedSubscription(raw["azure-native:subscriptionId"], [...targets, ...scopes], problems);
  const storageSubscription = parseStorageSubscription(raw.flowLogStorageSubscriptionId, problems);
  const provider = parseProviderSettings(raw, problems);
  const armEndpoint = parseArmEndpoint(raw["azure-native:environment"], text("armEndpoint", DEFAULTS.armEndpoint), problems);

  const networkWatcher = text("networkWatcher", DEFAULTS.networkWatcher);
  if (networkWatcher !== "existing" && networkWatcher !== "create") {
    problems.push(`networkWatcher: found ${show(networkWatcher)}, expected "existing" (adopt NetworkWatcher_<region>) or "create"`);
  }
  const networkWatchers = parseNetworkWatchers(raw.networkWatchers, subscriptionId, problems);
  const tags = parseTags(raw.tags, problems);
  const retentionDays = integer("retentionDays", DEFAULTS.retentionDays, (n) => n >= 1 && n <= 365, "a whole number of days from 1 to 365");
  // Asked for even if invalid: then its own problems are reported, and the rules of private mode still apply.
  const privateRequested = Boolean(raw.privateNetworking?.trim());
  const privateNetworking = parsePrivateNetworking(raw.privateNetworking, raw["azure-native:environment"], problems);
  let sasExpiry: string | undefined;
  if (privateRequested) refuseSasExpiry(raw.sasExpiry, problems);
  else sasExpiry = parseExpiry(raw.sasExpiry, now, problems, warnings);

  const sekoiaIntakeUrl = text("sekoiaIntakeUrl", DEFAULTS.sekoiaIntakeUrl).replace(/\/+$/, "");
  if (!isHttpsUrl(sekoiaIntakeUrl)) {
    problems.push(`sekoiaIntakeUrl: found ${show(sekoiaIntakeUrl)}, expected an https:// URL such as ${DEFAULTS.sekoiaIntakeUrl}`);
  }

  // Scope entries select VNets only: they need the VNet intake.
  const users = (family: FlowLogFamily): string[] => [
    ...targets.filter((t) => t.family === family).map((t) => t.key),
    ...(family === "vnet" ? scopes.map((s) => s.key) : []),
  ];
  const sekoiaApi = parseSekoiaApi(raw, users, problems, warnings);
  // Asked for even if invalid: then its own problems are reported, not missing intake keys.
  const sekoiaApiRequested = Boolean(raw.sekoiaApiKey?.trim() || raw.sekoiaEntityUuid?.trim());

  const intakeKeys: Partial<Record<FlowLogFamily, pulumi.Output<string>>> = {};
  for (const family of ["nsg", "vnet"] as const) {
    const key = INTAKE_KEY_OF[family];
    const value = raw[key]?.trim() ?? "";
    const needing = users(family);
    if (sekoiaApiRequested && value !== "") {
      problems.push(
        `${key}: set together with sekoiaApiKey, which makes the stack create this intake itself. Choose a single approach: ` +
          `\`pulumi config rm ${key}\`, or remove sekoiaApiKey and sekoiaEntityUuid to keep the intake you made in Sekoia.`,
      );
    } else if (sekoiaApiRequested) {
      continue;
    } else if (needing.length > 0 && value === "") {
      problems.push(
        `${key}: found nothing, expected the Sekoia intake key for ${family === "nsg" ? "NSG" : "VNet"} flow logs ` +
          `(needed by ${needing.join(", ")}); set it with \`pulumi config set --secret ${key} <key>\`, ` +
          "or set sekoiaApiKey and sekoiaEntityUuid to let the stack create the intake",
      );
    } else if (needing.length > 0) {
      intakeKeys[family] = pulumi.secret(value);
    } else if (value !== "") {
      warnings.push(`${key} is set but no target is ${family === "nsg" ? "an NSG" : "a VNet, subnet or NIC"}: it is not deployed.`);
    }
  }

  const forwarderImage = text("forwarderImage", DEFAULTS.forwarderImage);
  if (forwarderImage !== "" && !IMAGE_BY_DIGEST.test(forwarderImage)) {
    problems.push(
      `forwarderImage: found ${show(forwarderImage)}, expected an image reference pinned by digest, ` +
        "e.g. myregistry.azurecr.io/sekoia-flowlogs-forwarder@sha256:<64 hex>, or nothing to build it from forwarder/",
    );
  }

  const forwarderImagePull = parseImagePull(
    IMAGE_BY_DIGEST.test(forwarderImage) ? forwarderImage : "",
    { registryId: raw.forwarderImageRegistryId, username: raw.forwarderImageRegistryUsername, password: raw.forwarderImageRegistryPassword },
    problems,
    cloudOf(raw["azure-native:environment"]),
  );
  if (privateRequested) {
    const pullRequested = [raw.forwarderImageRegistryId, raw.forwarderImageRegistryUsername, raw.forwarderImageRegistryPassword].some((v) => v?.trim());
    requirePrivateImage(forwarderImage, pullRequested, problems);
  }

  const forwarderSize = parseForwarderSize(text("forwarderSize", DEFAULTS.forwarderSize) || DEFAULTS.forwarderSize, problems);

  const taRaw = text("trafficAnalytics", String(DEFAULTS.trafficAnalytics));
  if (taRaw !== "true" && taRaw !== "false") problems.push(`trafficAnalytics: found ${show(taRaw)}, expected true or false`);
  const intervalMinutes = integer("trafficAnalyticsIntervalMinutes", DEFAULTS.trafficAnalyticsIntervalMinutes, (n) => n === 10 || n === 60, "10 or 60") as
    10 | 60;

  const noDeliveryMinutes = integer(
    "alertNoDeliveryMinutes",
    DEFAULTS.alertNoDeliveryMinutes,
    (n) => (ALERT_WINDOWS as readonly number[]).includes(n),
    `one of the windows Azure Monitor log alerts accept: ${ALERT_WINDOWS.join(", ")}`,
  );
  const restartCount = integer("alertRestartCount", DEFAULTS.alertRestartCount, (n) => n >= 1 && n <= 100, "a whole number from 1 to 100");
  const email = text("alertEmail", DEFAULTS.alertEmail);
  if (email !== "" && !EMAIL.test(email)) problems.push(`alertEmail: found ${show(email)}, expected an e-mail address or nothing`);
  const forwarderScale = parseForwarderScale(raw.forwarderScale, problems);
  if (privateRequested) refuseEventMode(forwarderScale.maxReplicas, problems);

  if (problems.length > 0) throw new StackConfigError(problems);

  const config: StackConfig = {
    location,
    subscriptionId: subscriptionId!,
    provider,
    targets,
    scopes,
    armEndpoint,
    cloud: cloudOf(raw["azure-native:environment"]),
    ...(storageSubscription ? { flowLogStorageSubscriptionId: storageSubscription } : {}),
    networkWatcher: networkWatcher as "existing" | "create",
    networkWatchers,
    retentionDays,
    ...(sasExpiry !== undefined ? { sasExpiry } : {}),
    ...(privateNetworking ? { privateNetworking } : {}),
    sekoiaIntakeUrl,
    intakeKeys,
    ...(forwarderImage !== "" ? { forwarderImage } : {}),
    ...(forwarderImagePull ? { forwarderImagePull } : {}),
    forwarderSize,
    trafficAnalytics: { enabled: taRaw === "true", intervalMinutes },
    alerts: { noDeliveryMinutes, restartCount, ...(email !== "" ? { email } : {}) },
    ...(sekoiaApi ? { sekoiaApi } : {}),
    forwarderScale,
    tags,
  };
  return { config, warnings };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTAKE_NAME_PREFIX = /^[\w .-]{1,80}$/;

/** The Sekoia configuration API keys: both sekoiaApiKey and sekoiaEntityUuid, or neither. */
function parseSekoiaApi(
  raw: RawConfig,
  users: (family: FlowLogFamily) => readonly string[],
  problems: string[],
  warnings: string[],
): SekoiaApiConfig | undefined {
  const value = (key: keyof typeof DEFAULTS): string => raw[key]?.trim() ?? "";
  const apiKey = value("sekoiaApiKey");
  const entityUuid = value("sekoiaEntityUuid").toLowerCase();
  const communityUuid = value("sekoiaCommunityUuid").toLowerCase();
  const intakeNamePrefix = value("sekoiaIntakeName");
  const url = (value("sekoiaApiUrl") || DEFAULTS.sekoiaApiUrl).replace(/\/+$/, "");
  if (apiKey === "" && entityUuid === "") {
    for (const key of ["sekoiaCommunityUuid", "sekoiaIntakeName"] as const) {
      if (value(key) !== "") warnings.push(`${key} is set but sekoiaApiKey and sekoiaEntityUuid are not: the stack creates no intake, so it is not used.`);
    }
    return undefined;
  }
  const before = problems.length;
  if (apiKey === "") {
    problems.push(
      "sekoiaApiKey: found nothing while sekoiaEntityUuid is set, expected a Sekoia API key with the intake-management permission; set it with `pulumi config set --secret sekoiaApiKey <key>` (or remove sekoiaEntityUuid)",
    );
  }
  if (entityUuid === "") {
    problems.push(
      "sekoiaEntityUuid: found nothing while sekoiaApiKey is set, expected the uuid of the Sekoia entity the intakes belong to (GET <sekoiaApiUrl>/v1/sic/conf/entities lists them)",
    );
  } else if (!UUID.test(entityUuid)) {
    problems.push(
      `sekoiaEntityUuid: found ${show(raw.sekoiaEntityUuid)}, expected the uuid of a Sekoia entity (GET <sekoiaApiUrl>/v1/sic/conf/entities lists them)`,
    );
  }
  if (communityUuid !== "" && !UUID.test(communityUuid)) {
    problems.push(`sekoiaCommunityUuid: found ${show(raw.sekoiaCommunityUuid)}, expected the uuid of a sub-community of a multi-tenant workspace, or nothing`);
  }
  if (!isHttpsUrl(url)) problems.push(`sekoiaApiUrl: found ${show(url)}, expected the https:// API base of your Sekoia region, e.g. ${DEFAULTS.sekoiaApiUrl}`);
  if (intakeNamePrefix !== "" && !INTAKE_NAME_PREFIX.test(intakeNamePrefix)) {
    problems.push(`sekoiaIntakeName: found ${show(intakeNamePrefix)}, expected up to 80 letters, digits, spaces, dots, dashes or underscores`);
  }
  if (problems.length > before) return undefined;
  return {
    url,
    apiKey: pulumi.secret(apiKey),
    entityUuid,
    ...(communityUuid !== "" ? { communityUuid } : {}),
    intakeNamePrefix,
    families: (["nsg", "vnet"] as const).filter((f) => users(f).length > 0),
  };
}

function parseExpiry(raw: string | undefined, now: Date, problems: string[], warnings: string[]): string {
  const expected = "an ISO-8601 instant with a time zone in the future, e.g. 2027-06-30T00:00:00Z";
  const value = raw?.trim() ?? "";
  const m = ISO_INSTANT.exec(value);
  const ms = m ? Date.parse(value) : NaN;
  const [y, mo, d, h, mi, s] = m ? m.slice(1, 7).map((x) => Number(x ?? 0)) : [];
  const daysInMonth = m ? new Date(Date.UTC(y, mo, 0)).getUTCDate() : 0;
  if (!m || Number.isNaN(ms) || mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) {
    problems.push(`sasExpiry: found ${value === "" ? "nothing" : show(value)}, expected ${expected}`);
    return "";
  }
  if (ms <= now.getTime()) {
    problems.push(`sasExpiry: found ${show(value)}, which is not after now (${now.toISOString()}), expected ${expected}`);
    return "";
  }
  const days = Math.floor((ms - now.getTime()) / 86_400_000);
  if (days < 30) warnings.push(`sasExpiry is ${days} day(s) away: Sekoia loses access then; rotate it (docs/runbook.md#rotating-the-sas).`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/** The clock used to check that sasExpiry is in the future; plan.ts and tests pin it. */
export const clock = { now: (): Date => new Date() };
