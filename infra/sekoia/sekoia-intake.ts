// A Sekoia.io intake as a Pulumi resource: `sekoiaIntakeProvider` drives Sekoia's configuration API
// (shared/reference/sekoia-api.md) and `SekoiaIntake` registers one intake with it.
//
// create: POST the intake, PATCH its settings (only then does Sekoia issue its key), read it back
// until it shows `configured` with a key; a failure after the POST deletes the half-made intake, so
// a failed create leaves nothing behind. read: refreshes name and key; a 404 reports the intake gone,
// so `pulumi refresh` drops it and the next `up` creates it again. update: renames in place (and
// re-reads the key). A change of API base, format, entity or community replaces the intake
// (create the new one, then delete the old). delete: accepts "already gone".
//
// Pulumi serializes `sekoiaIntakeProvider` into the state and runs it in its dynamic-provider host
// (function serialization): the provider's methods must use only the functions and constants of
// this file and of sekoia-api-client.ts, and globals. Never reference `pulumi`, config, or any
// other module from them. test/infra/sekoia/sekoia-intake-serialization.test.ts runs the serialized form.
import * as pulumi from "@pulumi/pulumi";
import { explain, redact, sekoiaRequest, type SekoiaAnswer } from "./sekoia-api-client";

export interface SekoiaIntakeInputs {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly name: string;
  readonly formatUuid: string;
  readonly entityUuid: string;
  readonly communityUuid?: string;
}

export interface SekoiaIntakeOutputs extends SekoiaIntakeInputs {
  readonly uuid: string;
  readonly intakeKey: string;
}

/** Reads after the settings call before giving up on `configured`, and the pause between two. */
export const CONFIGURE_POLL = { reads: 6, baseDelayMs: 250, maxDelayMs: 2_000 } as const;

const INTAKES = "/v1/sic/conf/intakes";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pulumi's placeholder for a value not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The stack configuration key that sets each input (the format is the program's, per kind of flow log). */
const CONFIG_KEY_OF_INPUT: Readonly<Record<keyof SekoiaIntakeInputs, string>> = {
  apiUrl: "sekoiaApiUrl",
  apiKey: "sekoiaApiKey",
  name: "sekoiaIntakeName",
  formatUuid: "the intake format (fixed by the program per kind of flow log)",
  entityUuid: "sekoiaEntityUuid",
  communityUuid: "sekoiaCommunityUuid",
};
/** Sekoia's field names in request and error bodies -> the input they come from. */
const INPUT_OF_FIELD: Readonly<Record<string, keyof SekoiaIntakeInputs>> = {
  name: "name",
  format_uuid: "formatUuid",
  entity_uuid: "entityUuid",
  community_uuid: "communityUuid",
};
const REPLACING: readonly (keyof SekoiaIntakeInputs)[] = ["apiUrl", "formatUuid", "entityUuid", "communityUuid"];

const ok = (answer: SekoiaAnswer): boolean => answer.status >= 200 && answer.status < 300;
const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(CONFIGURE_POLL.maxDelayMs, CONFIGURE_POLL.baseDelayMs * 2 ** attempt)));
const intakePath = (uuid: string): string => `${INTAKES}/${encodeURIComponent(uuid)}`;

/**
 * The operation's error for a non-2xx answer: Sekoia's message and the configuration key to fix.
 * `fromState`: the operation runs with the inputs recorded at the last `up` (read for refresh, delete
 * for destroy), which never read the configuration: a key set since then is not used until `up` runs.
 */
