// Structured JSON logs (pino). Every line passes a scrubber that removes the configured secrets and any
// SAS signature, so that an error from a library that quotes a URL cannot leak a token.

import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

const SAS_SIGNATURE = /([?&]sig=)[^&"\s\\]+/gi;

export function createScrubber(secrets: readonly string[]): (line: string) => string {
  const needles = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s)]))].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line.replace(SAS_SIGNATURE, "$1REDACTED");
    for (const needle of needles) {
      if (out.includes(needle)) out = out.split(needle).join("[REDACTED]");
    }
    return out;
  };
}

/** Errors are logged by name, code, status and message only: SDK errors carry whole requests otherwise. */
function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; statusCode?: unknown };
  return { type: e.name, code: e.code, statusCode: e.statusCode, message: e.message };
}

export function createLogger(options: { level: string; secrets: readonly string[]; destination?: DestinationStream }): Logger {
  const scrub = createScrubber(options.secrets);
  return pino(
    {
      level: options.level,
      base: { service: "sekoia-flowlog-forwarder" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      hooks: { streamWrite: scrub },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
