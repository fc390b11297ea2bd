// infra/sekoia-intake.ts: sekoiaIntakeProvider against the loopback Sekoia configuration API, for
// every operation (create, read, update, replace, delete, diff, check) and every failure: bad or
// under-privileged key, unknown entity, invalid fields, rate limits, 5xx, resets, an intake deleted
// in the console. No API key or intake key ever appears in an error.
import { afterEach, describe, expect, it } from "vitest";
import { RETRY } from "../../../infra/sekoia/sekoia-api-client";
import { sekoiaIntakeProvider as provider, type SekoiaIntakeInputs, type SekoiaIntakeOutputs } from "../../../infra/sekoia/sekoia-intake";
import { API_KEY, COMMUNITY, ENTITY, NSG_FORMAT, READ_ONLY_API_KEY, SekoiaApiServer, VNET_FORMAT, type SekoiaApiOptions } from "../../helpers/sekoia-api";

let api: SekoiaApiServer | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function start(options: SekoiaApiOptions = {}): Promise<SekoiaApiServer> {
  api = await SekoiaApiServer.start(options);
  return api;
}

const inputsFor = (server: SekoiaApiServer, extra: Partial<SekoiaIntakeInputs> = {}): SekoiaIntakeInputs => ({
  apiUrl: server.url,
  apiKey: API_KEY,
  name: "azure-flowlogs-test-vnet",
  formatUuid: VNET_FORMAT,
  entityUuid: ENTITY,
  ...extra,
});

/** The error an operation fails with; fails the test if it succeeds. */
async function failureOf(operation: Promise<unknown>): Promise<string> {
  const message = await operation.then(
    () => undefined,
    (error: unknown) => (error as Error).message,
  );
  if (message === undefined) throw new Error("expected the operation to fail");
  // Whatever went wrong, no credential is in the message.
  expect(message).not.toContain(API_KEY);
  expect(message).not.toContain(READ_ONLY_API_KEY);
  for (const intake of api?.intakes.values() ?? []) if (intake.intake_key) expect(message).not.toContain(intake.intake_key);
  return message;
}

