// Event mode in the program (forwarderScale.maxReplicas > 1): per flow-log account a system topic and
// a subscription filtered to its flow-log containers' PT1H.json BlobCreated events, delivering to the
// queue in the checkpoint account with the topic's identity (dead letters kept); the grants that
// delivery and the app need; the app's azure-queue scale rule with its identity. A stack without the
// key plans none of it (the dev plan snapshot and the URN tests hold that for the example stack).
import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun } from "../../../infra/plan/plan-render";
import { defaultConfig, oneOf, plain, resourcesOf, runStack, T } from "../harness";

const TOPIC = "azure-native:eventgrid:SystemTopic";
const SUBSCRIPTION_T = "azure-native:eventgrid:SystemTopicEventSubscription";
const QUEUE = "azure-native:storage:Queue";
const ROLE = {
  sender: "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
  queueContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  blobContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
};

const roleOf = (r: { inputs: Record<string, unknown> }) => String(r.inputs.roleDefinitionId).split("/").pop();

describe("polling mode (forwarderScale unset)", () => {
  it("plans no topic, subscription or queue, and exactly one replica", async () => {
    const run = await runStack({ config: defaultConfig() });
    expect(resourcesOf(run, TOPIC)).toEqual([]);
    expect(resourcesOf(run, SUBSCRIPTION_T)).toEqual([]);
    expect(resourcesOf(run, QUEUE)).toEqual([]);
    const app = plain(oneOf(run, T.app).inputs) as any;
    expect(app.template.scale).toEqual({ minReplicas: 1, maxReplicas: 1 });
    expect(app.template.containers[0].env.map((e: any) => e.name)).not.toContain("BLOB_EVENTS_QUEUE_URL");
  });

  it("stays polling with maxReplicas 1", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderScale: { minReplicas: 1, maxReplicas: 1 } } });
    expect(resourcesOf(run, TOPIC)).toEqual([]);
  });
});

