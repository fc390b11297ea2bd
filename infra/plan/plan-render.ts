// Runs the program under mocks and renders what it would register, for `npm run plan` and its
// snapshot test. Deterministic: resources sorted by type and name, inputs flattened and sorted,
// secrets printed as [secret], the repository path replaced by <repo>.
import * as pulumi from "@pulumi/pulumi";
import { clock, PROJECT } from "../config/stack-config";
import { REPO_ROOT } from "../forwarder/forwarder-image";
import { registryLogin } from "../forwarder/registry-login";
import { targetSelection, type SelectionReport } from "../estate/target-selection";
import type { TargetLocator } from "../estate/target-locations";
import type { VnetLister } from "../estate/vnet-lister";
import type { NetworkReader } from "../estate/network-reader";
import { privateNetworkCheck } from "../estate/private-network-check";
import {
  FAKE_SUBSCRIPTION,
  fakeRegistryExchange,
  offlineTargetLocator,
  recordingMocks,
  recordResourceOptions,
  unwrapSecrets,
  type RecordedCall,
  type RecordedResource,
  type Recorder,
} from "./mocks";

export const SECRET_MASK = "[secret]";
/** An output a preview cannot know yet (never under the recording mocks, which fake every output). */
export const UNKNOWN_MASK = "[unknown]";

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly calls: RecordedCall[];
  /** Stack outputs, resolved; secret ones replaced by [secret]. */
  readonly outputs: Record<string, unknown>;
  /** Warnings the program logged (pulumi.log.warn). */
  readonly warnings: string[];
  /** Plain text of every secret the run handled (config secrets, secret invoke results and outputs), for masking. */
  readonly knownSecrets: string[];
  /** URN of every resource registered or read, sorted: what state is keyed by, so what an upgrade must keep. */
  readonly urns: string[];
}

/** Resolves an output's value (all values are known under mocks). */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => {
    pulumi.output(o).apply((v) => {
      resolve(v as T);
      return v;
    });
  });
}

/**
 * Runs infra/index.ts once under mocks with the given configuration, as the engine does: imports it
 * after the mocks are set, calls the function it exports and awaits the outputs. A second run in the
 * same module registry needs a fresh registry.
 */
export async function runProgram(options: {
  config: Record<string, string>;
  secretKeys: string[];
  stack: string;
  preview: boolean;
  now?: Date;
  /** Where to record; pass one to inspect what was registered when the program throws. */
  recorder?: Recorder;
  /** Locations Azure would report for existing resources read by id (see mocks.ts). */
  existingLocations?: Record<string, string>;
  /** Lists `{scope}` entries instead of the program's own lister (ARM with the token invoke), given the ARM endpoint. */
  vnetLister?: (armEndpoint: string) => VnetLister;
  /** Reads the regions of targets given by id; default: `existingLocations` (offline, like every other read under mocks). */
  targetLocator?: (armEndpoint: string) => TargetLocator;
  /** Reads the privateNetworking subnets' VNets instead of the program's own reader (ARM with the token invoke), given the ARM endpoint. */
  networkReader?: (armEndpoint: string) => NetworkReader;
  /** Changes the mocks (a test that makes some outputs unknown, as a real preview of new resources has them). */
  mocks?: (recording: pulumi.runtime.Mocks) => pulumi.runtime.Mocks;
  /** Another program than the stack's (an example), imported once the mocks are set; resolves to its outputs. */
  program?: () => Promise<Record<string, unknown>>;
  /** The project of that program. */
  project?: string;
}): Promise<ProgramRun> {
  const recorder: Recorder = options.recorder ?? { resources: [], calls: [], secretOutputs: [] };
  const warnings: string[] = [];
  const warn = pulumi.log.warn;
  pulumi.log.warn = (message, ...rest) => {
    warnings.push(message);
    return warn(message, ...rest);
  };
  pulumi.runtime.setAllConfig(options.config, options.secretKeys);
  const subscription = options.config["azure-native:subscriptionId"] ?? FAKE_SUBSCRIPTION;
  const mocks = recordingMocks(recorder, subscription, options.existingLocations);
  await pulumi.runtime.setMocks(options.mocks ? options.mocks(mocks) : mocks, options.project ?? PROJECT, options.stack, options.preview);
  const attachOptions = recordResourceOptions(recorder);
  registryLogin.exchange = fakeRegistryExchange;
  const { vnetLister } = options;
  if (vnetLister) targetSelection.lister = (armEndpoint) => vnetLister(armEndpoint);
  const { targetLocator } = options;
  targetSelection.locator = targetLocator ? (armEndpoint) => targetLocator(armEndpoint) : () => offlineTargetLocator(options.existingLocations);
  const { networkReader } = options;
  // Offline unless told how to read: the subnets are reported unchecked rather than read from Azure with a fake token.
  privateNetworkCheck.reader = networkReader
    ? (armEndpoint) => networkReader(armEndpoint)
    : () => ({ virtualNetwork: () => Promise.resolve({ unresolved: "not read offline (no reader given to the mocks)" }) });
  if (options.now) {
    const now = options.now;
    clock.now = () => now;
  }
  let program: Record<string, unknown>;
  try {
    program = options.program ? await options.program() : await (await import("../index.js")).default();
  } finally {
    pulumi.log.warn = warn;
  }
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined) continue;
    const out = pulumi.output(value);
    // In a preview an output of a resource still to be created is unknown: apply would never call back.
    const isKnown = await (out as unknown as { isKnown: Promise<boolean> }).isKnown;
    outputs[key] = (await pulumi.isSecret(out)) ? SECRET_MASK : isKnown ? await valueOf(out) : UNKNOWN_MASK;
  }
  // Wait for every registration and invoke still in flight.
  await pulumi.runtime.disconnect();
  attachOptions();
  const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
  const urns = [...monitor.getRegisteredResources().keys()].sort();
  const knownSecrets = [
    ...options.secretKeys.map((k) => options.config[k]),
    ...recorder.calls.flatMap((c) => secretStrings(c.result)),
    ...(recorder.secretOutputs ?? []),
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
  return { resources: recorder.resources, calls: recorder.calls, outputs, warnings, knownSecrets, urns };
}

