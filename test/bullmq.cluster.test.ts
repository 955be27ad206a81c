import { BullMQQueue, jobIdFromKey } from "@webhook-kit/bullmq";
import { describeQueueConformance, sampleDelivery } from "@webhook-kit/testing/conformance";
import { Queue } from "bullmq";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testQueueOptions, uniqueQueueName } from "./support/bullmq.js";
import { freePort, type PrivateRedis, startPrivateRedis } from "./support/redis.js";

// BullMQQueue on a real Redis Cluster of three primaries this file starts (private ports, never 6379).

const until = async (what: string, probe: () => Promise<boolean>, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Three primaries, the 16 384 slots split in three, joined by CLUSTER MEET. */
async function startCluster(): Promise<PrivateRedis[]> {
  const nodes: PrivateRedis[] = [];
  const busPorts: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // The bus port is set explicitly: port + 10 000 (Redis' default) may be out of range or taken.
      const busPort = await freePort();
      busPorts.push(busPort);
      nodes.push(
        await startPrivateRedis({
          extraArgs: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-port",
            String(busPort),
            "--cluster-announce-ip",
            "127.0.0.1",
          ],
        }),
      );
    }
    const admins = nodes.map((node) => new Redis(node.url));
    try {
      const ranges = [
        [0, 5460],
        [5461, 10922],
        [10923, 16383],
      ] as const;
      await Promise.all(
        admins.map((admin, i) =>
          admin.call("CLUSTER", "ADDSLOTSRANGE", String(ranges[i]?.[0]), String(ranges[i]?.[1])),
        ),
      );
      const first = admins[0] as Redis;
      for (const [i, node] of nodes.entries())
        if (i > 0) await first.call("CLUSTER", "MEET", "127.0.0.1", String(node.port), String(busPorts[i]));
      for (const admin of admins)
        await until("cluster_state:ok on every node", async () =>
          String(await admin.call("CLUSTER", "INFO")).includes("cluster_state:ok"),
        );
      await until("every node knows three primaries", async () => {
        const views = await Promise.all(admins.map((a) => a.call("CLUSTER", "NODES")));
        return views.every(
          (v) =>
            String(v)
              .trim()
              .split("\n")
              .filter((l) => l.includes("master")).length === 3,
        );
      });
    } finally {
      for (const admin of admins) admin.disconnect();
    }
    return nodes;
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
}

let nodes: PrivateRedis[] = [];
const clusters: Cluster[] = [];

function cluster(): Cluster {
  const client = new Cluster(
    nodes.map((n) => ({ host: "127.0.0.1", port: n.port })),
    { redisOptions: { maxRetriesPerRequest: 3 } },
  );
  client.on("error", () => {});
  clusters.push(client);
  return client;
}

beforeAll(async () => {
  nodes = await startCluster();
}, 60_000);
afterAll(async () => {
  for (const c of clusters) c.disconnect();
  await Promise.all(nodes.map((n) => n.stop()));
});

/** Two handles (two processes' worth) on one fresh queue of the cluster, as the conformance suite wants. */
function clusterHarness() {
  const name = uniqueQueueName("cluster");
  const connection = cluster();
  const make = () => new BullMQQueue({ connection, ...testQueueOptions, name });
  const queue = make();
  const peer = make();
  return {
    name,
    queue,
    peer,
    async corrupt(key: string) {
      const hashKey = `{bull:${name}}:${name}:${jobIdFromKey(key)}`;
      if ((await connection.hset(hashKey, "data", JSON.stringify("not a job"))) !== 0)
        throw new Error(`no job hash at ${hashKey}`);
    },
    async peek(key: string): Promise<unknown> {
      const data = await connection.hget(`{bull:${name}}:${name}:${jobIdFromKey(key)}`, "data");
      return data === null ? undefined : JSON.parse(data);
    },
    async overwrite(key: string, data: unknown) {
      const hashKey = `{bull:${name}}:${name}:${jobIdFromKey(key)}`;
      if ((await connection.hset(hashKey, "data", JSON.stringify(data))) !== 0)
        throw new Error(`no job hash at ${hashKey}`);
    },
    async close() {
      await Promise.all([queue.close(), peer.close()]);
      const admin = new Queue(name, {
        connection: connection.duplicate([], { redisOptions: { maxRetriesPerRequest: null } }),
        prefix: `{bull:${name}}`,
      });
      try {
        await admin.obliterate({ force: true });
      } finally {
        await admin.close();
      }
    },
  };
}

describeQueueConformance("BullMQQueue on a 3-primary Redis Cluster", clusterHarness, { storesData: true });

describe("BullMQQueue on a Redis Cluster: keys and prefixes", () => {
  it("keeps every key of a queue in one slot (hash-tagged prefix), and different queues spread over primaries", async () => {
    const client = cluster();
    const harnesses = Array.from({ length: 6 }, () => clusterHarness());
    try {
      for (const h of harnesses) expect(await h.queue.enqueue(sampleDelivery())).toBe("queued");
      const owners = new Set<string>();
      for (const h of harnesses) {
        const keys: string[] = [];
        for (const node of client.nodes("master")) {
          let cursor = "0";
          do {
            const [next, found] = await node.scan(cursor, "MATCH", `{bull:${h.name}}:*`, "COUNT", 500);
            cursor = next;
            if (found.length > 0) {
              keys.push(...found);
              owners.add(`${node.options.port}`);
            }
          } while (cursor !== "0");
        }
        expect(keys.length).toBeGreaterThan(2);
        const slots = new Set(await Promise.all(keys.map((k) => client.call("CLUSTER", "KEYSLOT", k))));
        expect(slots.size).toBe(1);
      }
      // Six random names on three primaries: all on one is (1/3)^5 ≈ 0.4 % — and a sign the tag is not per queue.
      expect(owners.size).toBeGreaterThan(1);
    } finally {
      await Promise.all(harnesses.map((h) => h.close()));
    }
  }, 60_000);

  it("refuses a prefix without a hash tag on a Cluster, saying which one to use", () => {
    expect(
      () => new BullMQQueue({ connection: cluster(), name: "orders", prefix: "bull", ...testQueueOptions }),
    ).toThrow(/hash tag .* use "\{bull\}"/);
    // A tagged prefix of the user's own is kept as given.
    const queue = new BullMQQueue({
      connection: cluster(),
      name: "orders",
      prefix: "{acme}",
      ...testQueueOptions,
    });
    return queue.close();
  });
});