describe("event mode (forwarderScale.maxReplicas 6)", () => {
  let run: ProgramRun;
  let app: any;
  let checkpointAccount: any;
  let checkpointId: unknown;
  const QUEUE_ID = expect.stringMatching(/\/Queue\/checkpoints-blob-events[0-9a-f]*$/);
  const DEAD_LETTERS_ID = expect.stringMatching(/\/blobServices\/default\/containers\/event-dead-letters$/);
  beforeAll(async () => {
    run = await runStack({ config: { ...defaultConfig(), forwarderScale: { minReplicas: 2, maxReplicas: 6 } } });
    app = plain(oneOf(run, T.app).inputs);
    checkpointAccount = resourcesOf(run, T.account).find((a) => a.name === "checkpoints-account")!;
    checkpointId = expect.stringMatching(new RegExp(`/${String(checkpointAccount.inputs.accountName)}$`));
  });

  it("puts one system topic with its own identity on each flow-log account, in the account's region", () => {
    const accounts = resourcesOf(run, T.account).filter((a) => a.name.startsWith("flowlogs-"));
    const topics = resourcesOf(run, TOPIC);
    expect(topics.map((t) => t.name).sort()).toEqual(["blob-events-topic-northeurope", "blob-events-topic-westeurope"]);
    for (const topic of topics) {
      const region = topic.name.replace("blob-events-topic-", "");
      const account = accounts.find((a) => a.inputs.location === region)!;
      expect(topic.inputs).toMatchObject({ topicType: "Microsoft.Storage.StorageAccounts", identity: { type: "SystemAssigned" }, location: region });
      expect(String(topic.inputs.source)).toMatch(new RegExp(`/${String(account.inputs.accountName)}$`));
      expect(topic.inputs.systemTopicName).toBe(`${String(account.inputs.accountName)}-blob-events`);
    }
  });

  it("subscribes each topic to its containers' PT1H.json BlobCreated events, delivered with the topic's identity, dead letters kept", () => {
    const subscriptions = resourcesOf(run, SUBSCRIPTION_T);
    expect(subscriptions).toHaveLength(2);
    const north = plain(subscriptions.find((s) => s.name.endsWith("northeurope"))!.inputs) as any;
    expect(north.filter).toMatchObject({
      includedEventTypes: ["Microsoft.Storage.BlobCreated"],
      subjectEndsWith: "/PT1H.json",
      advancedFilters: [
        { operatorType: "StringBeginsWith", key: "subject", values: ["/blobServices/default/containers/insights-logs-flowlogflowevent/"] },
        { operatorType: "StringIn", key: "data.api", values: ["PutBlockList"] },
      ],
    });
    expect(north.deliveryWithResourceIdentity).toEqual({
      identity: { type: "SystemAssigned" },
      destination: {
        endpointType: "StorageQueue",
        resourceId: checkpointId,
        queueName: "flowlog-blob-events",
        queueMessageTimeToLiveInSeconds: 86_400,
      },
    });
    expect(north.deadLetterWithResourceIdentity).toEqual({
      identity: { type: "SystemAssigned" },
      deadLetterDestination: { endpointType: "StorageBlob", resourceId: checkpointId, blobContainerName: "event-dead-letters" },
    });
    expect(north.eventDeliverySchema).toBe("EventGridSchema");
    const west = plain(subscriptions.find((s) => s.name.endsWith("westeurope"))!.inputs) as any;
    expect(west.filter.advancedFilters[0].values).toHaveLength(2);
  });

  it("keeps the queue and the dead-letter container in the checkpoint account, dead letters under its retention", () => {
    const queue = oneOf(run, QUEUE);
    expect(queue.inputs).toMatchObject({ queueName: "flowlog-blob-events", accountName: checkpointAccount.inputs.accountName });
    const deadLetters = resourcesOf(run, T.container).find((c) => c.inputs.containerName === "event-dead-letters")!;
    expect(deadLetters.inputs.accountName).toBe(checkpointAccount.inputs.accountName);
    const policy = plain(resourcesOf(run, T.policy).find((p) => p.name === "checkpoints-retention")!.inputs) as any;
    expect(policy.policy.rules[0].definition.filters.prefixMatch).toEqual(["checkpoints/", "event-dead-letters/"]);
  });

  it("grants each topic's identity only Message Sender on the queue and Blob Data Contributor on the dead-letter container", () => {
    const topicGrants = resourcesOf(run, T.role).filter((r) => r.name.startsWith("blob-events-"));
    expect(topicGrants.map((r) => [r.name, roleOf(r), r.inputs.scope]).sort()).toEqual(
      [
        ["blob-events-dead-letter-northeurope", ROLE.blobContributor, DEAD_LETTERS_ID],
        ["blob-events-dead-letter-westeurope", ROLE.blobContributor, DEAD_LETTERS_ID],
        ["blob-events-send-northeurope", ROLE.sender, QUEUE_ID],
        ["blob-events-send-westeurope", ROLE.sender, QUEUE_ID],
      ].sort(),
    );
    for (const grant of topicGrants) expect(grant.inputs.principalType).toBe("ServicePrincipal");
  });

  it("lets the app take messages from the queue, and scales it on the queue's length with its identity", () => {
    const grant = oneOf(run, T.role, "forwarder-take-blob-events");
    expect([roleOf(grant), grant.inputs.scope, grant.inputs.principalType]).toEqual([ROLE.queueContributor, QUEUE_ID, "ServicePrincipal"]);
    expect(app.template.scale).toEqual({
      minReplicas: 2,
      maxReplicas: 6,
      rules: [
        {
          name: "blob-events",
          azureQueue: {
            accountName: checkpointAccount.inputs.accountName,
            queueName: "flowlog-blob-events",
            queueLength: 64,
            identity: expect.stringMatching(/UserAssignedIdentity\/forwarder-identity/),
          },
        },
      ],
    });
    const env = app.template.containers[0].env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === "BLOB_EVENTS_QUEUE_URL")?.value).toBe(
      `https://${String(checkpointAccount.inputs.accountName)}.queue.core.windows.net/flowlog-blob-events`,
    );
    expect(app.template.containers[0].resources).toEqual({ cpu: 0.25, memory: "0.5Gi" });
  });
});

describe("forwarderScale validation", () => {
  it.each([
    [{ minReplicas: 0, maxReplicas: 4 }, "forwarderScale.minReplicas: found 0, expected a whole number from 1 to 100 (a replica must stay up"],
    [{ minReplicas: 3, maxReplicas: 2 }, "forwarderScale: found minReplicas 3 above maxReplicas 2, expected minReplicas <= maxReplicas"],
    [{ minReplicas: 1, maxReplicas: 101 }, "forwarderScale.maxReplicas: found 101, expected a whole number from 1 to 100"],
    [{ minReplicas: 1 }, "forwarderScale.maxReplicas: found nothing"],
    [{ minReplicas: 1, maxReplicas: 2, replicas: 3 }, "forwarderScale.replicas: found an unknown field"],
    [4, "forwarderScale: found 4, expected an object {minReplicas, maxReplicas}"],
  ])("refuses %j before registering anything, naming the field and the fix", async (scale, message) => {
    await expect(runStack({ config: { ...defaultConfig(), forwarderScale: scale } })).rejects.toThrow(message);
  });

  it("accepts the numbers as strings, as `pulumi config set --path` may store them", async () => {
    const run = await runStack({ config: { ...defaultConfig(), forwarderScale: { minReplicas: "1", maxReplicas: "3" } } });
    expect((plain(oneOf(run, T.app).inputs) as any).template.scale.maxReplicas).toBe(3);
  });
});
