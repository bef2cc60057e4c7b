// Validation of built Kubernetes objects against the OpenAPI schema of a
// current Kubernetes release, offline.
//
// kubernetes-models (npm, pinned in package-lock.json) ships the Kubernetes
// v1.36 OpenAPI definitions compiled into ajv validators, one per kind, and
// @kubernetes-models/prometheus-operator does the same for the
// prometheus-operator CRDs (ServiceMonitor, PrometheusRule). Those validators
// check types, formats, enums and required fields, but like the OpenAPI
// schema itself they accept unknown fields, which a real API server refuses
// (kubectl apply validates strictly since 1.27). So a second pass walks each
// object alongside the packages' generated type declarations and reports any
// field the schema does not define: the typo'd `readinesProbe` a cluster
// would reject.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ROOT } from "./lib.mjs";

const NODE_MODULES = join(ROOT, "node_modules");

// apiVersion + kind -> module of its model, without the extension.
export function modelModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

// Schema validation of one object; returns a list of error strings.
export async function validateSchema(obj) {
  const spec = modelModule(obj.apiVersion, obj.kind);
  if (!existsSync(join(NODE_MODULES, `${spec}.js`))) {
    return [`no schema for ${obj.apiVersion} ${obj.kind} (${spec}): not a kind of Kubernetes 1.36`];
  }
  const mod = await import(spec);
  const Model = mod[obj.kind];
  try {
    new Model(structuredClone(obj)).validate();
    return [];
  } catch (err) {
    return [String(err.message ?? err)];
  }
}

// ---- strict fields, from the generated .d.ts files -------------------------

const fileCache = new Map();

function declarationPath(fromFile, specifier) {
  if (specifier.startsWith(".")) return resolve(dirname(fromFile), specifier.replace(/\.js$/, ".d.ts"));
  return join(NODE_MODULES, `${specifier.replace(/\.js$/, "")}.d.ts`);
}

// Parses a model's declaration file into { imports, root }, root being the
// type of its first exported interface or type alias.
function loadDeclaration(file) {
  if (fileCache.has(file)) return fileCache.get(file);
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const name of m[1].split(",").map((s) => s.trim())) imports.set(name, declarationPath(file, m[2]));
  }
  let root;
  const iface = /export interface \w+(?: extends [\w, ]+)? \{/.exec(text);
  const alias = /export type \w+ = ([^;]+);/.exec(text);
  if (iface && (!alias || iface.index < alias.index)) {
    const start = iface.index + iface[0].length - 1;
    root = new TypeParser(text, start).parseObject();
  } else if (alias) {
    root = new TypeParser(alias[1], 0).parseType();
  } else {
    root = { kind: "any" };
  }
  const decl = { file, imports, root };
  fileCache.set(file, decl);
  return decl;
}

