// The error registry (forwarder/errors.ts) stays complete and honest: every error class of the
// forwarder lives there with a code, every code is raised somewhere in forwarder/, the table of docs/forwarder.md
// documents exactly the registry's codes, and each error blames the dependency readiness should.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  BlobChangedError,
  CheckpointConflictError,
  CheckpointContainerMissingError,
  CheckpointUnavailableError,
  ConfigError,
  ERROR_CODES,
  IntakeKeyRejectedError,
  IntakeUnavailableError,
  ShuttingDownError,
  UsageError,
} from "../../forwarder/errors";

const root = path.resolve(__dirname, "../..");
const errorsFile = path.join(root, "forwarder/errors.ts");
const registry = readFileSync(errorsFile, "utf8");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "dist" ? [] : sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const forwarderFiles = sources(path.join(root, "forwarder")).filter((file) => file !== errorsFile);
const forwarderCode = forwarderFiles.map((file) => readFileSync(file, "utf8")).join("\n");

/** Each error class of errors.ts with the code its constructor passes to ForwarderError. */
function registeredClasses(): Map<string, string> {
  const classes = new Map<string, string>();
  for (const match of registry.matchAll(/class (\w+) extends ForwarderError \{[\s\S]*?super\(\s*"([A-Z_]+)"/g)) classes.set(match[1], match[2]);
  return classes;
}

describe("error registry", () => {
  it("holds every error class of the forwarder", () => {
    const elsewhere = forwarderFiles.filter((file) => /class \w+ extends \w*Error\b/.test(readFileSync(file, "utf8")));
    expect(elsewhere.map((file) => path.relative(root, file))).toEqual([]);
  });

  it("gives each code exactly one class, and each class a code of the registry", () => {
    const codes = [...registeredClasses().values()];
    expect(codes.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("has every code raised somewhere in forwarder/", () => {
    for (const [name, code] of registeredClasses()) expect(forwarderCode, `${code} is raised (new ${name})`).toContain(`new ${name}(`);
  });

  it("has every code documented in docs/forwarder.md, and no other", () => {
    const page = readFileSync(path.join(root, "docs/forwarder.md"), "utf8");
    const table = page.slice(page.indexOf("<!-- error-codes:start -->"), page.indexOf("<!-- error-codes:end -->"));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("blames the dependency that failed, and none for the forwarder's own states", () => {
    expect(new IntakeKeyRejectedError("nsg", 403).dependency).toBe("intake");
    expect(new IntakeUnavailableError("timeout for 300 s").dependency).toBe("intake");
    expect(new CheckpointConflictError("v1/blobs/x.json").dependency).toBe("checkpoints");
    expect(new CheckpointContainerMissingError("http://127.0.0.1/a/checkpoints").dependency).toBe("checkpoints");
    expect(new CheckpointUnavailableError("store x", new Error("socket hang up")).dependency).toBe("checkpoints");
    expect(new ShuttingDownError().dependency).toBeUndefined();
    expect(new BlobChangedError("PT1H.json", false).dependency).toBeUndefined();
    expect(new ConfigError("HEALTH_PORT", 'is "x"', "a port").dependency).toBeUndefined();
    expect(new UsageError("bad", "usage").dependency).toBeUndefined();
  });

  it("names the variable to check when the intake refuses a key", () => {
    expect(new IntakeKeyRejectedError("vnet", 401).message).toBe(
      "The Sekoia intake answered 401 to the VNET intake key; check SEKOIA_VNET_INTAKE_KEY and SEKOIA_INTAKE_URL (region).",
    );
  });
});
