// Engine.IO v4 transports end to end: the stock socket.io-client on its
// default path (long-polling, then upgrade to WebSocket), polling only, an
// upgrade under a steady stream of events, and raw HTTP/WebSocket clients for
// the heartbeat, the limits, CORS and the error answers.

import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { NodeWebSocket, NodeXHR } from 'engine.io-client';
import WebSocket from 'ws';

import {
  connectClient,
  grpcClient,
  httpGet,
  metricValue,
  once,
  rawEngineSocket,
  show,
  sleep,
  startHub,
  subscribe,
  waitFor,
  withHubOutput,
} from './lib/hub.mjs';

const json = (v) => Buffer.from(JSON.stringify(v));
const MAX_BUFFER = 100_000;
const MAX_PACKETS = 1000;
const ALLOWED_ORIGIN = 'http://allowed.example';

/** One HTTP request to the Engine.IO endpoint on a fresh connection. */
function request(port, query, { method = 'GET', body, headers = {}, path = '/socket.io/', timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: `${path}?${query}`, method, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, raw: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ?${query} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const text = (res) => res.raw.toString('utf8');

/** A raw long-polling session: handshake, then GET/POST by sid. */
async function rawPolling(port, { path } = {}) {
  const res = await request(port, 'EIO=4&transport=polling', { path });
  assert.equal(res.status, 200, text(res));
  const open = JSON.parse(text(res).slice(1));
  const q = `EIO=4&transport=polling&sid=${open.sid}`;
  return {
    open,
    sid: open.sid,
    get: (opts = {}) => request(port, q, { path, ...opts }),
    post: (body, opts = {}) => request(port, q, { path, method: 'POST', body, ...opts }),
  };
}

// A WebSocket transport whose connection opens late, so that an upgrade
// happens while events are already flowing over polling.
class SlowWebSocket extends NodeWebSocket {
  doOpen() {
    setTimeout(() => super.doOpen(), 300);
  }
}

describe('engine.io transports', () => {
  let hub;
  let api;
  let sub;
  const clients = new Set();
  const t = (fn) => withHubOutput(() => hub, fn);
  const track = (s) => (clients.add(s), s);

  const isConnected = (id) => (e) => e.kind === 'connected' && e.socket_id === id;
  const isEvent = (id, name) => (e) => e.kind === 'event' && e.socket_id === id && e.event?.payload?.event === name;

  before(async () => {
    hub = await startHub({
      args: ['--max_http_buffer_size', String(MAX_BUFFER), '--max_packets_per_payload', String(MAX_PACKETS), '--cors_origins', `${ALLOWED_ORIGIN},http://other.example`],
    });
    api = grpcClient(hub.grpcPort);
    sub = await subscribe(api, {});
  });

  after(async () => {
    for (const c of clients) c.close();
    sub?.cancel();
    api?.close();
    if (hub) await hub.stop('SIGTERM');
  });

  it('default options: connects over polling, upgrades to websocket, events both ways', { timeout: 15_000 }, t(async () => {
    const client = track(await connectClient(hub.url, { transports: ['polling', 'websocket'] }));
    const connected = await sub.next(isConnected(client.id));
    assert.equal(connected.connected.transport, 'polling');
    await waitFor(() => client.io.engine.transport.name === 'websocket', { what: 'upgrade to websocket' });

    client.emit('hello', { n: 1 });
    const ev = await sub.next(isEvent(client.id, 'hello'));
    assert.deepEqual(JSON.parse(Buffer.from(ev.event.payload.args[0]).toString()), { n: 1 });

    const got = once(client, 'greet');
    await api.emitTo({ namespace: '/', socket_ids: [client.id], payload: { event: 'greet', args: [json('hi')] } });
    assert.deepEqual(await got, ['hi']);

    const metrics = await httpGet(`${hub.adminUrl}/metrics`);
    assert.ok(metricValue(metrics.body, 'hub_upgrades_total') >= 1, 'hub_upgrades_total counts the upgrade');
  }));

  it('polling only: text and binary events both ways', { timeout: 15_000 }, t(async () => {
    const client = track(await connectClient(hub.url, { transports: ['polling'] }));
    const connected = await sub.next(isConnected(client.id));
    assert.equal(connected.connected.transport, 'polling');
    assert.equal(client.io.engine.transport.name, 'polling');

    client.emit('bin', 'label', Buffer.from([1, 2, 3, 250]));
    const ev = await sub.next(isEvent(client.id, 'bin'));
    assert.equal(ev.event.payload.attachments.length, 1);
    assert.deepEqual([...Buffer.from(ev.event.payload.attachments[0])], [1, 2, 3, 250]);

    const got = once(client, 'blob');
    await api.emitTo({
      namespace: '/',
      socket_ids: [client.id],
      payload: { event: 'blob', args: [json({ _placeholder: true, num: 0 })], attachments: [Buffer.from([0, 255, 7])] },
    });
    const [blob] = await got;
    assert.deepEqual([...Buffer.from(blob)], [0, 255, 7]);

    for (let i = 0; i < 20; i++) client.emit('burst', i);
    await sub.next((e) => isEvent(client.id, 'burst')(e) && JSON.parse(Buffer.from(e.event.payload.args[0]).toString()) === 19);
    const seen = sub.events.filter(isEvent(client.id, 'burst')).map((e) => JSON.parse(Buffer.from(e.event.payload.args[0]).toString()));
    assert.deepEqual(seen, [...Array(20).keys()]);
  }));

  it('500 numbered events each way across an upgrade: none lost, duplicated or reordered', { timeout: 30_000 }, t(async () => {
    const N = 500;
    const client = track(await connectClient(hub.url, { transports: [NodeXHR, SlowWebSocket] }));
    assert.equal(client.io.engine.transport.name, 'polling');
    const received = [];
    const transportsSeen = new Set();
    client.on('n', (i) => {
      received.push(i);
      transportsSeen.add(client.io.engine.transport.name);
    });
    const upgraded = once(client.io.engine, 'upgrade', 10_000);

    const send = (async () => {
      for (let i = 0; i < N; i++) {
        client.emit('n', i);
        if (i % 10 === 9) await sleep(8);
      }
    })();
    const emit = (async () => {
      for (let i = 0; i < N; i++) {
        await api.emitTo({ namespace: '/', socket_ids: [client.id], payload: { event: 'n', args: [json(i)] } });
        if (i % 10 === 9) await sleep(8);
      }
    })();
    await Promise.all([send, emit, upgraded]);

    await waitFor(() => received.length >= N, { timeoutMs: 10_000, what: `client got ${N} events` });
    await sleep(100);
    assert.deepEqual(received, [...Array(N).keys()], 'client side: complete and in order');
    assert.deepEqual([...transportsSeen].sort(), ['polling', 'websocket'], 'events arrived over both transports');

    const isN = isEvent(client.id, 'n');
    const value = (e) => JSON.parse(Buffer.from(e.event.payload.args[0]).toString());
    await waitFor(() => sub.events.filter(isN).length >= N, { timeoutMs: 10_000, what: `backend got ${N} events` });
    await sleep(100);
    assert.deepEqual(sub.events.filter(isN).map(value), [...Array(N).keys()], 'backend side: complete and in order');
    assert.equal(client.io.engine.transport.name, 'websocket');
  }));

  it('an oversize POST is refused with 413 and closes its session', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal(s.open.maxPayload, MAX_BUFFER);
    const res = await s.post('4' + 'x'.repeat(MAX_BUFFER + 1));
    assert.equal(res.status, 413);
    await waitFor(async () => (await s.get()).status === 400, { what: 'session gone after oversize POST' });
  }));

  it('an oversize WebSocket message closes the connection with 1009', { timeout: 10_000 }, t(async () => {
    const raw = await rawEngineSocket(hub.sioPort);
    await raw.nextMessage(); // OPEN
    raw.ws.send('4' + 'x'.repeat(MAX_BUFFER + 1));
    const { code } = await raw.closed;
    assert.equal(code, 1009);
  }));

  it('more packets in one POST than --max_packets_per_payload closes the session', { timeout: 10_000 }, t(async () => {
    const ok = await rawPolling(hub.sioPort);
    assert.equal((await ok.post(Array(MAX_PACKETS).fill('6').join('\x1e'))).status, 200);
    const s = await rawPolling(hub.sioPort);
    const res = await s.post(Array(MAX_PACKETS + 1).fill('6').join('\x1e'));
    assert.equal(res.status, 400);
    assert.equal((await s.get()).status, 400);
  }));

  it('a malformed POST closes the session', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal((await s.post('4ok\x1e\x1e')).status, 400);
    assert.equal((await s.get()).status, 400);
  }));

  it('a second concurrent GET closes the session; the first gets the close packet', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    const first = s.get();
    await sleep(50);
    const second = await s.get();
    assert.equal(second.status, 400);
    const firstRes = await first;
    assert.equal(firstRes.status, 200);
    assert.equal(text(firstRes), '1');
    assert.equal((await s.get()).status, 400);
  }));

  it('unknown sid answers 400 with code 1; EIO=3 with code 5; bad transport with code 0', { timeout: 10_000 }, t(async () => {
    const unknown = await request(hub.sioPort, 'EIO=4&transport=polling&sid=AAnotARealSessionId');
    assert.equal(unknown.status, 400);
    assert.deepEqual(JSON.parse(text(unknown)), { code: 1, message: 'Session ID unknown' });
    const otherShard = await request(hub.sioPort, 'EIO=4&transport=polling&sid=ABnotARealSessionId', { method: 'POST', body: '4x' });
    assert.equal(otherShard.status, 400);
    assert.equal(JSON.parse(text(otherShard)).code, 1);
    const v3 = await request(hub.sioPort, 'EIO=3&transport=polling');
    assert.equal(v3.status, 400);
    assert.equal(JSON.parse(text(v3)).code, 5);
    const badTransport = await request(hub.sioPort, 'EIO=4&transport=carrier-pigeon');
    assert.equal(JSON.parse(text(badTransport)).code, 0);
  }));

  it('polling headers: content type, no caching, keep-alive', { timeout: 10_000 }, t(async () => {
    const res = await request(hub.sioPort, 'EIO=4&transport=polling');
    assert.equal(res.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    const open = JSON.parse(text(res).slice(1));
    assert.deepEqual(open.upgrades, ['websocket']);
    const ws = await rawEngineSocket(hub.sioPort);
    const wsOpen = JSON.parse((await ws.nextMessage()).slice(1));
    assert.deepEqual(wsOpen.upgrades, []);
    ws.ws.terminate();
  }));

  it('CORS: preflight, allowed and refused origins', { timeout: 10_000 }, t(async () => {
    const pre = await request(hub.sioPort, 'EIO=4&transport=polling', {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-custom',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
    assert.match(pre.headers['access-control-allow-methods'], /POST/);
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type,x-custom');
    assert.match(pre.headers.vary, /Origin/);

    const get = await request(hub.sioPort, 'EIO=4&transport=polling', { headers: { origin: ALLOWED_ORIGIN } });
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
    assert.match(get.headers.vary, /Origin/);

    const refused = await request(hub.sioPort, 'EIO=4&transport=polling', { headers: { origin: 'http://evil.example' } });
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(text(refused)).code, 4);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    const refusedPre = await request(hub.sioPort, 'EIO=4&transport=polling', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(refusedPre.status, 403);
    // WebSocket upgrades are checked against the same list.
    const ws = new WebSocket(`ws://127.0.0.1:${hub.sioPort}/socket.io/?EIO=4&transport=websocket`, {
      origin: 'http://evil.example',
    });
    ws.on('error', () => {});
    const outcome = await new Promise((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode);
      });
      ws.on('open', () => resolve('open'));
    });
    ws.terminate();
    assert.equal(outcome, 403);
  }));

  it('large polling responses are gzip-compressed when accepted', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal((await s.post('40')).status, 200);
    const connect = await s.get();
    const socketId = JSON.parse(text(connect).slice(2)).sid;
    const big = 'y'.repeat(5000);
    await api.emitTo({ namespace: '/', socket_ids: [socketId], payload: { event: 'big', args: [json(big)] } });
    const res = await s.get({ headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.ok(res.raw.length < 1000, `compressed to ${res.raw.length} bytes`);
    assert.equal(zlib.gunzipSync(res.raw).toString(), `42${JSON.stringify(['big', big])}`);
  }));

  it('a client close packet releases the held GET and ends the session (transport close)', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal((await s.post('40')).status, 200);
    const socketId = JSON.parse(text(await s.get()).slice(2)).sid;
    await sub.next(isConnected(socketId));
    const held = s.get();
    await sleep(50);
    assert.equal((await s.post('1')).status, 200);
    assert.equal(text(await held), '6');
    const gone = await sub.next((e) => e.kind === 'disconnected' && e.socket_id === socketId);
    assert.equal(gone.disconnected.reason, 'transport close');
  }));
});

