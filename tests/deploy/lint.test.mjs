// Linters over the deployment kit and the repository's shell scripts:
// yamllint (strict, deploy/k8s/.yamllint.yaml) on every YAML file of
// deploy/, and shellcheck on every shell script git tracks (by extension or
// shebang) plus deploy/'s. Both come from Debian (scripts/setup.sh).
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { ROOT, run } from "./lib.mjs";

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

async function shellScripts() {
  const { stdout, code } = await run("git", ["-C", ROOT, "ls-files", "-z"], { timeout: 10_000 });
  assert.equal(code, 0, "git ls-files");
  const tracked = stdout.split("\0").filter(Boolean).map((f) => join(ROOT, f));
  const candidates = new Set([...tracked, ...walk(join(ROOT, "deploy"))]);
  const scripts = [];
  for (const f of candidates) {
    let st;
    try {
      st = statSync(f);
    } catch {
      continue; // deleted in the work tree
    }
    if (!st.isFile()) continue;
    if (f.endsWith(".sh")) {
      scripts.push(f);
      continue;
    }
    const head = readFileSync(f, { encoding: "latin1" }).slice(0, 80).split("\n")[0];
    if (/^#!.*\b(bash|sh|dash|ksh)\b/.test(head)) scripts.push(f);
  }
  return scripts.sort();
}

describe("lint", { timeout: 120_000 }, () => {
  test("yamllint --strict passes on deploy/", async () => {
    const yaml = walk(join(ROOT, "deploy")).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(yaml.length >= 10, `${yaml.length} YAML files`);
    const { stdout, stderr, code } = await run("yamllint",
      ["--strict", "-f", "parsable", "-c", join(ROOT, "deploy/k8s/.yamllint.yaml"), ...yaml]);
    assert.equal(code, 0, stdout + stderr);
  });

  test("shellcheck passes on every shell script", async (t) => {
    const scripts = await shellScripts();
    assert.ok(scripts.some((f) => f.endsWith("scripts/setup.sh")) && scripts.some((f) => f.endsWith(".ci/run")));
    assert.ok(scripts.some((f) => f.endsWith("deploy/docker/collect-runtime.sh")));
    // One subtest per script, so a failure names its file.
    for (const f of scripts) {
      await t.test(relative(ROOT, f), async () => {
        const { stdout, stderr, code } = await run("shellcheck", ["-x", "-f", "gcc", f], { cwd: ROOT });
        assert.equal(code, 0, stdout + stderr);
      });
    }
  });
});
