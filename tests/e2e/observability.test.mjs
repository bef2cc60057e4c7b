// Observability and operations: every metric moves when what it counts
// happens, and the graceful drain (Shutdown RPC and SIGTERM) keeps its
// promises to clients and backends.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';

import {
  connectClient,
  grpc,
  grpcClient,
  httpGet,
  metricValue,
  rawEngineSocket,
  sleep,
  startHub,
  subscribe,
  waitFor,
  withHubOutput,
} from './lib/hub.mjs';

const json = (value) => Buffer.from(JSON.stringify(value));

async function scrape(hub) {
  const res = await httpGet(`${hub.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  return res.body;
}

// Waits until `metric{labels}` reaches at least `atLeast`; returns its value.
async function waitMetric(hub, name, labels, atLeast) {
  let value = NaN;
  await waitFor(
    async () => {
      value = metricValue(await scrape(hub), name, labels);
      return value >= atLeast;
    },
    { timeoutMs: 5000, intervalMs: 50, what: `${name}${labels ?? ''} >= ${atLeast} (last ${value})` },
  );
  return value;
}

describe('metrics move with what they count', { timeout: 60_000 }, () => {
  let hub;
  let backend;
  let sub;
  const clients = [];
  const t = (fn) => withHubOutput(() => hub, fn);

  before(async () => {
    hub = await startHub({
      args: ['--ping_interval_ms', '300', '--ping_timeout_ms', '300', '--max_outbound_bytes', '1024',
             '--max_http_buffer_size', '2000000'],
    });
    backend = grpcClient(hub.grpcPort);
    sub = await subscribe(backend.client);
  });

  after(async () => {
    sub?.cancel();
    for (const c of clients) c.close();
    backend?.close();
    await hub?.stop();
  });

  it('connections, handshakes and sockets', t(async () => {
    const before = await scrape(hub);
    const handshakes = metricValue(before, 'hub_handshakes_total', '{transport="websocket"}');
    clients.push(await connectClient(hub.url), await connectClient(hub.url));
    await waitMetric(hub, 'hub_connections', '{transport="websocket"}', 2);
    await waitMetric(hub, 'hub_handshakes_total', '{transport="websocket"}', handshakes + 2);
    await waitMetric(hub, 'hub_sockets', '{namespace="/"}', 2);
    assert.equal(metricValue(await scrape(hub), 'hub_subscribers', '{group=""}'), 1);
  }));

  it('client events, packets, bytes and subscriber deliveries', t(async () => {
    const before = await scrape(hub);
    const events = metricValue(before, 'hub_client_events_total');
    const packetsIn = metricValue(before, 'hub_packets_in_total', '{transport="websocket"}');
    const bytesIn = metricValue(before, 'hub_bytes_in_total', '{transport="websocket"}');
    const delivered = metricValue(before, 'hub_subscriber_events_total', '{outcome="delivered"}');
    for (let i = 0; i < 3; i++) clients[0].emit('tick', i);
    await sub.next((e) => e.event?.payload.event === 'tick' && e.event.payload.args[0].toString() === '2');
    await waitMetric(hub, 'hub_client_events_total', null, events + 3);
    await waitMetric(hub, 'hub_packets_in_total', '{transport="websocket"}', packetsIn + 3);
    await waitMetric(hub, 'hub_bytes_in_total', '{transport="websocket"}', bytesIn + 3 * 10);
    await waitMetric(hub, 'hub_subscriber_events_total', '{outcome="delivered"}', delivered + 3);
  }));

  it('gRPC calls by method and code, recipients, fan-out, packets out', t(async () => {
    const before = await scrape(hub);
    const ok = metricValue(before, 'hub_grpc_calls_total', '{code="OK",method="Broadcast"}') || 0;
    const bad = metricValue(before, 'hub_grpc_calls_total', '{code="INVALID_ARGUMENT",method="EmitTo"}') || 0;
    const fanouts = metricValue(before, 'hub_broadcast_fanout_sockets_count') || 0;
    const out = metricValue(before, 'hub_packets_out_total', '{transport="websocket"}');
    const got = new Promise((resolve) => clients[1].once('news', resolve));
    const res = await backend.broadcast({ selector: { namespace: '/' }, payload: { event: 'news', args: [json(1)] } });
    assert.equal(Number(res.recipients), 2);
    await got;
    await backend.emitTo({ namespace: '/', socket_ids: [clients[0].id], payload: { event: 'connect' } }).catch(() => {});
    await waitMetric(hub, 'hub_grpc_calls_total', '{code="OK",method="Broadcast"}', ok + 1);
    await waitMetric(hub, 'hub_grpc_calls_total', '{code="INVALID_ARGUMENT",method="EmitTo"}', bad + 1);
    await waitMetric(hub, 'hub_broadcast_fanout_sockets_count', null, fanouts + 1);
    await waitMetric(hub, 'hub_emit_recipients_total', '{rpc="Broadcast"}', 2);
    await waitMetric(hub, 'hub_packets_out_total', '{transport="websocket"}', out + 2);
    assert.ok(metricValue(await scrape(hub), 'hub_grpc_call_duration_seconds_count', '{method="Broadcast"}') >= 1);
  }));

  it('acks by result', t(async () => {
    clients[0].once('ask', (n, cb) => cb(n + 1));
    const res = await backend.emitWithAck({
      selector: { namespace: '/' },
      payload: { event: 'ask', args: [json(41)] },
      timeout_ms: 500,
    });
    const byStatus = Object.fromEntries(res.results.map((r) => [r.socket_id, r.status]));
    assert.equal(byStatus[clients[0].id], 'ACK_STATUS_OK');
    assert.equal(byStatus[clients[1].id], 'ACK_STATUS_TIMEOUT');
    await waitMetric(hub, 'hub_acks_total', '{result="ok"}', 1);
    await waitMetric(hub, 'hub_acks_total', '{result="timeout"}', 1);
    await waitMetric(hub, 'hub_ack_duration_seconds_count', '{result="ok"}', 1);
  }));

  it('heartbeat pings, pongs and timeouts', t(async () => {
    const before = await scrape(hub);
    const pings = metricValue(before, 'hub_heartbeat_pings_total');
    const pongs = metricValue(before, 'hub_heartbeat_pongs_total');
    const timeouts = metricValue(before, 'hub_heartbeat_timeouts_total');
    // A raw client that never answers PING.
    const raw = await rawEngineSocket(hub.sioPort);
    await raw.closed;
    await waitMetric(hub, 'hub_heartbeat_timeouts_total', null, timeouts + 1);
    await waitMetric(hub, 'hub_disconnects_total', '{reason="ping timeout"}', 1);
    await waitMetric(hub, 'hub_heartbeat_pings_total', null, pings + 2);
    await waitMetric(hub, 'hub_heartbeat_pongs_total', null, pongs + 1);
    await waitMetric(hub, 'hub_heartbeat_pong_latency_seconds_count', null, 1);
  }));

  it('refused handshakes by reason', t(async () => {
    const before = metricValue(await scrape(hub), 'hub_handshakes_rejected_total', '{reason="unsupported_version"}');
    const res = await httpGet(`${hub.url}/socket.io/?EIO=3&transport=websocket`);
    assert.equal(res.status, 400);
    await waitMetric(hub, 'hub_handshakes_rejected_total', '{reason="unsupported_version"}', before + 1);
  }));

  it('a client that stops reading overflows its queue: dropped and disconnected', t(async () => {
    const raw = await rawEngineSocket(hub.sioPort);
    await raw.nextMessage(); // OPEN
    raw.ws.send('40');
    const connectReply = await raw.nextMessage();
    const sid = JSON.parse(connectReply.slice(2)).sid;
    raw.ws._socket.pause(); // stop reading: the kernel buffers fill, then the hub's queue
    const big = json('x'.repeat(200_000));
    const before = metricValue(await scrape(hub), 'hub_frames_dropped_total', '{reason="slow_client"}');
    for (let i = 0; i < 60; i++) {
      try {
        await backend.emitTo({ namespace: '/', socket_ids: [sid], payload: { event: 'big', args: [big] } });
      } catch (err) {
        if (err.code === grpc.status.NOT_FOUND) break; // already disconnected as a slow client
        throw err;
      }
    }
    await waitMetric(hub, 'hub_frames_dropped_total', '{reason="slow_client"}', before + 1);
    const depth = await scrape(hub);
    assert.ok(metricValue(depth, 'hub_outbound_queue_depth_count') > 0, 'queue depth observed');
    assert.ok(metricValue(depth, 'hub_outbound_queue_depth_bucket', '{le="+Inf"}') > 0);
    await waitMetric(hub, 'hub_disconnects_total', '{reason="forced close"}', 1);
    raw.ws.terminate();
  }));

  it('socket disconnect reasons', t(async () => {
    const before = metricValue(await scrape(hub), 'hub_socket_disconnects_total', '{reason="client namespace disconnect"}');
    const c = await connectClient(hub.url);
    c.disconnect();
    await waitMetric(hub, 'hub_socket_disconnects_total', '{reason="client namespace disconnect"}', before + 1);
  }));

  it('a slow subscriber drops events, counted', t(async () => {
    const slowHub = await startHub({ args: ['--subscriber_queue_size', '2'] });
    try {
      const slowBackend = grpcClient(slowHub.grpcPort);
      const slow = await subscribe(slowBackend.client);
      slow.call.pause();
      const c = await connectClient(slowHub.url);
      for (let i = 0; i < 2000; i++) c.emit('flood', i);
      await waitMetric(slowHub, 'hub_subscriber_events_total', '{outcome="dropped_queue_full"}', 1);
      c.close();
      slow.cancel();
      slowBackend.close();
    } finally {
      await slowHub.stop();
    }
  }));

  it('every metric the Grafana dashboard queries is exported', t(async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { SOURCE_DIR } = await import('./lib/hub.mjs');
    const dashboard = JSON.parse(readFileSync(path.join(SOURCE_DIR, 'deploy', 'grafana', 'hub-dashboard.json'), 'utf8'));
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const names = new Set(exprs.flatMap((e) => e.match(/hub_[a-z_]+/g) ?? []));
    assert.ok(names.size >= 20, `dashboard uses ${names.size} metrics`);
    const body = await scrape(hub);
    const exported = new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const name of names) {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      assert.ok(exported.has(name) || exported.has(family), `dashboard metric ${name} is not exported`);
    }
  }));

  it('/admin/stats reports connections and namespaces', t(async () => {
    const res = await httpGet(`${hub.adminUrl}/admin/stats`);
    assert.equal(res.status, 200);
    const stats = JSON.parse(res.body);
    assert.equal(stats.ready, true);
    assert.equal(stats.draining, false);
    assert.ok(stats.connections.websocket >= 2);
    assert.ok(stats.namespaces['/'] >= 2);
    assert.equal(stats.subscribers[0].subscribers, 1);
  }));
});

describe('admin endpoints behind a token', { timeout: 30_000 }, () => {
  it('/admin/* needs the bearer token; probes and metrics do not', async () => {
    const hub = await startHub({ args: ['--admin_token', 'let-me-in'] });
    try {
      assert.equal((await httpGet(`${hub.adminUrl}/admin/stats`)).status, 401);
      assert.equal((await httpGet(`${hub.adminUrl}/admin/stats`, { headers: { authorization: 'Bearer nope' } })).status, 401);
      assert.equal((await httpGet(`${hub.adminUrl}/admin/stats`, { headers: { authorization: 'Bearer let-me-in' } })).status, 200);
      assert.equal((await httpGet(`${hub.adminUrl}/healthz`)).status, 200);
      assert.equal((await httpGet(`${hub.adminUrl}/metrics`)).status, 200);
    } finally {
      await hub.stop();
    }
  });
});

// Drain: 50 clients and a subscriber; events queued before the drain arrive,
// pending acks complete as DISCONNECTED, readiness turns 503 before the
// connections close, clients see 'transport close' and start reconnecting,
// backends see 'server shutting down', the stream ends OK, exit 0 in time.
async function drainScenario(trigger) {
  const grace = 4000;
  const hub = await startHub({ args: ['--drain_grace_ms', String(grace), '--drain_delay_ms', '400'] });
  const backend = grpcClient(hub.grpcPort);
  const sub = await subscribe(backend.client);
  const clients = [];
  try {
    for (let i = 0; i < 50; i++) {
      clients.push(
        await connectClient(hub.url, { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 }),
      );
    }
    const received = clients.map(() => []);
    const reasons = clients.map(() => null);
    const readyAtClose = [];
    const reconnecting = clients.map(() => false);
    clients.forEach((c, i) => {
      c.on('seq', (n) => received[i].push(n));
      c.on('disconnect', (reason) => {
        reasons[i] = reason;
      });
      c.io.on('reconnect_attempt', () => {
        reconnecting[i] = true;
      });
    });

    // A pending ack nobody answers.
    const pendingAck = backend.emitWithAck(
      { selector: { namespace: '/', socket_ids: [clients[0].id] }, payload: { event: 'never-acked' }, timeout_ms: 20000 },
      { timeoutMs: 20000 },
    );
    // Events accepted before the drain.
    for (let n = 0; n < 20; n++) {
      await backend.broadcast({ selector: { namespace: '/' }, payload: { event: 'seq', args: [json(n)] } });
    }

    const started = Date.now();
    const exited = new Promise((resolve) => hub.proc.once('exit', (code, signal) => resolve({ code, signal })));
    const triggered = trigger(hub, backend);

    // Readiness turns false while clients are still connected.
    await waitFor(async () => (await httpGet(`${hub.adminUrl}/readyz`)).status === 503, {
      timeoutMs: 2000, intervalMs: 20, what: '/readyz 503',
    });
    readyAtClose.push(clients.filter((c) => c.connected).length);

    const ack = await pendingAck;
    assert.equal(ack.results.length, 1);
    assert.equal(ack.results[0].status, 'ACK_STATUS_DISCONNECTED');

    const response = await triggered;
    const { code, signal } = await exited;
    const elapsed = Date.now() - started;

    assert.equal(code, 0, `exit code (signal ${signal})`);
    assert.ok(elapsed < grace + 1500, `exited after ${elapsed} ms, grace ${grace} ms`);
    assert.ok(readyAtClose[0] > 0, '/readyz was 503 before the clients were disconnected');
    await waitFor(() => reasons.every((r) => r !== null), { timeoutMs: 3000, what: 'every client disconnected' });
    assert.deepEqual(new Set(reasons), new Set(['transport close']));
    await waitFor(() => reconnecting.every(Boolean), { timeoutMs: 3000, what: 'every client reconnecting' });
    for (const r of received) assert.deepEqual(r, [...Array(20).keys()]);

    const status = await sub.status;
    assert.equal(status.code, grpc.status.OK);
    const shuttingDown = sub.events.filter((e) => e.disconnected?.reason === 'server shutting down');
    assert.equal(shuttingDown.length, 50);
    return response;
  } finally {
    for (const c of clients) c.close();
    sub.cancel();
    backend.close();
    await hub.stop().catch(() => {});
  }
}

describe('graceful drain', { timeout: 60_000 }, () => {
  it('Shutdown RPC drains 50 clients and a subscriber', async () => {
    const response = await drainScenario((hub, backend) =>
      backend.shutdown({ grace_period_ms: 0, reason: 'e2e' }, { timeoutMs: 10000 }),
    );
    assert.equal(Number(response.sockets_disconnected), 50);
  });

  it('SIGTERM drains 50 clients and a subscriber the same way', async () => {
    await drainScenario(async (hub) => {
      hub.proc.kill('SIGTERM');
      await sleep(0);
    });
  });

  it('UNAVAILABLE for emits while draining', async () => {
    const hub = await startHub({ args: ['--drain_delay_ms', '1000'] });
    const backend = grpcClient(hub.grpcPort);
    try {
      hub.proc.kill('SIGTERM');
      await waitFor(async () => (await httpGet(`${hub.adminUrl}/readyz`)).status === 503, {
        timeoutMs: 2000, intervalMs: 20, what: '/readyz 503',
      });
      const err = await backend
        .broadcast({ selector: { namespace: '/' }, payload: { event: 'late' } })
        .then(() => null, (e) => e);
      assert.equal(err?.code, grpc.status.UNAVAILABLE);
      const refused = await httpGet(`${hub.url}/socket.io/?EIO=4&transport=websocket`);
      assert.equal(refused.status, 503);
    } finally {
      backend.close();
      await hub.stop().catch(() => {});
    }
  });
});
