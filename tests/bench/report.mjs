// Turns the key=value lines of run.sh (one results.txt per run) into the
// comparison table: hub, reference, hub/reference, the send() floor of the
// same run, and each issue-8 target. With several files, every figure, and
// every ratio taken within a run, is the median over the runs.
//
//   node tests/bench/report.mjs [--only overload] results.txt [more runs...]
import fs from "node:fs";

const args = process.argv.slice(2);
// --only overload: just the overload rows (for runs of that scenario alone).
const only = args[0] === "--only" ? args.splice(0, 2)[1] : "";
const runs = args.map((file) =>
  fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => {
    const kind = line.split(" ", 1)[0];
    const fields = {};
    for (const m of line.matchAll(/(\w+)=("[^"]*"|\S+)/g)) fields[m[1]] = m[2].replace(/^"|"$/g, "");
    return { kind, fields };
  }));

const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
// One field of the lines of one run matching `where`: the median when
// several match (run.sh repeats the @50k/s broadcast steps), NaN if none.
function valueIn(lines, kind, where, field) {
  return median(lines
    .filter((l) => l.kind === kind && Object.entries(where).every(([k, v]) => l.fields[k] === String(v)))
    .map((l) => Number(l.fields[field])));
}
// The median over runs of one field.
const pick = (kind, where, field) => median(runs.map((lines) => valueIn(lines, kind, where, field)));
// Ratios are taken within each run, against that run's own figures, and
// then the median over runs is quoted (not the ratio of two medians).
const medianRatio = (num, den) => median(runs.map((lines) => num(lines) / den(lines)));
const text = (kind, where, field) => {
  for (const lines of runs) {
    const line = lines.find((l) => l.kind === kind && Object.entries(where).every(([k, v]) => l.fields[k] === String(v)));
    if (line && line.fields[field] !== undefined) return line.fields[field];
  }
  return "–";
};

const fmt = (x, digits = 0) => {
  if (!Number.isFinite(x)) return "–";
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(digits);
};
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");

// A run's floor: the mean of the measurements before and after the servers.
const floorIn = (lines, sockets, fps, when) => {
  const at = (w) => valueIn(lines, "sendfloor", { when: w, sockets, frames_per_send: fps }, "ns_per_frame");
  return when ? at(when) : (at("before") + at("after")) / 2;
};
// The one-frame floor measured just before the hub's ramp of `tag`
// (run.sh floor_next_to); runs from before session 7 lack it, so they fall
// back to the mean of before and after.
const nextToIn = (lines, tag, sockets) => {
  const next = valueIn(lines, "sendfloor", { when: "next_to", scenario: tag, server: "hub" }, "ns_per_frame");
  return Number.isFinite(next) ? next : floorIn(lines, sockets, 1);
};
// A run's hub/floor ratio for the steps of `tag` at `rate` when run.sh
// measured the floor right before each of them (sendfloor when=step): each
// step against the floor just before it, the median of those ratios. NaN
// for runs without such floors.
const stepFloorRatioIn = (lines, tag, rate) => {
  let floor = NaN;
  const ratios = [];
  for (const l of lines) {
    if (l.kind === "sendfloor" && l.fields.when === "step" && l.fields.scenario === tag && l.fields.server === "hub") {
      floor = Number(l.fields.ns_per_frame);
    } else if (l.kind === "step" && l.fields.scenario === tag && l.fields.server === "hub" &&
               l.fields.rate === String(rate)) {
      ratios.push(Number(l.fields.srv_cpu_ns_per_msg) / floor);
      floor = NaN;  // one floor, one step
    }
  }
  return median(ratios);
};
const floorOf = (sockets, fps, when) => median(runs.map((lines) => floorIn(lines, sockets, fps, when)));
const floors = [[1000, 1], [1000, 4], [9000, 1]].map(([s, f]) => ({
  s, f, before: floorOf(s, f, "before"), after: floorOf(s, f, "after"),
}));
const floor1k = (lines) => nextToIn(lines, "bcast1k", 1000);
const floor9k = (lines) => nextToIn(lines, "bcast10k", 9000);
const floor1k4 = (lines) => floorIn(lines, 1000, 4);
// The same sends with idle spells between passes (run.sh "burst" floors).
const burst9k = (lines) => floorIn(lines, 9000, 1, "burst");
const burst1k6 = (lines) => floorIn(lines, 1000, 6, "burst");
const burst1k = (lines) => floorIn(lines, 1000, 1, "burst");
const burst9k1s = (lines) => floorIn(lines, 9000, 1, "burst_1s");

// A field of the one-frame floors of the hub's `tag` ramp: those measured
// before each step where run.sh did (their median), else the one next to it.
const hubFloorFieldIn = (lines, tag, field) => {
  const byStep = valueIn(lines, "sendfloor", { when: "step", scenario: tag, server: "hub" }, field);
  return Number.isFinite(byStep) ? byStep : valueIn(lines, "sendfloor", { when: "next_to", scenario: tag, server: "hub" }, field);
};
const rows = [];
// A row comparing one figure of one scenario; `target` explains the goal.
// `floor(lines)` gives a run's floor in the field's unit.
// `stepFloor(lines)`, where given, is a run's hub/floor ratio taken step by
// step (stepFloorRatioIn); runs without it use `floor`.
// `refWhere` overrides `where` on the reference's side.
function row(label, kind, where, field, { scale = 1, digits = 0, floor, stepFloor, target = "", refWhere = {} } = {}) {
  const hubIn = (lines) => valueIn(lines, kind, { ...where, server: "hub" }, field) * scale;
  const refIn = (lines) => valueIn(lines, kind, { ...where, ...refWhere, server: "ref" }, field) * scale;
  const floorRatioIn = (lines) => {
    const byStep = stepFloor ? stepFloor(lines) : NaN;
    return Number.isFinite(byStep) ? byStep : hubIn(lines) / floor(lines);
  };
  rows.push([label, fmt(median(runs.map(hubIn)), digits), fmt(median(runs.map(refIn)), digits),
    times(medianRatio(hubIn, refIn)), floor ? times(median(runs.map(floorRatioIn))) : "", target]);
}
// The TCP rows under a step's cost: segments per delivery against the
// floors before the steps (tcp_counters.h), the fast-path share, and how
// many frames each client read found, against the floor's receiver.
function tcpRows(tag, rate) {
  row("  TCP segments per delivery (frame + ACKs + window updates)", "step", { scenario: tag, rate }, "segs_per_msg",
    { digits: 2, floor: (lines) => hubFloorFieldIn(lines, tag, "segs_per_frame"), target: "context" });
  row("  share of frames on the client kernel's fast path", "step", { scenario: tag, rate }, "fastpath_per_msg",
    { digits: 2, target: "context" });
  row("  frames per client read", "step", { scenario: tag, rate }, "msgs_per_read",
    { digits: 2, floor: (lines) => hubFloorFieldIn(lines, tag, "frames_per_read"), target: "context" });
}

row("connect storm 10k: seconds", "result", { scenario: "connect10k" }, "connect_s", { digits: 2, target: "< 1 s" });
row("connect storm 10k: connects/s", "result", { scenario: "connect10k" }, "connects_per_s");
row("connect storm 10k: server CPU µs/connect", "result", { scenario: "connect10k" }, "srv_cpu_us_per_connect", { digits: 1 });
row("idle RSS per connection @10k (KiB)", "result", { scenario: "connect10k" }, "rss_kb_per_conn", { digits: 2, target: "≤ 4 KiB (@50k)" });
// As socket.io-client connects by default: polling first, then the upgrade.
row("connect storm 10k, polling then upgrade: seconds", "result", { scenario: "connect10k_upgrade" }, "connect_s", { digits: 2 });
row("connect storm 10k, polling then upgrade: server CPU µs/connect", "result", { scenario: "connect10k_upgrade" },
  "srv_cpu_us_per_connect", { digits: 1 });
row("idle RSS per upgraded connection @10k (KiB)", "result", { scenario: "connect10k_upgrade" }, "rss_kb_per_conn", { digits: 2 });
for (const lines of runs.slice(0, 1)) {
  for (const l of lines) {
    if (l.kind === "result" && l.fields.server === "hub" && /^connect\d+k$/.test(l.fields.scenario) && l.fields.scenario !== "connect10k") {
      row(`idle RSS per connection @${l.fields.scenario.slice(7)} (KiB)`, "result", { scenario: l.fields.scenario }, "rss_kb_per_conn", { digits: 2, target: "≤ 4 KiB (@50k)" });
    }
  }
}
for (const [tag, clients, floor] of [["bcast1k", "1k", floor1k], ["bcast10k", "10k", floor9k]]) {
  row(`broadcast ${clients}: max sustained deliveries/s`, "result", { scenario: tag }, "max_sustained_per_s");
  row(`broadcast ${clients}: first rate not sustained, achieved/s`, "result", { scenario: tag }, "saturated_per_s");
  rows.push([`broadcast ${clients}: which side saturated`, text("result", { scenario: tag, server: "hub" }, "bottleneck"),
    text("result", { scenario: tag, server: "ref" }, "bottleneck"), "", "", ""]);
  row(`broadcast ${clients}: server CPU ns/delivery at max`, "result", { scenario: tag }, "srv_cpu_ns_at_max", { floor });
  row(`broadcast ${clients}: loadgen CPU ns/delivery at max`, "result", { scenario: tag }, "lg_cpu_ns_at_max");
  row(`broadcast ${clients}: server CPU ns/delivery at half`, "result", { scenario: tag }, "half_srv_cpu_ns", { floor });
  row(`broadcast ${clients}: p50 µs at half of max`, "result", { scenario: tag }, "half_p50_us");
  row(`broadcast ${clients}: p99 µs at half of max`, "result", { scenario: tag }, "half_p99_us");
  row(`broadcast ${clients}: p999 µs at half of max`, "result", { scenario: tag }, "half_p999_us");
}
row("broadcast 1k @50k/s (1 frame/send): server CPU ns/delivery", "step", { scenario: "bcast1k", rate: 50000 }, "srv_cpu_ns_per_msg",
  { floor: floor1k, stepFloor: (lines) => stepFloorRatioIn(lines, "bcast1k", 50000), target: "≤ 1.25× floor, ≤ 0.5× ref" });
row("  same, against the floor measured before the ramp only", "step", { scenario: "bcast1k", rate: 50000 }, "srv_cpu_ns_per_msg",
  { floor: floor1k, target: "context" });
row("  same, against the 1k floor with 15 ms idle between passes", "step", { scenario: "bcast1k", rate: 50000 }, "srv_cpu_ns_per_msg",
  { floor: burst1k, target: "context" });
row("  of which in the server's user space (utime)", "step", { scenario: "bcast1k", rate: 50000 }, "srv_user_ns_per_msg",
  { target: "context" });
tcpRows("bcast1k", 50000);
row("broadcast 1k @50k/s: p99 µs", "step", { scenario: "bcast1k", rate: 50000 }, "p99_us");
row("broadcast 10k @50k/s: p99 µs", "step", { scenario: "bcast10k", rate: 50000 }, "p99_us", { target: "≤ 1/3 of ref" });
row("broadcast 10k @50k/s (1 frame/send): server CPU ns/delivery", "step", { scenario: "bcast10k", rate: 50000 }, "srv_cpu_ns_per_msg",
  { floor: floor9k, stepFloor: (lines) => stepFloorRatioIn(lines, "bcast10k", 50000), target: "≤ 1.25× floor, ≤ 0.5× ref" });
row("  same, against the floor measured before the ramp only", "step", { scenario: "bcast10k", rate: 50000 }, "srv_cpu_ns_per_msg",
  { floor: floor9k, target: "context" });
row("  same, against the 9k floor with 130 ms idle between passes", "step", { scenario: "bcast10k", rate: 50000 }, "srv_cpu_ns_per_msg",
  { floor: burst9k, target: "context" });
row("  of which in the server's user space (utime)", "step", { scenario: "bcast10k", rate: 50000 }, "srv_user_ns_per_msg",
  { target: "context" });
tcpRows("bcast10k", 50000);
row("broadcast 10k @1 bcast/s: last client µs (max)", "step", { scenario: "bcast10k", rate: 10000 }, "max_us",
  { floor: (lines) => 10000 * floor9k(lines) / 1e3, target: "≤ 1.25 × (10k × floor)" });
row("  same, against 10k × the 9k floor with 1 s idle between passes", "step", { scenario: "bcast10k", rate: 10000 }, "max_us",
  { floor: (lines) => 10000 * burst9k1s(lines) / 1e3, target: "context" });
tcpRows("bcast10k", 10000);
row("coalesce 1k @400 bcast/s: server CPU ns/delivery", "step", { scenario: "coalesce1k" }, "srv_cpu_ns_per_msg",
  { floor: floor1k4, target: "≤ 1.25× 4-frame floor, ≤ 0.2× ref" });
row("  same, against the 6-frame floor with 10 ms idle between passes", "step", { scenario: "coalesce1k" }, "srv_cpu_ns_per_msg",
  { floor: burst1k6, target: "context" });
row("coalesce 1k @400 bcast/s: delivered/s", "step", { scenario: "coalesce1k" }, "delivered_per_s");
row("coalesce 1k @400 bcast/s: p99 µs", "step", { scenario: "coalesce1k" }, "p99_us");
row("rooms 1000×10: max sustained deliveries/s", "result", { scenario: "rooms" }, "max_sustained_per_s");
rows.push(["rooms 1000×10: which side saturated", text("result", { scenario: "rooms", server: "hub" }, "bottleneck"),
  text("result", { scenario: "rooms", server: "ref" }, "bottleneck"), "", "", ""]);
row("rooms 1000×10: server CPU ns/delivery at max", "result", { scenario: "rooms" }, "srv_cpu_ns_at_max", { floor: floor9k });
row("rooms 1000×10: p99 µs at half of max", "result", { scenario: "rooms" }, "half_p99_us");
// The row above compares each server at half of its own max; these compare
// both at the same rate.
row("rooms 1000×10 @50k/s: p99 µs", "step", { scenario: "rooms", rate: 50000 }, "p99_us");
row("rooms 1000×10 @50k/s: server CPU ns/delivery", "step", { scenario: "rooms", rate: 50000 }, "srv_cpu_ns_per_msg");
// The reference fed as the hub is, by a backend's Publish stream (its gRPC
// bridge), instead of its in-process trigger.
const bridge = { refWhere: { scenario: "rooms_bridge" }, target: "context" };
row("  same, the reference fed through its gRPC bridge: p99 µs", "step", { scenario: "rooms", rate: 50000 }, "p99_us", bridge);
row("  same, the reference fed through its gRPC bridge: server CPU ns/delivery", "step", { scenario: "rooms", rate: 50000 },
  "srv_cpu_ns_per_msg", bridge);
row("EmitTo unary: calls/s", "result", { scenario: "emitto" }, "calls_per_s", { target: "≥ 30k/s" });
row("EmitTo unary: server CPU ns/call", "result", { scenario: "emitto" }, "srv_cpu_ns_per_msg");
row("EmitTo unary: server util (cores)", "result", { scenario: "emitto" }, "srv_util", { digits: 2 });
row("EmitTo unary: loadgen util (cores)", "result", { scenario: "emitto" }, "lg_util", { digits: 2 });
row("Publish stream: emits/s accepted", "result", { scenario: "publish" }, "calls_per_s", { target: "≥ 5× EmitTo target (150k/s)" });
row("Publish stream: server CPU ns/delivery", "result", { scenario: "publish" }, "srv_cpu_ns_per_msg", { floor: floor1k });
row("Publish stream: server util (cores)", "result", { scenario: "publish" }, "srv_util", { digits: 2 });
row("Publish stream: loadgen util (cores)", "result", { scenario: "publish" }, "lg_util", { digits: 2 });
// Client events to a backend: each client emit is one Subscribe message.
row("client events → Subscribe 1k: max sustained events/s", "result", { scenario: "inbound1k" }, "max_sustained_per_s");
rows.push(["client events → Subscribe 1k: which side saturated", text("result", { scenario: "inbound1k", server: "hub" }, "bottleneck"),
  text("result", { scenario: "inbound1k", server: "ref" }, "bottleneck"), "", "", ""]);
row("client events → Subscribe 1k @25k/s: server CPU ns/event", "step", { scenario: "inbound1k", rate: 25000 }, "srv_cpu_ns_per_msg");
row("client events → Subscribe 1k @25k/s: p99 µs", "step", { scenario: "inbound1k", rate: 25000 }, "p99_us");
row("client events → Subscribe 1k @25k/s: loadgen CPU ns/event", "step", { scenario: "inbound1k", rate: 25000 }, "lg_cpu_ns_per_msg");
row("polling 1k: max sustained deliveries/s", "result", { scenario: "polling1k" }, "max_sustained_per_s");
rows.push(["polling 1k: which side saturated", text("result", { scenario: "polling1k", server: "hub" }, "bottleneck"),
  text("result", { scenario: "polling1k", server: "ref" }, "bottleneck"), "", "", ""]);
row("polling 1k: server CPU ns/delivery at max", "result", { scenario: "polling1k" }, "srv_cpu_ns_at_max");
// A busy polling server answers fewer, fuller polls and so keeps up at
// 100 % CPU: its cost per delivery at the top rate says how full the polls
// got, not what a delivery costs. At 25k/s neither side is busy and each
// poll carries about one message.
row("polling 1k @25k/s (about a message per poll): server CPU ns/delivery", "step", { scenario: "polling1k", rate: 25000 },
  "srv_cpu_ns_per_msg");
row("polling 1k @400k/s: server util (cores)", "step", { scenario: "polling1k", rate: 400000 }, "srv_util", { digits: 2 });
row("polling 1k: p99 µs at half of max", "result", { scenario: "polling1k" }, "half_p99_us");

// Overload: some clients stop reading (run.sh OVERLOAD). Readers must lose
// nothing; the server's memory and what became of the stalled clients.
const overloadRows = [];
{
  const where = { scenario: "overload" };
  const before = rows.length;
  row("overload: server RSS before (MB)", "result", where, "srv_rss_before_mb", { digits: 1 });
  row("overload: server RSS peak (MB)", "result", where, "srv_rss_peak_mb", { digits: 1, target: "bounded" });
  row("overload: server RSS at the end, after the drain (MB)", "result", where, "srv_rss_final_mb", { digits: 1 });
  const nostall = { scenario: "overload_nostall" };
  row("same load, no client stalled (--overload only): RSS peak (MB)", "result", nostall, "srv_rss_peak_mb", { digits: 1 });
  row("same load, no client stalled: readers' p99 µs", "result", nostall, "p99_us");
  row("same load, no client stalled: readers' lost", "result", nostall, "lost");
  row("overload: broadcasts emitted", "result", where, "broadcasts");
  row("overload: readers' deliveries/s", "result", where, "reader_delivered_per_s");
  row("overload: readers' p99 µs", "result", where, "p99_us");
  row("overload: readers' lost", "result", where, "lost", { target: "0" });
  row("overload: readers' duplicated", "result", where, "dup", { target: "0" });
  row("overload: stalled clients closed", "result", where, "stalled_closed");
  row("overload: stalled clients that got everything", "result", where, "stalled_complete");
  row("overload: deliveries the stalled clients missed (dropped or after their close)", "result", where, "stalled_missing");
  row("overload: hub frames dropped (slow_client)", "result", where, "dropped_slow_client", { target: "counted" });
  row("overload: hub disconnects (forced close)", "result", where, "disconnects_forced_close");
  const drop = { scenario: "overload_drop" };
  row("overload, hub --outbound_overflow drop: RSS peak (MB)", "result", drop, "srv_rss_peak_mb", { digits: 1 });
  row("overload, drop: readers' lost", "result", drop, "lost", { target: "0" });
  row("overload, drop: readers' duplicated", "result", drop, "dup", { target: "0" });
  row("overload, drop: stalled clients closed", "result", drop, "stalled_closed");
  row("overload, drop: stalled clients still open, with gaps", "result", drop, "stalled_open_short");
  row("overload, drop: deliveries the stalled clients missed", "result", drop, "stalled_missing");
  row("overload, drop: hub frames dropped (queue_full)", "result", drop, "dropped_queue_full", { target: "= missed" });
  overloadRows.push(...rows.slice(before));
}

// Loss over every scenario (sum of lost + duplicated deliveries).
const lossOf = (server) => median(runs.map((lines) => lines
  .filter((l) => (l.kind === "step" || l.kind === "half" || (l.kind === "result" && l.fields.received !== undefined)) && l.fields.server === server)
  .reduce((sum, l) => sum + Math.max(0, Number(l.fields.lost || 0)) + Number(l.fields.dup || 0), 0)));
rows.push(["lost + duplicated deliveries (all scenarios)", fmt(lossOf("hub")), fmt(lossOf("ref")), "", "", "0"]);

const out = [];
out.push(`runs: ${runs.length} (figures are medians)  ${text("machine", {}, "cpu")}  kernel ${text("machine", {}, "kernel")}`);
if (only === "overload") {
  out.push("");
  out.push("| scenario | hub | reference | hub/ref | | target |");
  out.push("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of overloadRows) out.push(`| ${r.join(" | ")} |`);
  console.log(out.join("\n"));
  process.exit(0);
}
out.push("");
out.push("send() floor, ns of sender CPU per frame (before / after the servers):");
for (const f of floors) out.push(`  ${f.s} sockets × ${f.f} frame(s)/send: ${fmt(f.before)} / ${fmt(f.after)}`);
for (const [tag, sockets] of [["bcast1k", 1000], ["bcast10k", 9000]]) {
  const at = (server) => fmt(pick("sendfloor", { when: "next_to", scenario: tag, server }, "ns_per_frame"));
  out.push(`  ${sockets} sockets × 1 frame/send, just before ${tag} on the hub / the reference: ${at("hub")} / ${at("ref")}`);
}
const burst = (f) => fmt(median(runs.map(f)));
out.push(`  9000 sockets × 1 frame/send, 130 ms idle after each pass: ${burst(burst9k)}`);
out.push(`  1000 sockets × 1 frame/send, 15 ms idle after each pass: ${burst(burst1k)}`);
out.push(`  1000 sockets × 6 frames/send, 10 ms idle after each pass: ${burst(burst1k6)}`);
out.push(`  9000 sockets × 1 frame/send, 1 s idle after each pass: ${burst(burst9k1s)}`);
// What the kernel sent per frame in each shape (runs from session 9 on).
const floorField = (when, sockets, fps, field) => fmt(pick("sendfloor", { when, sockets, frames_per_send: fps }, field), 2);
const tcpFields = ["segs_per_frame", "fastpath_per_frame", "frames_per_read"];
if (floorField("before", 1000, 1, "segs_per_frame") !== "–") {
  out.push("TCP segments per frame (frame + ACKs + window updates) / data segments on the receiver's fast path");
  out.push("/ frames per read of the floor's receiver:");
  for (const [label, sockets, fps, when] of [["1000 × 1, tight loop", 1000, 1, "before"], ["1000 × 1, 15 ms idle", 1000, 1, "burst"],
    ["9000 × 1, tight loop", 9000, 1, "before"], ["9000 × 1, 130 ms idle", 9000, 1, "burst"],
    ["9000 × 1, 1 s idle", 9000, 1, "burst_1s"]]) {
    out.push(`  ${label}: ${tcpFields.map((field) => floorField(when, sockets, fps, field)).join(" / ")}`);
  }
}
out.push("Ratios are medians of each run's own ratio. A scenario's hub/floor uses the floor measured");
out.push("just before it on the hub (runs without one: the mean of before and after); the @50k/s cost");
out.push("rows pair each step with a floor measured just before that step, where the run has them.");
out.push("");
out.push("| scenario | hub | reference | hub/ref | hub/floor | target |");
out.push("| --- | ---: | ---: | ---: | ---: | --- |");
for (const r of rows) out.push(`| ${r.join(" | ")} |`);
console.log(out.join("\n"));
