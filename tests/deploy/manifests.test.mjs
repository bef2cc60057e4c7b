// deploy/k8s: every overlay builds with `kubectl kustomize` (alone and with
// every optional component), every built object validates against the
// Kubernetes 1.36 OpenAPI schema (strictly: no unknown fields), and the
// objects agree with each other (selectors, port names, references) and with
// what the README promises about each overlay.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { allBuilds, containerEnv, find, overlays } from "./lib.mjs";
import { schemaPackages, strictFieldErrors, validateSchema } from "./schema.mjs";

let builds;
before(async () => {
  builds = await allBuilds();
}, { timeout: 120_000 });

const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

describe("kustomize", { timeout: 180_000 }, () => {
  test("builds every overlay, alone and with every component", () => {
    assert.ok(overlays().includes("single") && overlays().includes("cluster"), `overlays: ${overlays()}`);
    for (const { name, objects } of builds) assert.ok(objects.length > 5, `${name} built ${objects.length} objects`);
  });

  test(`every object validates against the Kubernetes schema (${schemaPackages()})`, async () => {
    const problems = [];
    for (const { name, objects } of builds) {
      for (const o of objects) {
        for (const e of [...(await validateSchema(o)), ...strictFieldErrors(o)]) {
          problems.push(`${name}: ${o.kind}/${o.metadata?.name}: ${e}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("the validators do reject broken objects", async () => {
    const { objects } = builds[0];
    const d = structuredClone(find(objects, "Deployment", "hub"));
    d.spec.template.spec.containers[0].ports[0].containerPort = "three thousand";
    assert.notDeepEqual(await validateSchema(d), [], "a string port must fail the schema");
    const typo = structuredClone(find(objects, "Deployment", "hub"));
    typo.spec.template.spec.containers[0].readinesProbe = {};
    assert.deepEqual(strictFieldErrors(typo), ["unknown field spec.template.spec.containers[0].readinesProbe"]);
    const svc = structuredClone(find(objects, "Service", "hub-socketio"));
    delete svc.spec.ports[0].port;
    assert.notDeepEqual(await validateSchema(svc), [], "a Service port needs its number");
  });

  test("only stable API versions (no alpha/beta, which releases remove)", () => {
    for (const { name, objects } of builds) {
      for (const o of objects) assert.doesNotMatch(o.apiVersion, /alpha|beta/, `${name}: ${o.kind} ${o.apiVersion}`);
    }
  });

  test("selectors, port names and references agree", () => {
    for (const { name, objects } of builds) {
      const where = (o) => `${name}: ${o.kind}/${o.metadata.name}`;
      const pods = objects
        .filter((o) => o.kind === "Deployment")
        .map((d) => ({ d, labels: d.spec.template.metadata.labels, spec: d.spec.template.spec }));
      const podFor = (selector) => pods.filter((p) => matches(selector, p.labels));
      const portNames = (p) => new Set(p.spec.containers.flatMap((c) => (c.ports ?? []).map((x) => x.name)));
      for (const p of pods) {
        assert.ok(matches(p.d.spec.selector.matchLabels, p.labels), `${where(p.d)}: selector vs template labels`);
      }
      for (const svc of objects.filter((o) => o.kind === "Service")) {
        const targets = podFor(svc.spec.selector);
        assert.equal(targets.length, 1, `${where(svc)} selects ${targets.length} Deployments`);
        for (const port of svc.spec.ports) {
          assert.ok(portNames(targets[0]).has(port.targetPort), `${where(svc)}: targetPort ${port.targetPort}`);
        }
      }
      for (const o of objects.filter((x) => x.kind === "PodDisruptionBudget")) {
        assert.equal(podFor(o.spec.selector.matchLabels).length, 1, where(o));
      }
      for (const np of objects.filter((x) => x.kind === "NetworkPolicy")) {
        const targets = podFor(np.spec.podSelector.matchLabels);
        assert.equal(targets.length, 1, where(np));
        for (const rule of np.spec.ingress) {
          for (const port of rule.ports) assert.ok(portNames(targets[0]).has(port.port), `${where(np)}: ${port.port}`);
        }
      }
      for (const hpa of objects.filter((x) => x.kind === "HorizontalPodAutoscaler")) {
        assert.ok(find(objects, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name), where(hpa));
        assert.ok(hpa.spec.minReplicas <= hpa.spec.maxReplicas, where(hpa));
      }
      for (const p of pods) {
        for (const c of p.spec.containers) {
          for (const from of c.envFrom ?? []) {
            assert.ok(find(objects, "ConfigMap", from.configMapRef.name), `${where(p.d)}: ConfigMap ${from.configMapRef.name}`);
          }
          for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe].filter(Boolean)) {
            const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
            assert.ok(portNames(p).has(port), `${where(p.d)}: probe port ${port}`);
          }
        }
        const affinity = p.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
        for (const term of affinity) {
          assert.ok(matches(term.podAffinityTerm.labelSelector.matchLabels, p.labels), `${where(p.d)}: anti-affinity`);
        }
      }
      for (const sm of objects.filter((x) => x.kind === "ServiceMonitor")) {
        const svcs = objects.filter((o) => o.kind === "Service" && matches(sm.spec.selector.matchLabels, o.metadata.labels));
        assert.equal(svcs.length, 1, `${where(sm)} selects ${svcs.length} Services`);
        for (const ep of sm.spec.endpoints) {
          assert.ok(svcs[0].spec.ports.some((x) => x.name === ep.port), `${where(sm)}: port ${ep.port}`);
        }
      }
      for (const ing of objects.filter((x) => x.kind === "Ingress")) {
        for (const rule of ing.spec.rules) {
          for (const path of rule.http.paths) {
            const svc = find(objects, "Service", path.backend.service.name);
            assert.ok(svc, `${where(ing)}: Service ${path.backend.service.name}`);
            assert.ok(svc.spec.ports.some((x) => x.name === path.backend.service.port.name), where(ing));
          }
        }
      }
    }
  });

  test("the hub pod is locked down and sized", () => {
    for (const { name, objects } of builds) {
      const { deployment, container } = containerEnv(objects);
      const pod = deployment.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, name);
      assert.ok(pod.securityContext.runAsUser > 0, name);
      assert.equal(pod.automountServiceAccountToken, false, name);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true, name);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false, name);
      assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"], name);
      assert.equal(container.securityContext.capabilities.add, undefined, name);
      for (const k of ["requests", "limits"]) {
        assert.ok(container.resources[k].cpu && container.resources[k].memory, `${name}: ${k}`);
      }
      assert.ok(pod.affinity.podAntiAffinity, `${name}: anti-affinity`);
      assert.ok(container.lifecycle.preStop.sleep.seconds > 0, `${name}: preStop sleep`);
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, `${name}: surge before drain`);
    }
  });

  test("Socket.IO Service keeps long-polling sessions on one pod; gRPC and headless Services exist", () => {
    for (const { name, objects } of builds) {
      const sio = find(objects, "Service", "hub-socketio");
      assert.equal(sio.spec.sessionAffinity, "ClientIP", name);
      assert.ok(sio.spec.sessionAffinityConfig.clientIP.timeoutSeconds > 0, name);
      const grpc = find(objects, "Service", "hub-grpc");
      assert.deepEqual(grpc.spec.ports.map((p) => p.targetPort), ["grpc"], name);
      assert.equal(find(objects, "Service", "hub-headless").spec.clusterIP, "None", name);
      assert.ok(find(objects, "PodDisruptionBudget", "hub"), name);
      assert.ok(find(objects, "NetworkPolicy", "hub"), name);
    }
  });

  test("single: one replica, no Redis, no autoscaler", () => {
    const { objects } = builds.find((b) => b.name === "single");
    const { deployment, env } = containerEnv(objects);
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(env.HUB_REDIS_URL, "");
    assert.equal(find(objects, "HorizontalPodAutoscaler"), undefined);
  });

  test("cluster: several replicas sharing a Redis Service of the build, its URL in a Secret", () => {
    const { objects } = builds.find((b) => b.name === "cluster");
    const { deployment, container, env } = containerEnv(objects);
    // The URL may carry a password: from a Secret of the build, never in
    // the ConfigMap or the Deployment in plain text.
    const fromEnv = container.env.find((e) => e.name === "HUB_REDIS_URL");
    const ref = fromEnv?.valueFrom?.secretKeyRef;
    assert.ok(ref && !ref.optional, `HUB_REDIS_URL from a required Secret: ${JSON.stringify(fromEnv)}`);
    assert.ok(find(objects, "Secret", ref.name), `Secret ${ref.name} in the build`);
    for (const from of container.envFrom) {
      assert.equal(find(objects, "ConfigMap", from.configMapRef.name).data.HUB_REDIS_URL ?? "", "", "no URL in the ConfigMap");
    }
    assert.ok(deployment.spec.replicas > 1, `replicas ${deployment.spec.replicas}`);
    const url = new URL(env.HUB_REDIS_URL);
    assert.equal(url.protocol, "redis:");
    const redis = find(objects, "Service", url.hostname);
    assert.ok(redis, `HUB_REDIS_URL names Service ${url.hostname}, absent from the build`);
    assert.ok(redis.spec.ports.some((p) => p.port === Number(url.port)), `port ${url.port}`);
    const hpa = find(objects, "HorizontalPodAutoscaler", "hub");
    assert.ok(hpa.spec.minReplicas > 1 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
  });
});
