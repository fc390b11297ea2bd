// test/azure/event-mode.ts: the decisions of the acceptance tier's event-mode run, checked without
// Azure: the config it deploys (which the program accepts), and whether both replicas took work from
// the queue, read by running the exact query text (test/helpers/kql/) on ContainerAppConsoleLogs rows
// shaped like Azure's, holding the forwarder's lines as pino writes them.
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config/stack-config";
import { evaluate, type Row } from "../helpers/kql/evaluate";
import { table } from "../helpers/kql/schemas";
import { describeDeliveries, eventModeShortfall, eventPassQuery, replicasThatDelivered, replicaWork, trafficVms } from "./event-mode";
import { privateStackConfig } from "./private-mode";
import { acceptanceStackConfig } from "./stack-config";

const NOW = new Date("2026-06-01T12:00:00Z");
const APP = "ca-sekoia-flowlogs-1a2b3c";
const A = `${APP}--r1-7d9f8c6b5-abcde`;
const B = `${APP}--r1-7d9f8c6b5-fghij`;

/** A ContainerAppConsoleLogs row holding one line the forwarder wrote on replica (pod) `replica`. */
function line(replica: string, fields: Record<string, unknown>, app = APP): Row {
  const log = { level: "info", time: NOW.toISOString(), service: "sekoia-flowlog-forwarder", ...fields };
  return {
    TimeGenerated: NOW,
    ContainerAppName: app,
    ContainerGroupName: replica,
    ContainerName: "forwarder",
    RevisionName: `${APP}--r1`,
    Stream: "stdout",
    Log: JSON.stringify(log),
  };
}

const report = (tuplesSent: number) => ({ blobsRead: tuplesSent > 0 ? 1 : 0, tuplesRead: tuplesSent, tuplesSent, bytesRead: tuplesSent * 90, failures: 0 });
/** The end of an event pass, as Poller.forwardChanges logs it. */
const eventPass = (replica: string, tuplesSent: number, app = APP) =>
  line(replica, { ...report(tuplesSent), mode: "events", blobsChanged: 1, messages: 2, durationMs: 140, msg: "Poll finished." }, app);
/** The end of a reconciliation listing, as Poller.poll logs it (no mode; a standby replica's sends nothing). */
const listing = (replica: string, tuplesSent: number) =>
  line(replica, { ...report(tuplesSent), changedWhileReading: 0, standby: tuplesSent > 0 ? 0 : 1, durationMs: 900, msg: "Poll finished." });

/** eventPassQuery's rows over these lines, evaluated as Log Analytics would. */
const rowsOf = (lines: Row[]) => evaluate(eventPassQuery(APP), { ContainerAppConsoleLogs: table("ContainerAppConsoleLogs", lines) }, NOW).rows;

describe("the event-mode run's stack config", () => {
  const SUB = "6d3b1f2a-8c4e-4b7a-9f21-3e5c7a9d0b14";
  const vnetId = `/subscriptions/${SUB}/resourceGroups/acceptance/providers/Microsoft.Network/virtualNetworks/vnet`;
  const fixture = { location: "westeurope", subscriptionId: SUB, vnetId };
  const env = { SEKOIA_VNET_INTAKE_KEY: "key" };
  const base = acceptanceStackConfig("public", fixture, env, NOW);
  const raw = (config: Record<string, { value: string }>) => Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]));

  it("adds two replicas to the public run's config, which the program takes as event mode", () => {
    const config = acceptanceStackConfig("events", fixture, env, NOW);
    expect(config).toMatchObject(base);
    expect(parseStackConfig(raw(config), NOW).config.forwarderScale).toEqual({ minReplicas: 2, maxReplicas: 2, eventMode: true });
  });

  it("gives the fixture a traffic VM per replica, so the flow log writes a blob an hour for each", () => {
    expect(trafficVms("events")).toBe(2);
    expect(trafficVms("public")).toBe(1);
    expect(trafficVms("private")).toBe(1);
  });

  it("cannot ride on the private run: the program refuses event mode with privateNetworking", () => {
    const privateEnv = {
      ACCEPTANCE_FORWARDER_IMAGE: `acracceptance.azurecr.io/sekoia-flowlogs-forwarder@sha256:${"c".repeat(64)}`,
      ACCEPTANCE_FORWARDER_REGISTRY_ID: `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acracceptance`,
    };
    expect(() => parseStackConfig(raw(privateStackConfig(acceptanceStackConfig("events", fixture, env, NOW), vnetId, privateEnv)), NOW)).toThrow(
      /forwarderScale: found maxReplicas 2 while privateNetworking is set/,
    );
  });
});

