// The log scrubber: every line leaves with the configured secrets (intake keys, SAS signatures, raw and
// URL-encoded) and any sig= value replaced, whatever logged them; errors are logged by name, code,
// status and message only.

import type { DestinationStream } from "pino";
import { describe, expect, it } from "vitest";
import { createLogger, createScrubber } from "../../forwarder/log";

const KEY = "intake-key-4d2f9b61-secret";
const SIG = "sR3t+Sig/Value==";

function capture(secrets: readonly string[]) {
  const lines: string[] = [];
  const destination: DestinationStream = { write: (line: string) => void lines.push(line) };
  return { log: createLogger({ level: "info", secrets, destination }), lines };
}

describe("createScrubber", () => {
  it("replaces an intake key wherever it appears", () => {
    const scrub = createScrubber([KEY]);
    expect(scrub(`{"msg":"posting with ${KEY} to intake","again":"${KEY}"}`)).toBe('{"msg":"posting with [REDACTED] to intake","again":"[REDACTED]"}');
  });

  it("replaces the URL-encoded form of a secret too", () => {
    const scrub = createScrubber([SIG]);
    expect(scrub(`url=https://a.blob.core.windows.net/c/b?x=${encodeURIComponent(SIG)}`)).not.toContain(encodeURIComponent(SIG));
    expect(scrub(`raw ${SIG}`)).toBe("raw [REDACTED]");
  });

  it("replaces any sig= value in a URL, even one it was not told about", () => {
    const scrub = createScrubber([]);
    const line = '{"url":"https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=abc%2Bdef%3D&sp=rl","other":"?sig=zzz"}';
    const out = scrub(line);
    expect(out).toBe('{"url":"https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=REDACTED&sp=rl","other":"?sig=REDACTED"}');
    expect(scrub("https://a/c?SIG=Upper")).toBe("https://a/c?SIG=REDACTED");
  });

  it("leaves lines without secrets unchanged", () => {
    const scrub = createScrubber([KEY]);
    expect(scrub('{"msg":"Poll finished.","signal":"SIGTERM"}')).toBe('{"msg":"Poll finished.","signal":"SIGTERM"}');
  });
});

describe("createLogger", () => {
  it("scrubs secrets from messages, fields and errors before they are written", () => {
    const { log, lines } = capture([KEY, SIG]);
    const error = new Error(`request to https://acct.blob.core.windows.net/c?sv=1&sig=${encodeURIComponent(SIG)} failed for key ${KEY}`);
    log.error({ err: error, intakeKey: KEY, url: `https://acct.blob.core.windows.net/c?sig=unlisted` }, `Sending with ${KEY} failed.`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(KEY);
    expect(lines[0]).not.toContain(SIG);
    expect(lines[0]).not.toContain(encodeURIComponent(SIG));
    expect(lines[0]).not.toContain("unlisted");
    const parsed = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(parsed.msg).toBe("Sending with [REDACTED] failed.");
  });

  it("logs an error by type, code, status and message only, not the request it carries", () => {
    const { log, lines } = capture([]);
    const error = Object.assign(new Error("Server failed to authenticate the request."), {
      code: "AuthenticationFailed",
      statusCode: 403,
      request: { headers: { authorization: "SharedKey devstoreaccount1:abcdef" } },
    });
    log.warn({ err: error }, "Listing failed.");
    const parsed = JSON.parse(lines[0]) as { err: Record<string, unknown>; level: string; service: string };
    expect(parsed.err).toEqual({ type: "Error", code: "AuthenticationFailed", statusCode: 403, message: "Server failed to authenticate the request." });
    expect(lines[0]).not.toContain("SharedKey");
    expect(parsed.level).toBe("warn");
    expect(parsed.service).toBe("sekoia-flowlog-forwarder");
  });
});
