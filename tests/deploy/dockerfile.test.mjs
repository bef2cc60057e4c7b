// deploy/Dockerfile, checked without a Docker engine: its stages and runtime
// settings are parsed and compared with the binary (ports), the manifests
// (user) and scripts/setup.sh (packages, CMake invocation); .dockerignore
// lets in everything the build reads; and the runtime stage's root
// filesystem is assembled here with the same script and commands, then the
// hub is started from it alone (chroot when root, else through its own
// loader) and its HEALTHCHECK program is run against it.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  HUB_BINARY, ROOT, allBuilds, containerEnv, freePort, httpGet, hubFlags, readText, run, startHub,
} from "./lib.mjs";

// Instructions of a Dockerfile: continuation lines joined, comments dropped.
function parseDockerfile(text) {
  const out = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!current && (line.startsWith("#") || line === "")) continue;
    if (current && line.startsWith("#")) continue;
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    current += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(current);
    out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    current = "";
  }
  const stages = [];
  const args = {};
  for (const ins of out) {
    if (ins.op === "ARG" && stages.length === 0) {
      const [k, v] = ins.args.split("=");
      args[k] = v;
    } else if (ins.op === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      const image = m[1].replace(/\$\{(\w+)\}/g, (_, k) => args[k] ?? "");
      stages.push({ image, name: m[2], ins: [] });
    } else {
      assert.ok(stages.length, `${ins.op} before FROM`);
      stages.at(-1).ins.push(ins);
    }
  }
  return stages;
}

