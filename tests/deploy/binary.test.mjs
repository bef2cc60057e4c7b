// The manifests against the real binary: every HUB_* name they set is a flag
// `hub --help` lists, the ports and probes are the ones the hub serves, the
// grace periods cover its drain, the alerts use metrics its /metrics exports,
// and the container's start command, run here with the environment each
// overlay gives it, serves /readyz 200 and drains to exit 0 on SIGTERM.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { join } from "node:path";
import {
  ROOT, allBuilds, containerEnv, find, freePort, httpGet, hubFlags, readText, startHub, startRedis,
} from "./lib.mjs";

let builds;
let flags;
before(async () => {
  [builds, flags] = await Promise.all([allBuilds(), hubFlags()]);
}, { timeout: 120_000 });

// The Dockerfile's ENTRYPOINT and CMD, so the test runs what the image runs.
function imageCommand() {
  const text = readText("deploy/Dockerfile");
  const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text);
  assert.ok(entry, "Dockerfile has an exec-form ENTRYPOINT");
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(text);
  return [...JSON.parse(entry[1]), ...(cmd ? JSON.parse(cmd[1]) : [])];
}

describe("manifests vs the hub binary", { timeout: 240_000 }, () => {
  test("every HUB_* variable the manifests set is a flag of `hub --help`", () => {
    for (const { name, objects } of builds) {
      const { container, env } = containerEnv(objects);
      const names = new Set([...Object.keys(env), ...(container.env ?? []).map((e) => e.name)]);
      for (const n of names) assert.ok(flags.has(n), `${name}: ${n} is not a hub flag (hub --help)`);
    }
    // hub.env itself, including commented-out lines that document a flag.
    for (const m of readText("deploy/k8s/base/hub.env").matchAll(/^#?\s*(HUB_[A-Z0-9_]+)=/gm)) {
      assert.ok(flags.has(m[1]), `hub.env: ${m[1]} is not a hub flag`);
    }
  });

  test("container ports are the configured ports; probes hit /healthz and /readyz on the admin port", () => {
    for (const { name, objects } of builds) {
      const { container, env } = containerEnv(objects);
      const port = (n) => container.ports.find((p) => p.name === n)?.containerPort;
      const setting = (v) => Number(env[v] ?? flags.get(v).default);
      assert.equal(port("sio"), setting("HUB_SIO_PORT"), name);
      assert.equal(port("grpc"), setting("HUB_GRPC_PORT"), name);
      assert.equal(port("admin"), setting("HUB_ADMIN_PORT"), name);
      assert.equal(container.readinessProbe.httpGet.path, "/readyz", name);
      assert.equal(container.livenessProbe.httpGet.path, "/healthz", name);
      for (const p of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        assert.equal(p.httpGet.port, "admin", name);
      }
      // Services expose the same numbers.
      for (const svc of objects.filter((o) => o.kind === "Service" && o.metadata.name.startsWith("hub-")
        && o.metadata.name !== "hub-redis")) {
        for (const p of svc.spec.ports) assert.equal(p.port, port(p.targetPort), `${name}: ${svc.metadata.name}`);
      }
    }
  });

  test("terminationGracePeriodSeconds covers the preStop sleep plus the drain grace", () => {
    for (const { name, objects } of builds) {
      const { deployment, container, env } = containerEnv(objects);
      const graceMs = Number(env.HUB_DRAIN_GRACE_MS ?? flags.get("HUB_DRAIN_GRACE_MS").default);
      const delayMs = Number(env.HUB_DRAIN_DELAY_MS ?? flags.get("HUB_DRAIN_DELAY_MS").default);
      const preStop = container.lifecycle.preStop.sleep.seconds;
      const period = deployment.spec.template.spec.terminationGracePeriodSeconds;
      assert.ok(period > preStop + (graceMs + delayMs) / 1000, `${name}: ${period} s vs ${preStop} s + ${graceMs} ms`);
    }
  });

  test("the Ingress keeps connections open past the heartbeat and admits the largest POST", () => {
    for (const { name, objects } of builds) {
      const ing = find(objects, "Ingress", "hub");
      if (!ing) continue;
      const { env } = containerEnv(objects);
      const heartbeatS = (Number(env.HUB_PING_INTERVAL_MS) + Number(env.HUB_PING_TIMEOUT_MS)) / 1000;
      const a = ing.metadata.annotations;
      for (const k of ["proxy-read-timeout", "proxy-send-timeout"]) {
        assert.ok(Number(a[`nginx.ingress.kubernetes.io/${k}`]) > heartbeatS, `${name}: ${k}`);
      }
      assert.equal(a["nginx.ingress.kubernetes.io/affinity"], "cookie", name);
      const body = /^(\d+)([kmg]?)$/i.exec(a["nginx.ingress.kubernetes.io/proxy-body-size"]);
      const bytes = Number(body[1]) * { "": 1, k: 1024, m: 1 << 20, g: 1 << 30 }[body[2].toLowerCase()];
      assert.ok(bytes >= Number(env.HUB_MAX_HTTP_BUFFER_SIZE), `${name}: proxy-body-size`);
      const paths = ing.spec.rules.flatMap((r) => r.http.paths.map((p) => p.path));
      assert.deepEqual(paths, [env.HUB_PATH], `${name}: the Ingress routes HUB_PATH`);
    }
  });

  for (const overlay of ["single", "cluster"]) {
    test(`${overlay}: the container's start command with the manifest's environment serves /readyz 200`, async (t) => {
      const { objects } = builds.find((b) => b.name === overlay);
      const { container, env } = containerEnv(objects);
      const [command, ...args] = imageCommand();
      assert.match(command, /\/hub$/, "the image starts the hub");
      // Exactly the manifest's settings, except what this machine cannot
      // offer: loopback instead of every interface, free ports instead of
      // the fixed ones (tests run in parallel), and a local redis-server
      // standing in for the cluster's Redis Service.
      const local = { ...env, HUB_BIND: "127.0.0.1" };
      for (const v of ["HUB_SIO_PORT", "HUB_GRPC_PORT", "HUB_ADMIN_PORT"]) local[v] = String(await freePort());
      let redis = null;
      if (env.HUB_REDIS_URL) {
        redis = await startRedis();
        if (!redis) return t.skip("no redis-server on this machine");
        local.HUB_REDIS_URL = `redis://127.0.0.1:${redis.port}`;
      }
      const hub = await startHub(local, { args: [...args, ...(container.args ?? [])] });
      try {
        assert.equal(hub.ports.admin, Number(local.HUB_ADMIN_PORT));
        const admin = Number(local.HUB_ADMIN_PORT);
        const probe = (p) => httpGet(admin, container[p].httpGet.path);
        assert.equal((await probe("readinessProbe")).status, 200, hub.logs());
        assert.equal((await probe("livenessProbe")).status, 200);
        assert.equal((await probe("startupProbe")).status, 200);
        if (redis) {
          // The replica joined the cluster through the Redis it was given.
          let metrics = "";
          const connected = (text) => {
            const links = [...text.matchAll(/^hub_cluster_redis_connected(?:\{[^}]*\})? (\S+)$/gm)];
            return links.length > 0 && links.every((m) => m[1] === "1");
          };
          for (let i = 0; i < 50 && !connected(metrics); i++) {
            metrics = (await httpGet(admin, "/metrics")).body;
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.ok(connected(metrics), `hub_cluster_redis_connected is not 1:\n${metrics}\n${hub.logs()}`);
        }
        // HUB_SHARDS came from the CPU limit.
        assert.match(hub.logs(), new RegExp(`shards=${env.HUB_SHARDS}\\b`));
        // Socket.IO answers on HUB_PATH (an Engine.IO handshake).
        const sio = await httpGet(Number(local.HUB_SIO_PORT), `${env.HUB_PATH}?EIO=4&transport=polling`);
        assert.equal(sio.status, 200);
        assert.match(sio.body, /^0\{"sid":/);
        // SIGTERM (the image's STOPSIGNAL): readiness drops, exit 0 within the grace.
        const started = Date.now();
        const stopping = hub.stop("SIGTERM", Number(env.HUB_DRAIN_GRACE_MS) + 5_000);
        const { code } = await stopping;
        assert.equal(code, 0, hub.logs());
        assert.ok(Date.now() - started < Number(env.HUB_DRAIN_GRACE_MS), "drained within HUB_DRAIN_GRACE_MS");
      } finally {
        await hub.stop("SIGKILL");
        await redis?.stop();
      }
    });
  }

  test("alert rules use only metrics (and label values) the hub exports", async () => {
    const objects = builds.find((b) => b.name === "cluster+components").objects;
    const rule = find(objects, "PrometheusRule", "hub");
    const hub = await startHub({ HUB_BIND: "127.0.0.1", HUB_SIO_PORT: "0", HUB_GRPC_PORT: "0", HUB_ADMIN_PORT: "0" });
    let text;
    try {
      // One backend call, so the per-call families have a series.
      const def = protoLoader.loadSync(join(ROOT, "proto/hub/v1/hub.proto"), { keepCase: true, longs: String });
      const { Hub } = grpc.loadPackageDefinition(def).hub.v1;
      const client = new Hub(`127.0.0.1:${hub.ports.grpc}`, grpc.credentials.createInsecure());
      await new Promise((resolve) =>
        client.ListSockets({}, { deadline: Date.now() + 5_000 }, () => resolve()));
      client.close();
      text = (await httpGet(hub.ports.admin, "/metrics")).body;
    } finally {
      await hub.stop("SIGKILL");
    }
    const families = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].map((m) => m[1]));
    const series = [...text.matchAll(/^(hub_\w+)(?:\{([^}]*)\})? /gm)].map((m) => ({
      name: m[1], labels: Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])),
    }));
    const known = (name) => families.has(name) || families.has(name.replace(/_(bucket|sum|count)$/, ""));
    const exprs = rule.spec.groups.flatMap((g) => g.rules.map((r) => ({ alert: r.alert, expr: r.expr })));
    assert.ok(exprs.length >= 5);
    for (const { alert, expr } of exprs) {
      for (const m of expr.matchAll(/\b(hub_\w+)(?:\{([^}]*)\})?/g)) {
        assert.ok(known(m[1]), `${alert}: ${m[1]} is not exported by the hub`);
        // Equality matchers must name a label value the hub really emits.
        for (const l of (m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) {
          assert.ok(series.some((s) => s.name === m[1] && s.labels[l[1]] === l[2]),
            `${alert}: ${m[1]}{${l[1]}="${l[2]}"} never appears in /metrics`);
        }
        for (const l of (m[2] ?? "").matchAll(/(\w+)=~"([^"]*)"/g)) {
          assert.ok(series.some((s) => s.name === m[1] && l[1] in s.labels), `${alert}: ${m[1]} has no label ${l[1]}`);
          // Status codes are spelled as gRPC names (OK, INTERNAL, ...).
          if (l[1] === "code") assert.ok(series.some((s) => s.name === m[1] && s.labels.code === "OK"), "code=\"OK\"");
        }
      }
    }
    // The three: heartbeat timeouts, drops, queue depth.
    const all = exprs.map((e) => e.expr).join("\n");
    for (const m of ["hub_heartbeat_timeouts_total", "hub_frames_dropped_total", "hub_subscriber_queue_depth_max"]) {
      assert.ok(all.includes(m), `no alert on ${m}`);
    }
  });
});
