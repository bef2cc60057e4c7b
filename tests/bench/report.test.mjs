// report.mjs turns run.sh's results into the table that RESULTS.md and the
// issue notes quote, so its arithmetic is tested: each ratio is taken within
// one run and the median over runs is quoted, and a broadcast ramp is judged
// against the floor measured just before it (or just before each step), at
// the median of its repeated steps.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const REPORT = new URL('./report.mjs', import.meta.url).pathname;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-report-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// One run's lines: the before/after floors, optionally the floors next to
// the ramps, and the fixed-rate steps the targets read.
function run(name, { floor1k, nextTo1k, hub1k, ref1k, floor9k, hubLastUs }) {
  const lines = [
    'machine cpu="test cpu" kernel=test',
    `sendfloor when=before sockets=1000 frames_per_send=1 ns_per_frame=${floor1k}`,
    `sendfloor when=after sockets=1000 frames_per_send=1 ns_per_frame=${floor1k}`,
    `sendfloor when=before sockets=9000 frames_per_send=1 ns_per_frame=${floor9k}`,
    `sendfloor when=after sockets=9000 frames_per_send=1 ns_per_frame=${floor9k}`,
    ...[hub1k].flat().map((ns) => `step server=hub scenario=bcast1k rate=50000 srv_cpu_ns_per_msg=${ns}`),
    `step server=ref scenario=bcast1k rate=50000 srv_cpu_ns_per_msg=${ref1k}`,
    `step server=hub scenario=bcast10k rate=10000 max_us=${hubLastUs}`,
  ];
  if (nextTo1k) {
    lines.push(`sendfloor when=next_to scenario=bcast1k server=hub sockets=1000 frames_per_send=1 ns_per_frame=${nextTo1k}`);
  }
  const file = path.join(dir, `${name}.txt`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

// A run whose 1k @50k/s steps each follow a floor: `steps` holds, per step,
// the extra fields of the floor, of the hub's step and of the reference's.
function runWithStepFloors(name, steps) {
  const file = run(name, { floor1k: 3000, hub1k: [], ref1k: 10000, floor9k: 5000, hubLastUs: 1 });
  fs.appendFileSync(file, steps.map(([floor, hub, ref]) =>
    `sendfloor when=step scenario=bcast1k server=hub sockets=1000 frames_per_send=1 ns_per_frame=4000 ${floor}\n` +
    `step server=hub scenario=bcast1k rate=50000 srv_cpu_ns_per_msg=5000 ${hub}\n` +
    `step server=ref scenario=bcast1k rate=50000 srv_cpu_ns_per_msg=10000 ${ref}\n`).join(''));
  return file;
}

function tableRow(output, label) {
  const line = output.split('\n').find((l) => l.startsWith(`| ${label} |`));
  assert.ok(line, `no row "${label}" in:\n${output}`);
  const [, , hub, ref, hubRef, hubFloor] = line.split('|').map((cell) => cell.trim());
  return { hub, ref, hubRef, hubFloor };
}

const report = (...files) => execFileSync(process.execPath, [REPORT, ...files], { encoding: 'utf8' });
const COST_1K = 'broadcast 1k @50k/s (1 frame/send): server CPU ns/delivery';

describe('report.mjs', () => {
  it('quotes the median of per-run ratios, not the ratio of medians', () => {
    // Per-run hub/floor: 1.20, 1.25, 1.50 (median 1.25); the ratio of the
    // medians would be 4200 / 3000 = 1.40. Per-run hub/ref: 0.40, 0.50, 0.60.
    const files = [
      run('a', { floor1k: 3000, hub1k: 3600, ref1k: 9000, floor9k: 5000, hubLastUs: 60000 }),
      run('b', { floor1k: 4000, hub1k: 5000, ref1k: 10000, floor9k: 6000, hubLastUs: 90000 }),
      run('c', { floor1k: 2800, hub1k: 4200, ref1k: 7000, floor9k: 5500, hubLastUs: 55000 }),
    ];
    const row = tableRow(report(...files), COST_1K);
    assert.equal(row.hub, '4200');
    assert.equal(row.hubFloor, '1.25×');
    assert.equal(row.hubRef, '0.50×');
    // Last client against 10k × each run's 9k floor: 1.20, 1.50, 1.00.
    assert.equal(tableRow(report(...files), 'broadcast 10k @1 bcast/s: last client µs (max)').hubFloor, '1.20×');
  });

  it('judges a ramp against the floor measured just before it', () => {
    const file = run('next', { floor1k: 3000, nextTo1k: 4000, hub1k: 5000, ref1k: 10000, floor9k: 5000, hubLastUs: 1 });
    assert.equal(tableRow(report(file), COST_1K).hubFloor, '1.25×');
    const without = run('plain', { floor1k: 4000, hub1k: 5000, ref1k: 10000, floor9k: 5000, hubLastUs: 1 });
    assert.equal(tableRow(report(without), COST_1K).hubFloor, '1.25×');
  });

  it('pairs each @50k/s step with the floor measured just before it, where the run has those', () => {
    // Steps 5000, 5000, 6000 after step floors 4000, 5000, 4000: ratios 1.25,
    // 1.00, 1.50, median 1.25. Against the floor next to the ramp (3000) the
    // median step would read 1.67×, which the context row still shows.
    const file = run('each', { floor1k: 3000, nextTo1k: 3000, hub1k: [], ref1k: 10000, floor9k: 5000, hubLastUs: 1 });
    const steps = [[4000, 5000], [5000, 5000], [4000, 6000]].map(([floor, ns]) =>
      `sendfloor when=step scenario=bcast1k server=hub sockets=1000 frames_per_send=1 ns_per_frame=${floor}\n` +
      `step server=hub scenario=bcast1k rate=50000 srv_cpu_ns_per_msg=${ns}\n`);
    fs.appendFileSync(file, steps.join(''));
    const output = report(file);
    assert.equal(tableRow(output, COST_1K).hubFloor, '1.25×');
    assert.equal(tableRow(output, '  same, against the floor measured before the ramp only').hubFloor, '1.67×');
  });

  it('sets the TCP segments per delivery against those of the floors before the steps', () => {
    // Step floors sent 1.60, 1.70, 1.80 segments per frame (median 1.70);
    // the hub's steps 2.00, 2.04, 2.00 (median 2.00): 1.18×.
    const file = runWithStepFloors('segs', [[1.6, 2.0], [1.7, 2.04], [1.8, 2.0]].map(([floor, segs]) =>
      [`segs_per_frame=${floor}`, `segs_per_msg=${segs} fastpath_per_msg=0`, 'segs_per_msg=2 fastpath_per_msg=0']));
    const row = tableRow(report(file), '  TCP segments per delivery (frame + ACKs + window updates)');
    assert.equal(row.hub, '2.00');
    assert.equal(row.hubRef, '1.00×');
    assert.equal(row.hubFloor, '1.18×');
  });

  it('sets the frames per client read against those of the floors before the steps', () => {
    // Step floors read 1.50, 1.60, 1.70 frames per read (median 1.60); the
    // hub's clients 1.00 each time: 0.63×.
    const file = runWithStepFloors('reads', [1.5, 1.6, 1.7].map((floor) =>
      [`frames_per_read=${floor}`, 'msgs_per_read=1.00', 'msgs_per_read=1.00']));
    const row = tableRow(report(file), '  frames per client read');
    assert.equal(row.hub, '1.00');
    assert.equal(row.hubRef, '1.00×');
    assert.equal(row.hubFloor, '0.63×');
  });

  it('sets the hub\'s rooms steps against the reference fed through its gRPC bridge', () => {
    // The reference's in-process rooms step (2000 µs) must not be used;
    // its bridge steps read 9000, 12000, 30000 µs (median 12000).
    const file = run('bridge', { floor1k: 3000, hub1k: [], ref1k: 10000, floor9k: 5000, hubLastUs: 1 });
    fs.appendFileSync(file, [
      'step server=hub scenario=rooms rate=50000 p99_us=3000',
      'step server=ref scenario=rooms rate=50000 p99_us=2000',
      ...[9000, 12000, 30000].map((us) => `step server=ref scenario=rooms_bridge rate=50000 p99_us=${us}`),
    ].join('\n') + '\n');
    const output = report(file);
    assert.equal(tableRow(output, 'rooms 1000×10 @50k/s: p99 µs').hubRef, '1.50×');
    const row = tableRow(output, '  same, the reference fed through its gRPC bridge: p99 µs');
    assert.equal(row.ref, '12.0k');
    assert.equal(row.hubRef, '0.25×');
  });

  it('takes the median of a rate repeated within one run', () => {
    const file = run('steps', { floor1k: 4000, hub1k: [6000, 4400, 5000], ref1k: 10000, floor9k: 5000, hubLastUs: 1 });
    const row = tableRow(report(file), COST_1K);
    assert.equal(row.hub, '5000');
    assert.equal(row.hubFloor, '1.25×');
  });
});