// HUB_APT_PACKAGES of scripts/setup.sh.
function setupPackages() {
  const m = /HUB_APT_PACKAGES=\(([\s\S]*?)\)/.exec(readText("scripts/setup.sh"));
  return m[1].replace(/#.*$/gm, "").split(/\s+/).filter(Boolean);
}

// Packages the image's build stage does not need: it builds with
// HUB_BUILD_TESTS=OFF, no ccache, from a copied tree (no git).
const TEST_ONLY = new Set([
  "ccache", "git", "libgtest-dev", "libgmock-dev", "libbenchmark-dev", "redis-server", "shellcheck", "yamllint",
]);

const stages = parseDockerfile(readText("deploy/Dockerfile"));
const build = stages[0];
const runtime = stages.at(-1);
const ins = (stage, op) => stage.ins.filter((i) => i.op === op);
const runText = ins(build, "RUN").map((i) => i.args).join("\n");

describe("Dockerfile", { timeout: 180_000 }, () => {
  let flags;
  let builds;
  before(async () => {
    [flags, builds] = await Promise.all([hubFlags(), allBuilds()]);
  }, { timeout: 120_000 });

  test("multi-stage: a Debian 12 build stage, a runtime stage copying only its root filesystem", () => {
    assert.ok(stages.length >= 2, `${stages.length} stages`);
    assert.match(build.image, /^debian:(12|bookworm)/, `build stage FROM ${build.image}`);
    assert.equal(runtime.name, "runtime");
    assert.equal(runtime.image, "scratch");
    const copies = ins(runtime, "COPY");
    assert.equal(copies.length, 1);
    assert.match(copies[0].args, new RegExp(`^--from=${build.name}\\s+/rootfs/\\s+/$`));
    assert.deepEqual(ins(runtime, "RUN"), [], "nothing runs in the runtime stage (it has no shell)");
  });

  test("build stage installs scripts/setup.sh's build packages and builds like the README", () => {
    const apt = /apt-get install ((?:-\S+\s+)*)([\s\S]*?)(?:&&|$)/.exec(runText);
    assert.ok(apt, "apt-get install in the build stage");
    const installed = apt[2].split(/\s+/).filter((w) => w && !w.startsWith("-"));
    const wanted = setupPackages().filter((p) => !TEST_ONLY.has(p));
    assert.deepEqual([...installed].sort(), [...wanted].sort(),
      "the Dockerfile's packages are scripts/setup.sh's minus the test-only ones");
    assert.match(runText, /--no-install-recommends/);
    // The same generator and build type as scripts/setup.sh's hub_build.
    const setup = readText("scripts/setup.sh");
    const buildType = /-DCMAKE_BUILD_TYPE=(\w+)/.exec(setup)[1];
    assert.match(runText, new RegExp(`cmake -S \\. -B \\S+ -G Ninja -DCMAKE_BUILD_TYPE=${buildType} -DHUB_BUILD_TESTS=OFF`));
    assert.match(runText, /cmake --build \S+ .*--target hub\b/);
  });

  test("runtime: non-root numeric USER matching the manifests, EXPOSE of the three ports, STOPSIGNAL, HEALTHCHECK", () => {
    const user = ins(runtime, "USER");
    assert.equal(user.length, 1);
    const [uid, gid] = user[0].args.split(":").map(Number);
    assert.ok(uid > 0 && gid > 0, `USER ${user[0].args}`);
    assert.match(readText("deploy/docker/collect-runtime.sh"), new RegExp(`HUB_UID=${uid}\\b`));
    for (const { name, objects } of builds) {
      const { deployment } = containerEnv(objects);
      assert.equal(deployment.spec.template.spec.securityContext.runAsUser, uid, name);
      assert.equal(deployment.spec.template.spec.securityContext.runAsGroup, gid, name);
    }
    const exposed = ins(runtime, "EXPOSE").flatMap((i) => i.args.split(/\s+/)).map(Number).sort((a, b) => a - b);
    const defaults = ["HUB_SIO_PORT", "HUB_GRPC_PORT", "HUB_ADMIN_PORT"].map((v) => Number(flags.get(v).default));
    assert.deepEqual(exposed, defaults.sort((a, b) => a - b), "EXPOSE = the hub's default ports (hub --help)");
    assert.deepEqual(ins(runtime, "STOPSIGNAL").map((i) => i.args), ["SIGTERM"]);
    const hc = ins(runtime, "HEALTHCHECK");
    assert.equal(hc.length, 1);
    assert.match(hc[0].args, /--interval=\S+ .*--timeout=\S+/);
    const cmd = /CMD\s+(\[.*\])$/.exec(hc[0].args);
    assert.ok(cmd, "exec-form HEALTHCHECK CMD (there is no shell)");
    assert.deepEqual(JSON.parse(cmd[1]), ["/usr/local/bin/hub-healthcheck", "/readyz"]);
    const entry = ins(runtime, "ENTRYPOINT");
    assert.deepEqual(entry.map((i) => JSON.parse(i.args)), [["/usr/local/bin/hub"]]);
  });

  test(".dockerignore lets in every directory the build reads", () => {
    const lines = readText(".dockerignore").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    assert.equal(lines[0], "*", "allow-list");
    const allowed = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    const cmake = readText("CMakeLists.txt");
    const needed = new Set(["CMakeLists.txt", "deploy/docker"]);
    for (const m of cmake.matchAll(/^\s*add_subdirectory\((\w+)\)/gm)) {
      // tests/ only builds with HUB_BUILD_TESTS, which the image turns off.
      if (m[1] !== "tests") needed.add(m[1]);
    }
    for (const m of cmake.matchAll(/^\s*include\(([\w/.]+\.cmake)\)/gm)) needed.add(m[1].split("/")[0]);
    for (const n of needed) assert.ok(allowed.includes(n), `.dockerignore must allow ${n}`);
    assert.ok(!allowed.includes("build") && !allowed.includes("node_modules"));
  });

  test("the context .dockerignore admits is enough for the Dockerfile's CMake configure", async () => {
    // Copy what the allow-list admits into a scratch context, then run the
    // Dockerfile's configure step there (configure only: the build itself is
    // the one every other test uses).
    const dir = mkdtempSync(join(tmpdir(), "hub-context-"));
    try {
      const lines = readText(".dockerignore").split("\n").map((l) => l.trim()).filter((l) => l.startsWith("!"));
      for (const l of lines) {
        const rel = l.slice(1).replace(/\/$/, "");
        cpSync(join(ROOT, rel), join(dir, "src", rel), { recursive: true });
      }
      const configure = /(cmake -S \. -B \S+ [^&\n]*)/.exec(runText)[1].trim().split(/\s+/);
      const args = configure.slice(1).map((a) => (a === "." ? join(dir, "src") : a.startsWith("/") ? join(dir, a) : a));
      const { code, stdout, stderr } = await run("cmake", args, { timeout: 120_000 });
      assert.equal(code, 0, stdout + stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("the runtime root filesystem, assembled here", () => {
    let dir;
    let rootfs;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "hub-rootfs-"));
      rootfs = join(dir, "rootfs");
      // The Dockerfile's own healthcheck compile command, with its paths.
      const cc = /(cc [^\n&]*deploy\/docker\/healthcheck\.c)/.exec(runText)[1]
        .replace("/build/hub-healthcheck", join(dir, "hub-healthcheck"))
        .replace("deploy/docker/healthcheck.c", join(ROOT, "deploy/docker/healthcheck.c"))
        .split(/\s+/);
      const compiled = await run(cc[0], cc.slice(1), { timeout: 60_000 });
      assert.equal(compiled.code, 0, compiled.stderr);
      const collected = await run("bash",
        [join(ROOT, "deploy/docker/collect-runtime.sh"), rootfs, HUB_BINARY, join(dir, "hub-healthcheck")],
        { timeout: 60_000 });
      assert.equal(collected.code, 0, collected.stderr);
    }, { timeout: 90_000 });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test("holds the hub, the healthcheck, the libraries and a passwd; no shell", () => {
      assert.ok(existsSync(join(rootfs, "usr/local/bin/hub")));
      assert.ok(existsSync(join(rootfs, "usr/local/bin/hub-healthcheck")));
      assert.match(readFileSync(join(rootfs, "etc/passwd"), "utf8"), /^hub:x:10001:/m);
      assert.ok(!existsSync(join(rootfs, "bin/sh")) && !existsSync(join(rootfs, "usr/bin")));
      const libs = readdirSync(rootfs, { recursive: true }).filter((f) => /\.so(\.|$)/.test(f));
      assert.ok(libs.some((f) => /libgrpc\+\+/.test(f)), "gRPC among the libraries");
    });

    test("the hub starts from that filesystem alone, serves /readyz, and the HEALTHCHECK sees it", async (t) => {
      const ports = { HUB_SIO_PORT: await freePort(), HUB_GRPC_PORT: await freePort(), HUB_ADMIN_PORT: await freePort() };
      const env = { HUB_BIND: "127.0.0.1", ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
      const chroot = process.getuid() === 0 && (await run("sh", ["-c", "command -v chroot"])).code === 0;
      if (!chroot) return t.skip("needs root for chroot; the library list is still checked by ldd above");
      const wrap = (exe, args) => ["chroot", ["--userspec=10001:10001", rootfs, exe, ...args]];
      const [file, args] = wrap("/usr/local/bin/hub", []);
      const hub = await startHub(env, { binary: file, args });
      try {
        assert.equal((await httpGet(ports.HUB_ADMIN_PORT, "/readyz")).status, 200);
        const [hcFile, hcArgs] = wrap("/usr/local/bin/hub-healthcheck", ["/readyz"]);
        const ok = await run(hcFile, hcArgs, { env: { PATH: process.env.PATH, HUB_ADMIN_PORT: env.HUB_ADMIN_PORT } });
        assert.equal(ok.code, 0, ok.stderr);
        const missing = await run(hcFile, ["--userspec=10001:10001", rootfs, "/usr/local/bin/hub-healthcheck", "/nope"],
          { env: { PATH: process.env.PATH, HUB_ADMIN_PORT: env.HUB_ADMIN_PORT } });
        assert.equal(missing.code, 1, "a 404 is unhealthy");
        const { code } = await hub.stop("SIGTERM");
        assert.equal(code, 0, hub.logs());
        const down = await run(hcFile, hcArgs, { env: { PATH: process.env.PATH, HUB_ADMIN_PORT: env.HUB_ADMIN_PORT } });
        assert.equal(down.code, 1, "no hub, unhealthy");
      } finally {
        await hub.stop("SIGKILL");
      }
    });
  });
});