describe('engine.io client close crossing a poll', () => {
  let hub;
  const t = (fn) => withHubOutput(() => hub, fn);
  before(async () => {
    hub = await startHub({ args: ['--shards', '2'] });
  });
  after(async () => {
    if (hub) await hub.stop('SIGTERM');
  });

  it('a GET that arrives just after the close packet gets the noop; the next one is 400', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal((await s.post('1')).status, 200);
    const late = await s.get();
    assert.equal(late.status, 200);
    assert.equal(text(late), '6');
    assert.equal((await s.get()).status, 400);
  }));

  it('a poll and a close sent together: the poll gets the noop every time, over two shards', { timeout: 30_000 }, t(async () => {
    // As the official Engine.IO suite does it: two requests at once on
    // pooled keep-alive connections, so either may arrive first on either shard.
    const url = `http://127.0.0.1:${hub.sioPort}/socket.io/?EIO=4&transport=polling`;
    for (let i = 0; i < 40; ++i) {
      const open = await fetch(url);
      const sid = JSON.parse((await open.text()).slice(1)).sid;
      const [poll, close] = await Promise.all([
        fetch(`${url}&sid=${sid}`),
        fetch(`${url}&sid=${sid}`, { method: 'POST', body: '1' }),
      ]);
      assert.equal(close.status, 200, `round ${i}: close`);
      assert.equal(poll.status, 200, `round ${i}: poll`);
      assert.equal(await poll.text(), '6', `round ${i}: poll body`);
      await close.text();
      const gone = await fetch(`${url}&sid=${sid}`);
      await gone.text();
      assert.equal(gone.status, 400, `round ${i}: the sid is gone`);
    }
  }));
});