const routes = (server: SekoiaApiServer) => server.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, "{uuid}")} ${r.status}`);

describe("create", () => {
  it("creates the intake, initialises its settings and returns its uuid and key once configured", async () => {
    const server = await start();
    const { id, outs } = await provider.create(inputsFor(server));
    const stored = server.intakes.get(id)!;
    expect(stored).toMatchObject({ name: "azure-flowlogs-test-vnet", format_uuid: VNET_FORMAT, entity_uuid: ENTITY, configured: true });
    expect(outs).toEqual({ ...inputsFor(server), uuid: id, intakeKey: stored.intake_key });
    expect(routes(server)).toEqual(["POST /v1/sic/conf/intakes 201", "PATCH /v1/sic/conf/intakes/{uuid}/settings 200", "GET /v1/sic/conf/intakes/{uuid} 200"]);
    expect(server.requests[0].body).toMatchObject({ configured: false, intake_key: null });
  });

  it("reads again until Sekoia shows the intake configured", async () => {
    const server = await start({ configureLagReads: 2 });
    const { id, outs } = await provider.create(inputsFor(server));
    expect(outs!.intakeKey).toBe(server.intakes.get(id)!.intake_key);
    expect(routes(server).filter((r) => r.startsWith("GET"))).toHaveLength(3);
  });

  it("keeps the path of a regional base and sends the community when given", async () => {
    const server = await start({ basePath: "/api" });
    const { id } = await provider.create(inputsFor(server, { communityUuid: COMMUNITY.toUpperCase(), apiUrl: `${server.url}/` }));
    expect(server.intakes.get(id)!.community_uuid).toBe(COMMUNITY);
    expect(server.requests[0].path).toBe("/api/v1/sic/conf/intakes");
  });

  it("fails on a base without the region's path prefix, naming sekoiaApiUrl", async () => {
    const server = await start({ basePath: "/api" });
    const message = await failureOf(provider.create(inputsFor(server, { apiUrl: `http://127.0.0.1:${server.port}` })));
    expect(message).toMatch(/^Sekoia answered 404 to creating intake "azure-flowlogs-test-vnet": No route POST \/v1\/sic\/conf\/intakes\./);
    expect(message).toContain("sekoiaApiUrl is your region's API base");
  });

  it("fails on a bad API key with Sekoia's message, naming sekoiaApiKey, even when Sekoia echoes the key", async () => {
    const server = await start({ echoKeyInErrors: true });
    const message = await failureOf(provider.create(inputsFor(server, { apiKey: "not-the-key-0000" })));
    expect(message).toBe(
      'Sekoia answered 401 to creating intake "azure-flowlogs-test-vnet": Invalid API key [redacted]. ' +
        "The API key is not valid: set one with `pulumi config set --secret sekoiaApiKey <key>`.",
    );
    expect(server.intakes.size).toBe(0);
  });

  it("fails on a key without the intake permission, saying which permission and naming sekoiaApiKey", async () => {
    const server = await start();
    const message = await failureOf(provider.create(inputsFor(server, { apiKey: READ_ONLY_API_KEY })));
    expect(message).toContain("Sekoia answered 403 to creating intake");
    expect(message).toContain("lacks the permission SIC_WRITE_INTAKES");
    expect(message).toMatch(/intake-management permission.*sekoiaApiKey/);
  });

  it("fails on an unknown entity or community, naming sekoiaEntityUuid and sekoiaCommunityUuid", async () => {
    const server = await start();
    const entity = await failureOf(provider.create(inputsFor(server, { entityUuid: "11111111-2222-4333-8444-555555555555" })));
    expect(entity).toMatch(
      /^Sekoia answered 404 to creating intake .*: Entity 11111111-2222-4333-8444-555555555555 not found\. Check sekoiaEntityUuid \(GET <sekoiaApiUrl>\/v1\/sic\/conf\/entities lists the entities\)/,
    );
    const community = await failureOf(provider.create(inputsFor(server, { communityUuid: "11111111-2222-4333-8444-555555555555" })));
    expect(community).toMatch(/Community 11111111-.* not found\. Check sekoiaEntityUuid .*, sekoiaCommunityUuid, and that sekoiaApiUrl/);
    expect(server.intakes.size).toBe(0);
  });

  it("fails on fields Sekoia rejects, naming what sets them", async () => {
    const server = await start();
    const format = await failureOf(provider.create(inputsFor(server, { formatUuid: "11111111-2222-4333-8444-555555555555" })));
    expect(format).toBe(
      'Sekoia answered 400 to creating intake "azure-flowlogs-test-vnet": Invalid intake: format_uuid: Unknown intake format.. ' +
        "Check the intake format (fixed by the program per kind of flow log).",
    );
    const name = await failureOf(provider.create(inputsFor(server, { name: "x".repeat(101) })));
    expect(name).toMatch(/Sekoia answered 400 .*name: Longer than maximum length 100\.\. Check sekoiaIntakeName\.$/);
  });

  it("deletes the half-made intake when a step after the POST fails, and says so", async () => {
    const server = await start({
      fault: (_n, method, path) => (method === "PATCH" && path.endsWith("/settings") ? { status: 403, body: { message: "settings denied" } } : undefined),
    });
    const message = await failureOf(provider.create(inputsFor(server)));
    expect(message).toMatch(
      /^Sekoia answered 403 to initialising the settings of intake [0-9a-f-]{36}: settings denied\. .* The intake was deleted again; nothing was left behind\.$/,
    );
    expect(server.intakes.size).toBe(0);
    expect(routes(server).at(-1)).toBe("DELETE /v1/sic/conf/intakes/{uuid} 204");
  });

  it("gives up when Sekoia never shows the intake configured, within bounded reads, and cleans up", async () => {
    const server = await start({ configureLagReads: 1_000 });
    const message = await failureOf(provider.create(inputsFor(server)));
    expect(message).toMatch(/^Sekoia intake [0-9a-f-]{36} is still not configured after 6 reads; run `pulumi up` again later\. The intake was deleted again/);
    expect(routes(server).filter((r) => r.startsWith("GET"))).toHaveLength(6);
    expect(server.intakes.size).toBe(0);
  });
});

