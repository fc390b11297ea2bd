// A minimal client for Sekoia.io's intake configuration API (shared/reference/sekoia-api.md), used
// by the SekoiaIntake dynamic provider. One JSON request per call over Node's global fetch, with the
// API key as a bearer token; transient answers (429, 5xx, network errors, timeouts) are retried with
// capped exponential backoff, honouring Retry-After; anything else is returned, and exhausted retries
// throw an Error (sekoiaApiError) that carries Sekoia's own message, the key and intake keys redacted.
//
// Pulumi serializes the dynamic provider's code into the stack state and runs it in another process
// (function serialization): everything here must stay self-contained. No imports, no module-level
// state; only globals (fetch, URL, AbortSignal, setTimeout) and the functions of this file. No classes
// either: the serializer turns `class X extends Error` into a plain function whose instances have no
// message and are no Error (pulumi/pulumi#10974, #15485), so `up` would report an empty error.

/** Retry policy. A Retry-After beyond `maxRetryAfterMs` fails at once: waiting it out is the user's call. */
export const RETRY = { attempts: 5, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 30_000, timeoutMs: 30_000 } as const;

/** An Error with what Sekoia answered; `sekoiaApi` marks it as already explained (not a fetch failure). */
export interface SekoiaApiError extends Error {
  readonly sekoiaApi: true;
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** Sekoia's explanation, redacted; empty when it gave none. */
  readonly sekoiaMessage: string;
  /** Top-level fields of the error body (e.g. entity_uuid), which name what Sekoia rejected. */
  readonly fields: readonly string[];
}

/** A plain Error with the answer's details attached: survives Pulumi's function serialization. */
export function sekoiaApiError(message: string, status: number, sekoiaMessage: string, fields: readonly string[]): SekoiaApiError {
  return Object.assign(new Error(message), { sekoiaApi: true as const, status, sekoiaMessage, fields });
}

export interface SekoiaAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** `{base}{path}` keeping the base's own path, e.g. https://app.fra2.sekoia.io/api + /v1/sic/conf/intakes. */
export function sekoiaUrl(apiUrl: string, path: string): string {
  return `${apiUrl.replace(/\/+$/, "")}${path}`;
}

/** Replaces every occurrence of the given secrets in a text received from Sekoia. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

/** Sekoia's explanation in an error body, whichever of the usual shapes it takes, and the fields it names. */
export function explain(body: unknown, raw: string): { message: string; fields: string[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { message: raw.trim().slice(0, 300), fields: [] };
  const record = body as Record<string, unknown>;
  const text = ["message", "detail", "error", "title"].map((k) => record[k]).find((v) => typeof v === "string" && v !== "");
  const fields = Object.keys(record).filter((k) => !["message", "detail", "error", "title", "code", "status", "errors"].includes(k));
  return { message: typeof text === "string" ? text : JSON.stringify(body).slice(0, 300), fields };
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), if any. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Sends one request (retrying transient failures) and returns the final answer, whatever its status:
 * the caller decides what a 404 means. Throws a SekoiaApiError only when retries are exhausted or a
 * Retry-After is too long. `secrets` are redacted from every message.
 */
export async function sekoiaRequest(
  request: { readonly apiUrl: string; readonly apiKey: string; readonly method: string; readonly path: string; readonly body?: unknown },
  secrets: readonly string[] = [],
): Promise<SekoiaAnswer> {
  const hidden = [request.apiKey, ...secrets];
  const what = `${request.method} ${request.path}`;
  let lastProblem: string;
  for (let attempt = 1; ; attempt++) {
    let waitMs = Math.min(RETRY.maxDelayMs, RETRY.baseDelayMs * 2 ** (attempt - 1));
    try {
      const response = await fetch(sekoiaUrl(request.apiUrl, request.path), {
        method: request.method,
        headers: {
          authorization: `Bearer ${request.apiKey}`,
          accept: "application/json",
          ...(request.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(RETRY.timeoutMs),
      });
      const raw = await response.text();
      let body: unknown = undefined;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        body = undefined;
      }
      if (response.status !== 429 && response.status < 500) return { status: response.status, body: body ?? raw };
      const { message, fields } = explain(body, raw);
      const sekoiaMessage = redact(message, hidden);
      lastProblem = `${response.status}${sekoiaMessage ? `: ${sekoiaMessage}` : ""}`;
      const asked = retryAfterMs(response.headers.get("retry-after"), Date.now());
      if (asked !== undefined && asked > RETRY.maxRetryAfterMs) {
        throw sekoiaApiError(
          `Sekoia API ${what}: rate limited (${lastProblem}); it asks to wait ${Math.ceil(asked / 1000)} s, more than ${RETRY.maxRetryAfterMs / 1000} s: run the operation again later.`,
          response.status,
          sekoiaMessage,
          fields,
        );
      }
      if (asked !== undefined) waitMs = asked;
      if (attempt === RETRY.attempts) {
        throw sekoiaApiError(
          `Sekoia API ${what}: still failing after ${RETRY.attempts} attempts (${lastProblem}); run the operation again later.`,
          response.status,
          sekoiaMessage,
          fields,
        );
      }
    } catch (error) {
      if ((error as Partial<SekoiaApiError>).sekoiaApi === true) throw error;
      // fetch failed: no answer (connection refused or reset, DNS, timeout). The message names no secret.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      lastProblem = redact(`${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, hidden);
      if (attempt === RETRY.attempts) {
        throw sekoiaApiError(
          `Sekoia API ${what}: no answer from ${sekoiaUrl(request.apiUrl, "")} after ${RETRY.attempts} attempts (${lastProblem}); check sekoiaApiUrl and the network.`,
          0,
          "",
          [],
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