function failure(doing: string, answer: SekoiaAnswer, inputs: SekoiaIntakeInputs, secrets: readonly string[], gone: string, fromState = false): Error {
  const { message: said, fields } = explain(answer.body, typeof answer.body === "string" ? answer.body : "");
  const message = redact(said, [inputs.apiKey, ...secrets]);
  const head = `Sekoia answered ${answer.status} to ${doing}${message ? `: ${message}` : ""}.`;
  switch (answer.status) {
    case 401:
      if (fromState) {
        return new Error(
          `${head} This operation uses the API key recorded in the stack's state at the last \`pulumi up\`, which Sekoia no longer accepts ` +
            `(rotated or revoked?): set a valid one with \`pulumi config set --secret ${CONFIG_KEY_OF_INPUT.apiKey} <key>\`, ` +
            "run `pulumi up` (it records the new key), then run this again.",
        );
      }
      return new Error(`${head} The API key is not valid: set one with \`pulumi config set --secret ${CONFIG_KEY_OF_INPUT.apiKey} <key>\`.`);
    case 403:
      return new Error(
        `${head} The API key may not manage intakes here: give it the intake-management permission ` +
          `(a workspace-level key in multi-tenant setups), or set another one in ${CONFIG_KEY_OF_INPUT.apiKey}.`,
      );
    case 404:
      return new Error(`${head} ${gone}`);
    default: {
      const named = fields.filter((f) => f in INPUT_OF_FIELD).map((f) => CONFIG_KEY_OF_INPUT[INPUT_OF_FIELD[f]]);
      const keys = named.length > 0 ? named : [CONFIG_KEY_OF_INPUT.entityUuid, CONFIG_KEY_OF_INPUT.communityUuid, CONFIG_KEY_OF_INPUT.name];
      return new Error(`${head} Check ${[...new Set(keys)].join(", ")}.`);
    }
  }
}

/** What to do when Sekoia does not know an intake the stack holds. */
const GONE = "The intake no longer exists in Sekoia: run `pulumi refresh`, then `pulumi up` creates it again.";

async function call(inputs: SekoiaIntakeInputs, method: string, path: string, body?: unknown, secrets: readonly string[] = []): Promise<SekoiaAnswer> {
  return sekoiaRequest({ apiUrl: inputs.apiUrl, apiKey: inputs.apiKey, method, path, body }, secrets);
}

/** Reads the intake until Sekoia shows it configured with a key (it may lag the settings call). */
async function readConfigured(inputs: SekoiaIntakeInputs, uuid: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const answer = await call(inputs, "GET", intakePath(uuid));
    if (!ok(answer)) throw failure(`reading intake ${uuid}`, answer, inputs, [], GONE);
    const intake = answer.body as Record<string, unknown>;
    if (intake.configured === true && typeof intake.intake_key === "string" && intake.intake_key !== "") return intake;
    if (attempt + 1 >= CONFIGURE_POLL.reads) {
      throw new Error(`Sekoia intake ${uuid} is still not configured after ${CONFIGURE_POLL.reads} reads; run \`pulumi up\` again later.`);
    }
    await pause(attempt);
  }
}

/** The resource's state: what was asked for, Sekoia's uuid, the intake's current name and key. */
function outputsOf(inputs: SekoiaIntakeInputs, uuid: string, intake: Record<string, unknown>): SekoiaIntakeOutputs {
  return {
    apiUrl: inputs.apiUrl,
    apiKey: inputs.apiKey,
    name: typeof intake.name === "string" ? intake.name : inputs.name,
    formatUuid: inputs.formatUuid,
    entityUuid: inputs.entityUuid,
    ...(inputs.communityUuid ? { communityUuid: inputs.communityUuid } : {}),
    uuid,
    intakeKey: String(intake.intake_key),
  };
}

/** Inputs in the form the state keeps: no trailing slash on the base, lower-case uuids, no empty community. */
function normalized(inputs: SekoiaIntakeInputs): SekoiaIntakeInputs {
  const uuid = (v: string): string => (v === UNKNOWN ? v : v.trim().toLowerCase());
  const community = typeof inputs.communityUuid === "string" && inputs.communityUuid.trim() !== "" ? uuid(inputs.communityUuid) : undefined;
  return {
    apiUrl: typeof inputs.apiUrl === "string" ? inputs.apiUrl.trim().replace(/\/+$/, "") : inputs.apiUrl,
    apiKey: inputs.apiKey,
    name: typeof inputs.name === "string" ? inputs.name.trim() : inputs.name,
    formatUuid: typeof inputs.formatUuid === "string" ? uuid(inputs.formatUuid) : inputs.formatUuid,
    entityUuid: typeof inputs.entityUuid === "string" ? uuid(inputs.entityUuid) : inputs.entityUuid,
    ...(community ? { communityUuid: community } : {}),
  };
}