describe("transient errors", () => {
  it("retries 5xx answers and a reset connection, creating one intake", async () => {
    const server = await start({ fault: (n) => (n === 1 ? { status: 503 } : n === 2 ? { reset: true } : n === 3 ? { status: 502 } : undefined) });
    const { id } = await provider.create(inputsFor(server));
    expect([...server.intakes.keys()]).toEqual([id]);
    expect(server.requests.slice(0, 4).map((r) => r.status)).toEqual([503, "reset", 502, 201]);
  });

  it("waits as long as a 429's Retry-After asks before retrying", async () => {
    const server = await start({ fault: (n) => (n === 2 ? { status: 429, retryAfter: "1" } : undefined) });
    await provider.create(inputsFor(server));
    expect(server.requests.map((r) => r.status)).toEqual([201, 429, 200, 200]);
    expect(server.earlyRetries).toBe(0);
  });

  it("fails at once when Retry-After asks for longer than it may wait", async () => {
    const server = await start({ fault: () => ({ status: 429, retryAfter: "3600" }) });
    const message = await failureOf(provider.create(inputsFor(server)));
    expect(message).toBe(
      "Sekoia API POST /v1/sic/conf/intakes: rate limited (429: injected fault); it asks to wait 3600 s, more than 30 s: run the operation again later.",
    );
    expect(server.requests).toHaveLength(1);
  });

  it("fails after a bounded number of attempts when the errors persist", async () => {
    const server = await start({ fault: () => ({ status: 500, body: { message: "upstream down" } }) });
    const message = await failureOf(provider.create(inputsFor(server)));
    expect(message).toBe(
      `Sekoia API POST /v1/sic/conf/intakes: still failing after ${RETRY.attempts} attempts (500: upstream down); run the operation again later.`,
    );
    expect(server.requests).toHaveLength(RETRY.attempts);
  });

  it("fails after bounded attempts when nothing answers, naming sekoiaApiUrl", async () => {
    const server = await start();
    const inputs = inputsFor(server);
    await server.stop();
    const message = await failureOf(provider.create(inputs));
    expect(message).toMatch(
      /^Sekoia API POST \/v1\/sic\/conf\/intakes: no answer from http:\/\/127\.0\.0\.1:\d+ after 5 attempts \(TypeError: ECONNREFUSED\); check sekoiaApiUrl and the network\.$/,
    );
  });
});