describe("reading which replicas took work from the queue", () => {
  it("sums tuplesSent per replica and kind of pass, from the app's Poll finished lines only", () => {
    const rows = rowsOf([
      eventPass(A, 300),
      eventPass(A, 512),
      listing(A, 100),
      eventPass(B, 40),
      listing(B, 0),
      eventPass(B, 999, "ca-other-app"),
      line(A, { tuplesSent: 5000, msg: "Blob not forwarded completely; the next poll resumes from its checkpoint." }),
      { ...line(B, {}), Log: "Listening on :8080" },
    ]);
    expect(replicaWork(rows)).toEqual([
      { replica: A, eventPasses: 2, eventTuples: 812, listingPasses: 1, listingTuples: 100 },
      { replica: B, eventPasses: 1, eventTuples: 40, listingPasses: 1, listingTuples: 0 },
    ]);
    expect(describeDeliveries(replicasThatDelivered(rows))).toBe(`${A}: 812 tuples, ${B}: 40 tuples`);
    expect(eventModeShortfall(rows)).toBeUndefined();
  });

  it("evaluates before the table exists, and then has seen no replica", () => {
    const rows = evaluate(eventPassQuery(APP), {}, NOW).rows;
    expect(rows).toEqual([]);
    expect(eventModeShortfall(rows)).toBe('event mode: no replica logged a finished pass ("Poll finished.") in ContainerAppConsoleLogs');
  });

  it("names the replica that delivered and what the other one did instead", () => {
    expect(eventModeShortfall(rowsOf([eventPass(A, 812), listing(A, 0), eventPass(B, 0), eventPass(B, 0), listing(B, 30)]))).toBe(
      `event mode: 1 replica delivered from queue messages (${A}: 812 tuples); expected 2: ${B} finished 2 event passes and sent nothing ` +
        "(each blob it was handed was leased by another replica or already read)",
    );
    expect(eventModeShortfall(rowsOf([eventPass(A, 812), listing(B, 0)]))).toBe(
      `event mode: 1 replica delivered from queue messages (${A}: 812 tuples); expected 2: ${B} finished 1 listings and no event pass`,
    );
    expect(eventModeShortfall(rowsOf([eventPass(A, 812)]))).toBe(
      `event mode: 1 replica delivered from queue messages (${A}: 812 tuples); expected 2: 1 more logged no pass (\`az containerapp replica list\` shows whether it runs)`,
    );
    expect(eventModeShortfall(rowsOf([eventPass(A, 0), listing(A, 50), listing(B, 0)]))).toMatch(
      /^event mode: 0 replicas delivered from queue messages; expected 2: /,
    );
  });

  it("says events never arrived when every tuple came from reconciliation listings, naming Event Grid and the queue", () => {
    expect(eventModeShortfall(rowsOf([listing(A, 700), listing(A, 12), listing(B, 0)]))).toBe(
      `event mode: no event pass ran; every tuple sent (712; ${A}: 712, ${B}: 0) came from reconciliation listings, so no BlobCreated event ` +
        "reached the replicas: look at the Event Grid system topic's subscription on the flow-log account (its delivery failures and " +
        "dead letters) and the queue flowlog-blob-events in the checkpoint account",
    );
  });

  it("reads az's text values, and does not take lines without a replica name for one replica", () => {
    const fromAz = [
      { replica: A, mode: "events", passes: "3", tuplesSent: "812" },
      { replica: "", mode: "events", passes: "2", tuplesSent: "40" },
      { replica: B, mode: "", passes: "4", tuplesSent: "" },
    ];
    expect(replicasThatDelivered(fromAz).map((r) => [r.replica, r.eventTuples])).toEqual([
      ["(no ContainerGroupName)", 40],
      [A, 812],
    ]);
    expect(eventModeShortfall(fromAz, 3)).toMatch(/2 replicas delivered .*; expected 3: .* finished 4 listings and no event pass$/);
  });
});