export const sekoiaIntakeProvider: pulumi.dynamic.ResourceProvider<SekoiaIntakeInputs, SekoiaIntakeOutputs> = {
  async check(_olds, news) {
    const inputs = normalized(news);
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const known = (v: unknown): boolean => v !== UNKNOWN;
    const expect = (property: keyof SekoiaIntakeInputs, valid: boolean, expected: string) => {
      const value = inputs[property];
      if (known(value) && !valid) {
        const shown = property === "apiKey" ? (value ? "a value" : "nothing") : JSON.stringify(value ?? null);
        failures.push({ property, reason: `${CONFIG_KEY_OF_INPUT[property]}: found ${shown}, expected ${expected}` });
      }
    };
    let url: URL | undefined;
    try {
      url = new URL(inputs.apiUrl);
    } catch {
      url = undefined;
    }
    expect("apiUrl", url !== undefined && (url.protocol === "https:" || url.protocol === "http:"), "the Sekoia API base URL, e.g. https://api.sekoia.io");
    expect("apiKey", typeof inputs.apiKey === "string" && inputs.apiKey.trim() !== "", "a Sekoia API key with the intake-management permission");
    expect("name", typeof inputs.name === "string" && inputs.name !== "" && inputs.name.length <= 100, "an intake name of 1 to 100 characters");
    expect("formatUuid", typeof inputs.formatUuid === "string" && UUID.test(inputs.formatUuid), "the uuid of a Sekoia intake format");
    expect("entityUuid", typeof inputs.entityUuid === "string" && UUID.test(inputs.entityUuid), "the uuid of a Sekoia entity");
    if (inputs.communityUuid !== undefined) expect("communityUuid", UUID.test(inputs.communityUuid), "the uuid of a Sekoia community, or nothing");
    // No undefined values: the dynamic-provider host sends these inputs back through protobuf.
    const { communityUuid: _unset, ...others } = news;
    return { inputs: { ...others, ...inputs }, failures };
  },

  async diff(_id, olds, news) {
    const a = normalized(olds);
    const b = normalized(news);
    const replaces = REPLACING.filter((k) => (a[k] ?? "") !== (b[k] ?? ""));
    const changes = replaces.length > 0 || a.name !== b.name || a.apiKey !== b.apiKey;
    return { changes, replaces };
  },

  async create(news) {
    const inputs = normalized(news);
    const created = await call(inputs, "POST", INTAKES, {
      name: inputs.name,
      format_uuid: inputs.formatUuid,
      entity_uuid: inputs.entityUuid,
      ...(inputs.communityUuid ? { community_uuid: inputs.communityUuid } : {}),
    });
    if (!ok(created)) {
      throw failure(
        `creating intake "${inputs.name}"`,
        created,
        inputs,
        [],
        `Check ${CONFIG_KEY_OF_INPUT.entityUuid} (GET <${CONFIG_KEY_OF_INPUT.apiUrl}>/v1/sic/conf/entities lists the entities)` +
          `${inputs.communityUuid ? `, ${CONFIG_KEY_OF_INPUT.communityUuid}` : ""}, and that ${CONFIG_KEY_OF_INPUT.apiUrl} is your region's API base.`,
      );
    }
    const uuid = (created.body as Record<string, unknown> | undefined)?.uuid;
    if (typeof uuid !== "string" || uuid === "") throw new Error(`Sekoia's answer to creating intake "${inputs.name}" carries no uuid.`);
    try {
      const settings = await call(inputs, "PATCH", `${intakePath(uuid)}/settings`, {});
      if (!ok(settings)) throw failure(`initialising the settings of intake ${uuid}`, settings, inputs, [], GONE);
      return { id: uuid, outs: outputsOf(inputs, uuid, await readConfigured(inputs, uuid)) };
    } catch (error) {
      // Pulumi records nothing for a failed create: remove the half-made intake rather than orphan it.
      const removed = await call(inputs, "DELETE", intakePath(uuid)).then(
        (answer) => ok(answer) || answer.status === 404,
        () => false,
      );
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        removed
          ? `${message} The intake was deleted again; nothing was left behind.`
          : `${message} Intake ${uuid} ("${inputs.name}") could not be deleted again: delete it in Sekoia.`,
        { cause: error },
      );
    }
  },

  async read(id, props) {
    if (!props) throw new Error(`Sekoia intake ${id}: import is not supported; let the stack create its intakes.`);
    const inputs = normalized(props);
    const answer = await call(inputs, "GET", intakePath(id), undefined, [props.intakeKey]);
    // A blank id tells the engine the resource is gone.
    if (answer.status === 404) return { id: "" };
    if (!ok(answer)) throw failure(`reading intake ${id}`, answer, inputs, [props.intakeKey], GONE, true);
    const intake = answer.body as Record<string, unknown>;
    return {
      id,
      props: outputsOf(inputs, id, {
        ...intake,
        intake_key: typeof intake.intake_key === "string" && intake.intake_key !== "" ? intake.intake_key : props.intakeKey,
      }),
    };
  },

  async update(id, olds, news) {
    const inputs = normalized(news);
    if (normalized(olds).name !== inputs.name) {
      const renamed = await call(inputs, "PATCH", intakePath(id), { name: inputs.name }, [olds.intakeKey]);
      if (!ok(renamed)) throw failure(`renaming intake ${id} to "${inputs.name}"`, renamed, inputs, [olds.intakeKey], GONE);
    }
    // Also proves a new API key works, and picks up a key rotated in Sekoia.
    return { outs: outputsOf(inputs, id, await readConfigured(inputs, id)) };
  },

  async delete(id, props) {
    const inputs = normalized(props);
    const answer = await call(inputs, "DELETE", intakePath(id), undefined, [props.intakeKey]);
    if (!ok(answer) && answer.status !== 404) throw failure(`deleting intake ${id}`, answer, inputs, [props.intakeKey], GONE, true);
  },
};