describe('a polling client that stops polling while acks are awaited', () => {
  let hub;
  let api;
  const t = (fn) => withHubOutput(() => hub, fn);
  before(async () => {
    hub = await startHub({ args: ['--max_outbound_frames', '3'] });
    api = grpcClient(hub.grpcPort);
  });
  after(async () => {
    api?.close();
    if (hub) await hub.stop('SIGTERM');
  });

  it('EmitWithAck that overflows its queue answers DISCONNECTED, and the hub stays up', { timeout: 20_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal((await s.post('40')).status, 200);
    const socketId = JSON.parse(text(await s.get()).slice(2)).sid;
    // It never polls again: three frames fill its queue, the fourth closes
    // it (the default overflow policy), inside that EmitWithAck's send.
    const calls = [];
    for (let i = 0; i < 4; ++i) {
      calls.push(api.emitWithAck({ selector: { socket_ids: [socketId] }, payload: { event: 'q' }, timeout_ms: 5000 }));
      await sleep(50);
    }
    const replies = await Promise.all(calls);
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.results.length, 1, `call ${i}: ${show(reply)}`);
      assert.equal(reply.results[0].socket_id, socketId, `call ${i}: ${show(reply)}`);
      assert.equal(reply.results[0].status, 'ACK_STATUS_DISCONNECTED', `call ${i}: ${show(reply)}`);
    }
    assert.equal((await httpGet(`${hub.adminUrl}/healthz`)).status, 200);
    assert.deepEqual(await hub.stop('SIGTERM'), { code: 0, signal: null });
    hub = null;
  }));
});

