// Reads one collection of Azure Resource Manager (`GET <list URL>`, every page), for target
// selection's listings (vnet-lister.ts), or one resource (target-locations.ts). Pages are followed
// through `nextLink`, which must stay on the same endpoint: the deploying identity's token is never
// sent to another host. ARM throttles (429) and has transient failures, and one failed listing stops
// the whole `pulumi up`, so those are retried a bounded number of times with capped backoff, never
// sooner than `Retry-After`.
//
// No proxy: Node's fetch ignores HTTPS_PROXY, and undici's EnvHttpProxyAgent is not a dependency of
// this project (docs/deployment.md#prerequisites).

/** A listing that failed; the message says what to fix, the caller prefixes the config key. */
export class ArmListError extends Error {
  constructor(
    message: string,
    /** ARM's status when it answered with an error (undefined: no answer, or one that could not be used). */
    readonly status?: number,
    /** ARM's `code: message` with that status. */
    readonly armText?: string,
  ) {
    super(message);
    this.name = "ArmListError";
  }
}

/** What is listed, for messages: `the VNets of /subscriptions/<guid>`. */
export interface ListSubject {
  /** e.g. `VNets`, `Network Watchers`. */
  readonly what: string;
  /** The subscription, resource group or resource the collection belongs to. */
  readonly scope: string;
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Waits between tries; tests pass one that does not sleep. */
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** Statuses ARM documents as transient (throttling, timeouts, gateway and service errors). */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
const FIRST_WAIT_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A longer Retry-After is cut to this: an `up` that waits minutes in silence looks hung. */
const MAX_WAIT_MS = 60_000;

/** Exponential backoff from 1 s, capped, and at least the `Retry-After` seconds ARM asked for. */
export function retryDelay(retry: number, retryAfter: string | null): number {
  const backoff = Math.min(MAX_BACKOFF_MS, FIRST_WAIT_MS * 2 ** (retry - 1));
  const asked = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1_000 : 0;
  return Math.min(MAX_WAIT_MS, Math.max(backoff, asked));
}

interface ArmError {
  readonly code?: string;
  /** `code: message` from ARM's error body, or the start of the body. */
  readonly text: string;
}

async function armError(response: Response): Promise<ArmError> {
  const body = await response.text();
  try {
    const error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
    if (error?.code || error?.message) return { code: error.code, text: [error.code, error.message].filter(Boolean).join(": ") };
  } catch {
    // Not JSON: the start of the body says enough.
  }
  return { text: body.slice(0, 200) };
}

function failure({ what, scope }: ListSubject, status: number, error: ArmError, attempts: number): ArmListError {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? scope;
  if (status === 409 && error.code === "MissingSubscriptionRegistration") {
    return new ArmListError(
      `subscription ${subscription} has not registered the Microsoft.Network resource provider (409 ${error.text}); ` +
        `register it with \`az provider register --namespace Microsoft.Network --subscription ${subscription}\` ` +
        "(flow logs there also need Microsoft.Insights), then run pulumi up again",
      status,
      error.text,
    );
  }
  switch (status) {
    case 401:
      return new ArmListError(
        `listing the ${what} of ${scope} was refused (401 ${error.text}): the Azure token is not valid here; log in again (az login)`,
        status,
        error.text,
      );
    case 403:
      return new ArmListError(
        `the deploying identity may not list the ${what} of ${scope} (403 ${error.text}); grant it Reader (or Network Contributor) on ${scope}, or select its VNets by id`,
        status,
        error.text,
      );
    case 404:
      return new ArmListError(
        `${scope} does not exist (404 ${error.text}): check the subscription id and resource group name, and that the subscription is in this tenant`,
        status,
        error.text,
      );
    default:
      return new ArmListError(
        `listing the ${what} of ${scope} failed (${status} ${error.text})${TRANSIENT.has(status) ? ` after ${attempts} attempts` : ""}; ` +
          "run pulumi up again later, or select its VNets by id",
        status,
        error.text,
      );
  }
}

/** Every entry of the collection at `url`, all pages; rejects with an ArmListError. */
export async function listAll(url: string, token: string, subject: ListSubject, retry: RetryPolicy = DEFAULT_RETRY): Promise<unknown[]> {
  const origin = new URL(url).origin;
  const entries: unknown[] = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const page = (await getPage(next, token, subject, retry)) as { value?: unknown; nextLink?: unknown };
    if (Array.isArray(page.value)) entries.push(...(page.value as unknown[]));
    next = typeof page.nextLink === "string" && page.nextLink !== "" ? page.nextLink : undefined;
    if (next !== undefined && new URL(next).origin !== origin) {
      throw new ArmListError(
        `listing the ${subject.what} of ${subject.scope} returned a next page on ${new URL(next).origin}, not ${origin}; the token is not sent there`,
      );
    }
  }
  return entries;
}

/** The one resource at `url` (`GET`, retried as a page is); rejects with an ArmListError carrying ARM's status. */
export async function getResource(url: string, token: string, subject: ListSubject, retry: RetryPolicy = DEFAULT_RETRY): Promise<unknown> {
  return getPage(url, token, subject, retry);
}

async function getPage(url: string, token: string, subject: ListSubject, retry: RetryPolicy): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      if (attempt < retry.attempts) {
        await retry.sleep(retryDelay(attempt, null));
        continue;
      }
      throw new ArmListError(
        `listing the ${subject.what} of ${subject.scope} at ${new URL(url).origin} failed (${(error as Error).message}) after ${attempt} attempts; check armEndpoint and the network`,
      );
    }
    if (response.ok) return response.json();
    if (TRANSIENT.has(response.status) && attempt < retry.attempts) {
      await response.body?.cancel();
      await retry.sleep(retryDelay(attempt, response.headers.get("retry-after")));
      continue;
    }
    throw failure(subject, response.status, await armError(response), attempt);
  }
}