export interface SekoiaIntakeArgs {
  /** Sekoia API base, e.g. https://api.sekoia.io or https://app.fra2.sekoia.io/api. Change replaces. */
  readonly apiUrl: pulumi.Input<string>;
  /** API key with the intake-management permission; kept as a secret. A change re-reads the intake. */
  readonly apiKey: pulumi.Input<string>;
  /** Intake name shown in Sekoia. Change renames in place. */
  readonly name: pulumi.Input<string>;
  /** Intake format uuid (what Sekoia parses the events as). Change replaces. */
  readonly formatUuid: pulumi.Input<string>;
  /** Entity the intake's events are attributed to. Change replaces. */
  readonly entityUuid: pulumi.Input<string>;
  /** Sub-community of a multi-tenant workspace. Default none (the key's own community). Change replaces. */
  readonly communityUuid?: pulumi.Input<string>;
}

export class SekoiaIntake extends pulumi.dynamic.Resource {
  /** Sekoia's id of the intake. */
  declare readonly uuid: pulumi.Output<string>;
  /** The intake's name as Sekoia shows it. */
  declare readonly name: pulumi.Output<string>;
  /** The intake key events are sent with. Secret. */
  declare readonly intakeKey: pulumi.Output<string>;

  constructor(name: string, args: SekoiaIntakeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      sekoiaIntakeProvider,
      name,
      { ...args, apiKey: pulumi.secret(args.apiKey), uuid: undefined, intakeKey: undefined },
      // The state keeps the API key and the intake key: both encrypted.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiKey", "intakeKey"] }),
      "sekoia",
      "Intake",
    );
  }
}
