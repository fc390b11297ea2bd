// The decisions of the acceptance tier (`npm run test:azure`), kept free of Azure and Pulumi calls
// so that npm test checks them: which mode runs and which credential is missing, whether an
// up/preview changed anything, and the wait loop every step goes through (it says what it waits for
// and how long).
import type { OpMap } from "@pulumi/pulumi/automation";
import { PRIVATE_SETTINGS } from "./private-mode";

/** The runs: public; private (private-mode.ts); events, the public run with two replicas (event-mode.ts). */
export const ACCEPTANCE_MODES = ["public", "private", "events"] as const;
export type AcceptanceMode = (typeof ACCEPTANCE_MODES)[number];

/** ACCEPTANCE_MODE, `public` when unset; anything else is refused, listing the modes. */
export function acceptanceMode(env: NodeJS.ProcessEnv): AcceptanceMode {
  const mode = env.ACCEPTANCE_MODE?.trim() || "public";
  const known = ACCEPTANCE_MODES.find((m) => m === mode);
  if (known === undefined) throw new Error(`ACCEPTANCE_MODE: found "${mode}", expected public (default), private or events`);
  return known;
}

/** What the run needs, each with what to set when it is missing. */
export const REQUIRED_SETTINGS: ReadonlyArray<{ readonly name: string; readonly present: (env: NodeJS.ProcessEnv) => boolean; readonly fix: string }> = [
  {
    name: "ACCEPTANCE_SUBSCRIPTION_ID",
    present: (env) => /^[0-9a-f-]{36}$/i.test(env.ACCEPTANCE_SUBSCRIPTION_ID ?? ""),
    fix: "set ACCEPTANCE_SUBSCRIPTION_ID to the GUID of a subscription the run may create and delete resource groups in",
  },
  {
    name: "Pulumi backend",
    present: (env) => Boolean(env.PULUMI_ACCESS_TOKEN || env.PULUMI_BACKEND_URL),
    fix: "set PULUMI_ACCESS_TOKEN (Pulumi Cloud) or PULUMI_BACKEND_URL (e.g. file://~/.pulumi-acceptance) and PULUMI_CONFIG_PASSPHRASE",
  },
  {
    name: "Pulumi passphrase",
    present: (env) => !env.PULUMI_BACKEND_URL || env.PULUMI_ACCESS_TOKEN !== undefined || env.PULUMI_CONFIG_PASSPHRASE !== undefined,
    fix: "set PULUMI_CONFIG_PASSPHRASE (a self-managed backend encrypts the stack's secrets with it)",
  },
  {
    name: "Sekoia intake keys",
    present: (env) => Boolean(env.SEKOIA_VNET_INTAKE_KEY),
    fix: 'set SEKOIA_VNET_INTAKE_KEY to the key of a Sekoia intake of format "Azure Network Watcher Flow Logs" (the fixture\'s own sink is not built yet)',
  },
];

/** Every missing setting, as "<name>: <fix>" (private mode's too, with ACCEPTANCE_MODE=private); empty when the run may start. */
export function missingSettings(env: NodeJS.ProcessEnv): string[] {
  const missing = REQUIRED_SETTINGS.filter((s) => !s.present(env)).map((s) => `${s.name}: ${s.fix}`);
  let mode: AcceptanceMode;
  try {
    mode = acceptanceMode(env);
  } catch (error) {
    return [...missing, (error as Error).message];
  }
  return mode === "private" ? [...missing, ...PRIVATE_SETTINGS.filter((s) => !s.present(env)).map((s) => `${s.name}: ${s.fix}`)] : missing;
}

/** Operations of an up or preview summary that change something (everything but "same"), by count. */
export function changesOf(summary: OpMap | undefined): Record<string, number> {
  if (summary === undefined) throw new Error("The update reported no resource changes summary: cannot tell whether it changed anything");
  return Object.fromEntries(Object.entries(summary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0)) as Record<string, number>;
}

/** Throws, listing the operations, when a second up or preview was not a no-op (a perpetual diff). */
export function assertNoChange(step: string, summary: OpMap | undefined): void {
  const changes = changesOf(summary);
  const list = Object.entries(changes).map(([op, n]) => `${n} ${op}`);
  if (list.length > 0) throw new Error(`${step} changed ${list.join(", ")}: every later up must be a no-op (run pulumi preview --diff to see what)`);
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes. Prints what it waits
 * for when it starts and how long it waited when it ends, either way. A throwing check is retried
 * (Azure answers errors while things come up) and its last error is named on timeout.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = now();
  const seconds = () => Math.round((now() - started) / 1000);
  log(`waiting for ${what} (at most ${Math.round(options.timeoutMs / 1000)} s)`);
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await check();
      if (value !== undefined) {
        log(`${what}: after ${seconds()} s (${attempt} ${attempt === 1 ? "check" : "checks"})`);
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (now() - started >= options.timeoutMs) {
      const last = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      log(`${what}: gave up after ${seconds()} s`);
      throw new Error(`Timed out after ${seconds()} s waiting for ${what}${last}`);
    }
    await sleep(options.intervalMs);
  }
}

/** A row of `az monitor log-analytics query`: every value as text. */
export type LogRow = Readonly<Record<string, unknown>>;

/**
 * What the "flow logs stopped" rule's query says, read in the real workspace: undefined when every flow
 * log writes where the rule looks (no row), else which account misses which flow logs.
 */
export function silentAccounts(rows: readonly LogRow[]): string | undefined {
  if (rows.length === 0) return undefined;
  return rows
    .map(
      (r) =>
        `${String(r.AccountName)}: ${String(r.writing ?? 0)} of ${String(r.flowLogs)} flow log(s) writing${r.silentRoots ? ` (silent: ${String(r.silentRoots)})` : ""}`,
    )
    .join("; ");
}

/** The sum of `tuplesSent` over forwarderLogQuery's rows (the forwarder's lines, where the no-delivery rule looks). */
export function tuplesSent(rows: readonly LogRow[]): number {
  return rows.reduce((sum, r) => sum + (Number(r.tuplesSent) || 0), 0);
}