describe("read, update, replace, delete", () => {
  async function created(options: SekoiaApiOptions = {}): Promise<{ server: SekoiaApiServer; id: string; outs: SekoiaIntakeOutputs }> {
    const server = await start(options);
    const { id, outs } = await provider.create(inputsFor(server));
    return { server, id, outs: outs! };
  }

  it("read refreshes name and key from Sekoia; a console rename shows as a change that update reverts", async () => {
    const { server, id, outs } = await created();
    server.renameInConsole(id, "renamed-in-console");
    server.intakes.get(id)!.intake_key = "rotated-in-console-0123456789";
    const read = await provider.read!(id, outs);
    expect(read).toEqual({ id, props: { ...outs, name: "renamed-in-console", intakeKey: "rotated-in-console-0123456789" } });
    const diff = await provider.diff!(id, read.props!, inputsFor(server));
    expect(diff).toEqual({ changes: true, replaces: [] });
    const { outs: updated } = await provider.update!(id, read.props!, inputsFor(server));
    expect(server.intakes.get(id)!.name).toBe("azure-flowlogs-test-vnet");
    expect(updated).toEqual({ ...outs, intakeKey: "rotated-in-console-0123456789" });
  });

  it("read reports an intake deleted in the console as gone, so refresh and up recreate it", async () => {
    const { server, id, outs } = await created();
    server.deleteInConsole(id);
    expect(await provider.read!(id, outs)).toEqual({ id: "" });
  });

  it("read fails on a revoked key, naming sekoiaApiKey", async () => {
    const { id, outs } = await created();
    const message = await failureOf(provider.read!(id, { ...outs, apiKey: "revoked-key-000000" }));
    expect(message).toMatch(/^Sekoia answered 401 to reading intake [0-9a-f-]{36}: Invalid API key\. .*sekoiaApiKey/);
  });

  it("update renames in place: same uuid, same key, one PATCH", async () => {
    const { server, id, outs } = await created();
    const news = inputsFor(server, { name: "azure-flowlogs-prod-vnet" });
    expect(await provider.diff!(id, outs, news)).toEqual({ changes: true, replaces: [] });
    const { outs: updated } = await provider.update!(id, outs, news);
    expect(updated).toEqual({ ...outs, name: "azure-flowlogs-prod-vnet" });
    expect(server.intakes.get(id)!.name).toBe("azure-flowlogs-prod-vnet");
    expect(routes(server).slice(3)).toEqual(["PATCH /v1/sic/conf/intakes/{uuid} 200", "GET /v1/sic/conf/intakes/{uuid} 200"]);
  });

  it("update of an intake deleted in the console fails, saying to refresh", async () => {
    const { server, id, outs } = await created();
    server.deleteInConsole(id);
    const message = await failureOf(provider.update!(id, outs, inputsFor(server, { name: "new-name" })));
    expect(message).toMatch(
      /^Sekoia answered 404 to renaming intake .*: Intake [0-9a-f-]{36} not found\. The intake no longer exists in Sekoia: run `pulumi refresh`, then `pulumi up` creates it again\.$/,
    );
  });

  it("update with an invalid name fails with Sekoia's message, naming sekoiaIntakeName", async () => {
    const { server, id, outs } = await created();
    const message = await failureOf(provider.update!(id, outs, inputsFor(server, { name: "y".repeat(101) })));
    expect(message).toMatch(/Sekoia answered 400 to renaming intake .*Longer than maximum length 100.*Check sekoiaIntakeName\.$/);
  });

  it("update with a new API key only re-reads the intake with it", async () => {
    const { server, id, outs } = await created();
    const rotated = await failureOf(provider.update!(id, outs, inputsFor(server, { apiKey: "a-key-sekoia-does-not-know" })));
    expect(rotated).toContain("sekoiaApiKey");
    expect(routes(server).slice(3)).toEqual(["GET /v1/sic/conf/intakes/{uuid} 401"]);
  });

  it("diff replaces on a new format, entity, community or API base, and reports nothing for identical inputs", async () => {
    const { server, id, outs } = await created();
    const same = inputsFor(server);
    expect(await provider.diff!(id, outs, same)).toEqual({ changes: false, replaces: [] });
    expect(await provider.diff!(id, outs, { ...same, apiUrl: `${same.apiUrl}/`, entityUuid: ENTITY.toUpperCase() })).toEqual({ changes: false, replaces: [] });
    expect(await provider.diff!(id, outs, { ...same, communityUuid: "" })).toEqual({ changes: false, replaces: [] });
    expect(await provider.diff!(id, outs, { ...same, formatUuid: NSG_FORMAT })).toEqual({ changes: true, replaces: ["formatUuid"] });
    expect(await provider.diff!(id, outs, { ...same, entityUuid: COMMUNITY, communityUuid: COMMUNITY })).toEqual({
      changes: true,
      replaces: ["entityUuid", "communityUuid"],
    });
    expect(await provider.diff!(id, outs, { ...same, apiUrl: "https://app.fra2.sekoia.io/api" })).toEqual({ changes: true, replaces: ["apiUrl"] });
    expect(await provider.diff!(id, outs, { ...same, apiKey: "another-key" })).toEqual({ changes: true, replaces: [] });
  });

  it("a replacement creates the new intake; deleting the old one leaves only the new", async () => {
    const { server, id, outs } = await created();
    const { id: next, outs: nextOuts } = await provider.create(inputsFor(server, { formatUuid: NSG_FORMAT }));
    await provider.delete!(id, outs);
    expect([...server.intakes.keys()]).toEqual([next]);
    expect(server.intakes.get(next)!.format_uuid).toBe(NSG_FORMAT);
    expect(nextOuts!.intakeKey).not.toBe(outs.intakeKey);
  });

  it("delete removes the intake and accepts one already gone", async () => {
    const { server, id, outs } = await created();
    await provider.delete!(id, outs);
    expect(server.intakes.size).toBe(0);
    await provider.delete!(id, outs);
    expect(routes(server).slice(-2)).toEqual(["DELETE /v1/sic/conf/intakes/{uuid} 204", "DELETE /v1/sic/conf/intakes/{uuid} 404"]);
  });

  it("delete fails on a key without the permission, and the intake stays", async () => {
    const { server, id, outs } = await created();
    const message = await failureOf(provider.delete!(id, { ...outs, apiKey: READ_ONLY_API_KEY }));
    expect(message).toMatch(/^Sekoia answered 403 to deleting intake .*sekoiaApiKey\.$/);
    expect(server.intakes.has(id)).toBe(true);
  });
});