describe('engine.io heartbeat', () => {
  let hub;
  let api;
  let sub;
  const t = (fn) => withHubOutput(() => hub, fn);
  const PING_INTERVAL = 300;
  const PING_TIMEOUT = 200;

  before(async () => {
    hub = await startHub({ args: ['--ping_interval_ms', String(PING_INTERVAL), '--ping_timeout_ms', String(PING_TIMEOUT)] });
    api = grpcClient(hub.grpcPort);
    sub = await subscribe(api, {});
  });

  after(async () => {
    sub?.cancel();
    api?.close();
    if (hub) await hub.stop('SIGTERM');
  });

  const disconnectOf = (id) => sub.next((e) => e.kind === 'disconnected' && e.socket_id === id, 5000);

  it('a polling client that never answers PING is closed with ping timeout', { timeout: 10_000 }, t(async () => {
    const s = await rawPolling(hub.sioPort);
    assert.equal(s.open.pingInterval, PING_INTERVAL);
    const start = Date.now();
    assert.equal((await s.post('40')).status, 200);
    const socketId = JSON.parse(text(await s.get()).slice(2)).sid;
    const ping = await s.get();
    assert.equal(text(ping), '2');
    const gone = await disconnectOf(socketId);
    const elapsed = Date.now() - start;
    assert.equal(gone.disconnected.reason, 'ping timeout');
    assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - 50 && elapsed < 3000, `closed after ${elapsed} ms`);
    assert.equal((await s.get()).status, 400);
  }));

  it('a websocket client that never answers PING is closed with ping timeout', { timeout: 10_000 }, t(async () => {
    const raw = await rawEngineSocket(hub.sioPort);
    await raw.nextMessage(); // OPEN
    raw.ws.send('40');
    const connect = await raw.nextMessage();
    const socketId = JSON.parse(connect.slice(2)).sid;
    assert.equal(await raw.nextMessage(), '2');
    const gone = await disconnectOf(socketId);
    assert.equal(gone.disconnected.reason, 'ping timeout');
    await raw.closed;
  }));

  it('a polling client that answers PINGs stays connected', { timeout: 10_000 }, t(async () => {
    const client = await connectClient(hub.url, { transports: ['polling'] });
    try {
      await sleep(3 * (PING_INTERVAL + PING_TIMEOUT));
      assert.ok(client.connected);
    } finally {
      client.close();
    }
  }));
});