/** Every string in an invoke result but labels (`name`): our invokes (SAS, keys, credentials) return secrets. */
function secretStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (typeof v === "object" && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => (k === "name" ? [] : secretStrings(x)));
  }
  return [];
}

/**
 * `a.b[0].c: value` lines, sorted. A secret value is printed as [secret]; inside a secret object
 * (azure-native marks a whole input secret when one field is) the structure is shown and every
 * string holding a known secret is masked.
 */
export function flatten(value: unknown, knownSecrets: readonly string[] = [], prefix = ""): string[] {
  const maskKnown = (v: unknown): unknown => {
    if (typeof v === "string") return knownSecrets.some((s) => v.includes(s)) ? SECRET_MASK : v;
    if (Array.isArray(v)) return v.map(maskKnown);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskKnown(x)]));
    return v;
  };
  const masked = unwrapSecrets(value, (inner) => (typeof inner === "object" && inner !== null ? maskKnown(inner) : SECRET_MASK));
  const lines: string[] = [];
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) lines.push(`${key}: []`);
      v.forEach((x, i) => walk(x, `${key}[${i}]`));
    } else if (typeof v === "object" && v !== null) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0) lines.push(`${key}: {}`);
      for (const [k, x] of entries) walk(x, key ? `${key}.${k}` : k);
    } else if (v !== undefined) {
      lines.push(`${key}: ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
    }
  };
  walk(masked, prefix);
  return lines.sort();
}

/** The options whose effect only shows on Azure: who manages it, replacement order, retention, ordering. */
function optionLines(r: RecordedResource, flowLogNames: ReadonlySet<string>): string[] {
  const lines = r.provider ? [`(provider: ${r.provider})`] : [];
  if (r.options?.deleteBeforeReplace) lines.push("(deleteBeforeReplace: the old one is deleted before its successor is created)");
  if (r.options?.retainOnDelete) lines.push("(retainOnDelete: destroy and removal leave it in Azure)");
  if (r.options?.ignoreChanges.length) lines.push(`(ignoreChanges: ${r.options.ignoreChanges.join(", ")} kept as first deployed)`);
  const flowLogOrder = flowLogNames.has(r.name) ? (r.options?.dependsOn ?? []).filter((d) => flowLogNames.has(d)) : [];
  if (flowLogOrder.length > 0) lines.push(`(after: ${flowLogOrder.join(", ")})`);
  return lines;
}

export function renderPlan(stack: string, run: ProgramRun): string {
  const out: string[] = [
    `Plan of stack "${stack}" (${PROJECT}), computed offline under mocks: nothing was sent to Azure.`,
    "Ids, generated names and keys are faked; [secret] marks a secret value.",
    "",
  ];
  const selections = Object.entries((run.outputs.targetSelections ?? {}) as Record<string, SelectionReport>);
  if (selections.length > 0) {
    out.push(`Target selections (${selections.length}):`);
    for (const [key, s] of selections) {
      const head = `  ${key}: scope ${s.scope}${s.location ? ` (location ${s.location})` : ""}`;
      if ("unresolved" in s) out.push(`${head}: unresolved, ${s.unresolved}`);
      else out.push(`${head}: ${s.vnets.length} VNet(s)`, ...s.vnets.map((id) => `      ${id}`));
    }
    out.push("");
  }
  const resources = [...run.resources].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  const flowLogNames = new Set(resources.filter((r) => r.type === "azure-native:network:FlowLog").map((r) => r.name));
  out.push(`Resources (${resources.length}):`);
  for (const r of resources) {
    if (r.operation === "read") {
      out.push(`  = ${r.type} ${r.name}`, `      adopted (read only, never modified or deleted): ${r.id}`);
      continue;
    }
    out.push(`  + ${r.type} ${r.name}`);
    // Components only group their children; their arguments are shown on the children.
    if (r.custom === false) continue;
    for (const line of optionLines(r, flowLogNames)) out.push(`      ${line}`);
    // A dynamic resource's provider is its serialized code: long, and not what a reviewer reads.
    const inputs = "__provider" in r.inputs ? { ...r.inputs, __provider: "[serialized dynamic provider]" } : r.inputs;
    for (const line of flatten(inputs, run.knownSecrets)) out.push(`      ${line}`);
  }
  const calls = [...run.calls].sort((a, b) => a.token.localeCompare(b.token) || JSON.stringify(a.inputs).localeCompare(JSON.stringify(b.inputs)));
  out.push("", `Invokes (${calls.length}):`);
  for (const c of calls) {
    out.push(`  ${c.token}${c.provider ? ` (provider: ${c.provider})` : ""}`);
    for (const line of flatten(c.inputs, run.knownSecrets)) out.push(`      ${line}`);
  }
  out.push("", "Stack outputs:");
  for (const line of flatten(run.outputs, run.knownSecrets)) out.push(`  ${line}`);
  out.push("", `Warnings (${run.warnings.length}):`);
  for (const w of run.warnings) out.push(`  ${w}`);
  return out.join("\n").split(REPO_ROOT).join("<repo>") + "\n";
}