// A recursive-descent reader of the small TypeScript subset the generator
// emits: "name"?: T; { [key: string]: T }, Array<T>, A | B, identifiers and
// literals.
class TypeParser {
  constructor(text, pos) {
    this.s = text;
    this.i = pos;
  }
  ws() {
    while (/\s/.test(this.s[this.i] ?? "")) this.i++;
  }
  peek(str) {
    this.ws();
    return this.s.startsWith(str, this.i);
  }
  eat(str) {
    if (!this.peek(str)) throw new Error(`expected ${str} at ${this.s.slice(this.i, this.i + 40)}`);
    this.i += str.length;
  }
  parseType() {
    const options = [this.parsePrimary()];
    while (this.peek("|")) {
      this.eat("|");
      options.push(this.parsePrimary());
    }
    return options.length === 1 ? options[0] : { kind: "union", options };
  }
  parsePrimary() {
    this.ws();
    let t;
    if (this.peek("Array<")) {
      this.eat("Array<");
      const items = this.parseType();
      this.eat(">");
      t = { kind: "array", items };
    } else if (this.peek("{")) {
      t = this.parseObject();
    } else if (this.peek("(")) {
      this.eat("(");
      t = this.parseType();
      this.eat(")");
    } else if (this.peek('"') || this.peek("'")) {
      const q = this.s[this.i];
      const end = this.s.indexOf(q, this.i + 1);
      this.i = end + 1;
      t = { kind: "leaf" };
    } else {
      const m = /^[\w.$]+(?:\[[^\]]*\])?/.exec(this.s.slice(this.i));
      if (!m) throw new Error(`cannot read a type at ${this.s.slice(this.i, this.i + 40)}`);
      this.i += m[0].length;
      const name = m[0];
      if (/^(string|number|boolean|null|undefined|true|false|\d+)$/.test(name)) t = { kind: "leaf" };
      else if (/^(any|unknown|object|Record)$/.test(name)) t = { kind: "any" };
      else t = { kind: "ref", name };
    }
    while (this.peek("[]")) {
      this.eat("[]");
      t = { kind: "array", items: t };
    }
    return t;
  }
  parseObject() {
    this.eat("{");
    const props = new Map();
    let index = null;
    while (!this.peek("}")) {
      if (this.peek("[")) {
        this.i = this.s.indexOf("]", this.i) + 1;
        this.eat(":");
        index = this.parseType();
      } else {
        this.ws();
        const m = /^(?:"([^"]*)"|([\w$]+))\??\s*:/.exec(this.s.slice(this.i));
        if (!m) throw new Error(`cannot read a member at ${this.s.slice(this.i, this.i + 40)}`);
        this.i += m[0].length;
        props.set(m[1] ?? m[2], this.parseType());
      }
      this.ws();
      if (this.s[this.i] === ";" || this.s[this.i] === ",") this.i++;
    }
    this.eat("}");
    return { kind: "object", props, index };
  }
}

function resolveRef(decl, node) {
  if (node.kind !== "ref") return { decl, node };
  // TypeMeta-style indexed access (IDeployment["kind"]) and unknown names
  // are leaves: nothing to walk.
  const file = decl.imports.get(node.name);
  if (!file || !existsSync(file)) return { decl, node: { kind: "any" } };
  const target = loadDeclaration(file);
  return resolveRef(target, target.root);
}

// Fields of `value` that `node` does not define, as JSON paths.
function unknownFields(value, decl, node, path, out) {
  ({ decl, node } = resolveRef(decl, node));
  switch (node.kind) {
    case "any":
    case "leaf":
      return;
    case "array":
      if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, decl, node.items, `${path}[${i}]`, out));
      return;
    case "union": {
      // Accept the object shape that fits best.
      let best = null;
      for (const option of node.options) {
        const errs = [];
        unknownFields(value, decl, option, path, errs);
        if (best === null || errs.length < best.length) best = errs;
      }
      out.push(...(best ?? []));
      return;
    }
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return;
      if (node.props.size === 0 && node.index === null) return; // open object
      for (const [key, v] of Object.entries(value)) {
        if (node.props.has(key)) unknownFields(v, decl, node.props.get(key), `${path}.${key}`, out);
        else if (node.index) unknownFields(v, decl, node.index, `${path}.${key}`, out);
        else out.push(`${path}.${key}`);
      }
      return;
    }
    default:
      throw new Error(`unexpected schema node ${node.kind}`);
  }
}

export function strictFieldErrors(obj) {
  const file = join(NODE_MODULES, `${modelModule(obj.apiVersion, obj.kind)}.d.ts`);
  if (!existsSync(file)) return [`no type declarations for ${obj.apiVersion} ${obj.kind}`];
  const decl = loadDeclaration(file);
  const out = [];
  unknownFields(obj, decl, decl.root, "", out);
  return out.map((p) => `unknown field ${p.slice(1)}`);
}

// The validators' own package versions, for messages.
export function schemaPackages() {
  const v = (name) => JSON.parse(readFileSync(join(NODE_MODULES, name, "package.json"), "utf8")).version;
  return `kubernetes-models ${v("kubernetes-models")}, @kubernetes-models/prometheus-operator ${v("@kubernetes-models/prometheus-operator")}`;
}
