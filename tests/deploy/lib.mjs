// Shared helpers of the deployment-kit tests (tests/deploy/*.test.mjs): the
// built manifests of every overlay, the hub binary's own flag list, and a hub
// started on loopback the way a manifest would start it. Everything here is
// offline and bounded in time.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

const execFileP = promisify(execFile);

export const ROOT = process.env.HUB_SOURCE_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const K8S = join(ROOT, "deploy/k8s");
export const HUB_BINARY = process.env.HUB_BINARY ?? join(ROOT, "build/hub/hub");
export const KUBECTL = process.env.HUB_KUBECTL ?? "kubectl";

// Runs a program with a time bound; resolves { stdout, stderr, code }.
export async function run(file, args, { timeout = 60_000, env, cwd, input } = {}) {
  try {
    const child = execFileP(file, args, { timeout, env, cwd, maxBuffer: 64 << 20, killSignal: "SIGKILL" });
    if (input !== undefined) {
      child.child.stdin.end(input);
    }
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (err) {
    if (err.code === "ENOENT") throw new Error(`${file} is not installed (scripts/setup.sh installs it)`);
    if (typeof err.code !== "number") throw err;
    return { stdout: err.stdout ?? "", stderr: err.stderr ?? "", code: err.code };
  }
}

export function overlays() {
  return readdirSync(join(K8S, "overlays"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function components() {
  return readdirSync(join(K8S, "components"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

// `kubectl kustomize` of a directory, parsed into plain objects.
export async function kustomize(dir) {
  const { stdout, stderr, code } = await run(KUBECTL, ["kustomize", dir], { timeout: 60_000 });
  if (code !== 0) throw new Error(`kubectl kustomize ${dir} failed (${code}): ${stderr}`);
  const docs = parseAllDocuments(stdout);
  for (const d of docs) {
    if (d.errors.length) throw new Error(`kustomize output of ${dir} does not parse: ${d.errors[0].message}`);
  }
  return docs.map((d) => d.toJS()).filter((o) => o !== null);
}

// Builds an overlay with every optional component added, through a
// throw-away kustomization that points at it.
export async function kustomizeWithComponents(overlay) {
  const dir = mkdtempSync(join(tmpdir(), "hub-kustomize-"));
  try {
    const lines = [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      "resources:",
      `  - ${relative(dir, join(K8S, "overlays", overlay))}`,
      "components:",
      ...components().map((c) => `  - ${relative(dir, join(K8S, "components", c))}`),
    ];
    writeFileSync(join(dir, "kustomization.yaml"), lines.join("\n") + "\n");
    return await kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Every build the tests check: each overlay alone, and with all components.
export async function allBuilds() {
  const builds = [];
  for (const o of overlays()) {
    builds.push({ name: o, objects: await kustomize(join(K8S, "overlays", o)) });
    builds.push({ name: `${o}+components`, objects: await kustomizeWithComponents(o) });
  }
  return builds;
}

export const find = (objects, kind, name) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));

// The hub's own flag table, from `hub --help`:
//   "  --sio_port  HUB_SIO_PORT  (default: 3000)"
export async function hubFlags() {
  const { stdout, stderr, code } = await run(HUB_BINARY, ["--help"], { timeout: 10_000 });
  if (code !== 0) throw new Error(`hub --help exited ${code}: ${stderr}`);
  const flags = new Map();
  for (const line of (stdout + stderr).split("\n")) {
    const m = /^\s+--([a-z0-9_]+)\s+(HUB_[A-Z0-9_]+)\s+\(default: (.*)\)\s*$/.exec(line);
    if (m) flags.set(m[2], { flag: m[1], env: m[2], default: m[3] });
  }
  if (flags.size < 10) throw new Error(`hub --help listed only ${flags.size} flags:\n${stdout}${stderr}`);
  return flags;
}

// Settings of the hub container as the Deployment gives them: the generated
// ConfigMap of envFrom, then `env` (literal values; resourceFieldRef against
// the container's own resources; Secrets of the build decoded, optional
// Secrets the build lacks left unset, as in a cluster without them).
export function containerEnv(objects) {
  const deployment = find(objects, "Deployment", "hub");
  const container = deployment.spec.template.spec.containers.find((c) => c.name === "hub");
  const env = {};
  for (const from of container.envFrom ?? []) {
    const cm = find(objects, "ConfigMap", from.configMapRef.name);
    if (!cm) throw new Error(`envFrom names ConfigMap ${from.configMapRef.name}, which the build lacks`);
    Object.assign(env, cm.data);
  }
  for (const e of container.env ?? []) {
    if ("value" in e) env[e.name] = e.value;
    else if (e.valueFrom?.resourceFieldRef) {
      const ref = e.valueFrom.resourceFieldRef;
      const [section, resource] = ref.resource.split(".");
      const quantity = container.resources[section][resource];
      env[e.name] = String(Math.ceil(parseCpu(quantity) / parseCpu(ref.divisor ?? "1")));
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = find(objects, "Secret", ref.name);
      if (secret?.data?.[ref.key] !== undefined) {
        env[e.name] = Buffer.from(secret.data[ref.key], "base64").toString();
      } else if (secret?.stringData?.[ref.key] !== undefined) {
        env[e.name] = secret.stringData[ref.key];
      } else if (!ref.optional) {
        throw new Error(`env ${e.name}: Secret ${ref.name} key ${ref.key} is not in the build`);
      }
      // else an absent optional Secret: variable not set
    } else {
      throw new Error(`env ${e.name}: a source these tests cannot reproduce`);
    }
  }
  return { deployment, container, env };
}

function parseCpu(q) {
  const s = String(q);
  return s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

// Starts the hub with exactly `env` (nothing inherited but PATH) and waits
// for its `event=ready` line. Returns { child, ports, logs, stop() }.
export async function startHub(env, { binary = HUB_BINARY, args = [], timeoutMs = 15_000 } = {}) {
  const child = spawn(binary, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logs = "";
  const ports = {};
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub not ready within ${timeoutMs} ms:\n${logs}`)), timeoutMs);
    const onData = (chunk) => {
      logs += chunk;
      for (const m of logs.matchAll(/event=listening service=(\w+) .*?port=(\d+)/g)) ports[m[1]] = Number(m[2]);
      if (/event=ready/.test(logs)) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hub exited (${code ?? signal}) before it was ready:\n${logs}`));
    });
  });
  const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const stop = async (signal = "SIGTERM", boundMs = 20_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), boundMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  try {
    await ready;
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
  return { child, ports, logs: () => logs, stop, exited };
}

export async function httpGet(port, path, { timeoutMs = 5_000 } = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

// Starts a loopback redis-server on a free port, if the machine has one.
export async function startRedis() {
  const which = await run("sh", ["-c", "command -v redis-server"], { timeout: 5_000 });
  if (which.code !== 0) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "hub-redis-"));
  const child = spawn(which.stdout.trim(),
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((r) => {
      const s = new Socket();
      s.once("connect", () => { s.destroy(); r(true); });
      s.once("error", () => r(false));
      s.connect(port, "127.0.0.1");
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("redis-server did not start");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    stop: async () => {
      child.kill("SIGKILL");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const readText = (path) => readFileSync(join(ROOT, path), "utf8");
export const exists = (path) => existsSync(join(ROOT, path));