describe("check", () => {
  it("normalizes valid inputs", async () => {
    const result = await provider.check!({} as SekoiaIntakeInputs, {
      apiUrl: "https://app.fra2.sekoia.io/api/",
      apiKey: API_KEY,
      name: " prod-vnet ",
      formatUuid: VNET_FORMAT.toUpperCase(),
      entityUuid: ENTITY,
      communityUuid: "",
    });
    expect(result).toEqual({
      inputs: { apiUrl: "https://app.fra2.sekoia.io/api", apiKey: API_KEY, name: "prod-vnet", formatUuid: VNET_FORMAT, entityUuid: ENTITY },
      failures: [],
    });
  });

  it("names the configuration key of each invalid input, never showing the API key", async () => {
    const result = await provider.check!({} as SekoiaIntakeInputs, {
      apiUrl: "api.sekoia.io",
      apiKey: " ",
      name: "",
      formatUuid: "nsg",
      entityUuid: "my-entity",
      communityUuid: "x",
    });
    expect(result.failures).toEqual([
      { property: "apiUrl", reason: 'sekoiaApiUrl: found "api.sekoia.io", expected the Sekoia API base URL, e.g. https://api.sekoia.io' },
      { property: "apiKey", reason: "sekoiaApiKey: found a value, expected a Sekoia API key with the intake-management permission" },
      { property: "name", reason: 'sekoiaIntakeName: found "", expected an intake name of 1 to 100 characters' },
      {
        property: "formatUuid",
        reason: 'the intake format (fixed by the program per kind of flow log): found "nsg", expected the uuid of a Sekoia intake format',
      },
      { property: "entityUuid", reason: 'sekoiaEntityUuid: found "my-entity", expected the uuid of a Sekoia entity' },
      { property: "communityUuid", reason: 'sekoiaCommunityUuid: found "x", expected the uuid of a Sekoia community, or nothing' },
    ]);
  });

  it("accepts values not known yet during a preview", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const result = await provider.check!({} as SekoiaIntakeInputs, {
      apiUrl: unknown,
      apiKey: unknown,
      name: unknown,
      formatUuid: VNET_FORMAT,
      entityUuid: unknown,
    });
    expect(result.failures).toEqual([]);
  });
});
