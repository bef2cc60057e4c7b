// The admin/ops HTTP surface: health, readiness and Prometheus metrics.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { connectClient, httpGet, metricValue, startHub, waitFor, withHubOutput } from './lib/hub.mjs';

const WS_CONNECTIONS = /^hub_connections\{transport="websocket"\} (\S+)$/m;

describe('admin endpoints', () => {
  let hub;
  const clients = new Set();
  const t = (fn) => withHubOutput(() => hub, fn);

  const metrics = async () => {
    const res = await httpGet(`${hub.adminUrl}/metrics`);
    assert.equal(res.status, 200, `/metrics status (body: ${res.body.slice(0, 500)})`);
    return res;
  };

  async function waitForWsConnections(expected) {
    let last = '';
    await waitFor(
      async () => {
        const { body } = await metrics();
        const m = WS_CONNECTIONS.exec(body);
        last = m ? m[0] : '(no hub_connections{transport="websocket"} line)';
        return m && m[0] === `hub_connections{transport="websocket"} ${expected}`;
      },
      { timeoutMs: 3000, intervalMs: 100, what: `hub_connections{transport="websocket"} == ${expected}` },
    ).catch((err) => {
      err.message += `; last seen: ${last}`;
      throw err;
    });
  }

  before(async () => {
    hub = await startHub();
  });

  after(async () => {
    for (const c of clients) c.close();
    if (hub) await hub.stop('SIGTERM');
  });

  it('/healthz is 200', { timeout: 10_000 }, t(async () => {
    const res = await httpGet(`${hub.adminUrl}/healthz`);
    assert.equal(res.status, 200);
  }));

  it('/readyz is 200 once the hub is ready', { timeout: 10_000 }, t(async () => {
    const res = await httpGet(`${hub.adminUrl}/readyz`);
    assert.equal(res.status, 200);
  }));

  it('/metrics is Prometheus text with zero websocket connections before any client', { timeout: 10_000 }, t(async () => {
    const res = await metrics();
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /^hub_connections\{transport="websocket"\} 0$/m);
  }));

  it('hub_connections follows clients connecting and leaving', { timeout: 15_000 }, t(async () => {
    const a = await connectClient(hub.url);
    clients.add(a);
    const b = await connectClient(hub.url);
    clients.add(b);
    await waitForWsConnections(2);
    for (const c of [a, b]) {
      c.close();
      clients.delete(c);
    }
    await waitForWsConnections(0);
  }));

  it('process metrics are exported with positive values', { timeout: 10_000 }, t(async () => {
    const { body } = await metrics();
    for (const name of ['hub_process_resident_memory_bytes', 'hub_process_cpu_seconds_total', 'hub_process_open_fds']) {
      const v = metricValue(body, name);
      assert.ok(Number.isFinite(v), `${name} is present with a numeric value`);
      assert.ok(v > 0, `${name} = ${v} > 0`);
    }
  }));

  it('hub_io_uring_shards agrees with the write path the log names', { timeout: 15_000 }, t(async () => {
    const line = hub.output().split('\n').find((l) => l.includes('event=write_path'));
    assert.ok(line, 'the hub logs its write path');
    const batched = metricValue((await metrics()).body, 'hub_io_uring_shards');
    if (/mode=io_uring/.test(line)) assert.ok(batched >= 1, `io_uring in the log, gauge ${batched}`);
    else assert.equal(batched, 0, line);

    const plain = await startHub({ args: ['--io_uring', 'false'] });
    try {
      assert.match(plain.output(), /event=write_path mode=send reason=disabled/);
      const body = (await httpGet(`${plain.adminUrl}/metrics`)).body;
      assert.equal(metricValue(body, 'hub_io_uring_shards'), 0);
    } finally {
      await plain.stop('SIGTERM');
    }
  }));

  it('an unknown admin path is 404', { timeout: 10_000 }, t(async () => {
    const res = await httpGet(`${hub.adminUrl}/nope`);
    assert.equal(res.status, 404);
  }));

  it('exits 0 on SIGTERM', { timeout: 15_000 }, t(async () => {
    const result = await hub.stop('SIGTERM');
    assert.deepEqual(result, { code: 0, signal: null });
  }));
});
