// The first path through the hub: a backend subscribes over gRPC, a stock
// socket.io-client connects over WebSocket, events flow both ways.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  connectClient,
  expectGrpcError,
  grpc,
  grpcClient,
  once,
  show,
  sleep,
  startHub,
  subscribe,
  withHubOutput,
} from './lib/hub.mjs';

const json = (v) => Buffer.from(JSON.stringify(v));
const texts = (args) => args.map((b) => Buffer.from(b).toString('utf8'));

function assertConsecutive(events, who) {
  for (let i = 1; i < events.length; i++) {
    const prev = BigInt(events[i - 1].sequence);
    const cur = BigInt(events[i].sequence);
    assert.equal(
      cur,
      prev + 1n,
      `${who}: sequence ${cur} follows ${prev} at index ${i}\n${events.map(show).join('\n')}`,
    );
  }
}

describe('first path: subscribe, connect, emit both ways', () => {
  let hub;
  let api;
  let sub1;
  let sub2;
  let client; // connected for the whole file, until the SIGTERM test
  const extraClients = new Set();
  const t = (fn) => withHubOutput(() => hub, fn);

  const isConnected = (id) => (e) => e.kind === 'connected' && e.socket_id === id;
  const isDisconnected = (id) => (e) => e.kind === 'disconnected' && e.socket_id === id;
  const isEvent = (id, name) => (e) => e.kind === 'event' && e.socket_id === id && e.event?.payload?.event === name;

  before(async () => {
    hub = await startHub();
    api = grpcClient(hub.grpcPort);
    sub1 = await subscribe(api, {});
    sub2 = await subscribe(api, {});
  });

  after(async () => {
    client?.close();
    for (const c of extraClients) c.close();
    sub1?.cancel();
    sub2?.cancel();
    api?.close();
    if (hub) await hub.stop('SIGTERM');
  });

  it('a connecting client is announced to every subscriber', { timeout: 15_000 }, t(async () => {
    client = await connectClient(hub.url);
    assert.ok(client.id, 'client has a socket id');

    const ev = await sub1.next(isConnected(client.id));
    assert.equal(ev.kind, 'connected');
    assert.equal(ev.namespace, '/');
    assert.equal(ev.socket_id, client.id);
    assert.equal(ev.connected.transport, 'websocket');
    assert.ok(ev.connected.remote_address.length > 0, 'remote_address is set');
    const ts = Number(ev.timestamp_ms);
    assert.ok(Math.abs(ts - Date.now()) < 60_000, `timestamp_ms ${ev.timestamp_ms} is wall-clock ms`);

    const ev2 = await sub2.next(isConnected(client.id));
    assert.equal(ev2.namespace, '/');
    assert.equal(ev2.connected.transport, 'websocket');
  }));

  it('a client event reaches the backend with its JSON args', { timeout: 15_000 }, t(async () => {
    client.emit('hello', { a: 1 });
    const ev = await sub1.next(isEvent(client.id, 'hello'));
    assert.equal(ev.namespace, '/');
    assert.equal(ev.event.payload.event, 'hello');
    assert.deepEqual(texts(ev.event.payload.args), ['{"a":1}']);
    assert.ok(Buffer.isBuffer(ev.event.payload.args[0]));
    assert.equal(ev.event.payload.attachments.length, 0);
    assert.equal(ev.event.wants_ack, false);

    // Two subscribers without a group both receive the same event.
    const ev2 = await sub2.next(isEvent(client.id, 'hello'));
    assert.deepEqual(texts(ev2.event.payload.args), ['{"a":1}']);
    assert.equal(ev2.event.wants_ack, false);
  }));

  it('every JSON type survives as the exact text the client sent', { timeout: 15_000 }, t(async () => {
    const values = [
      'quote " backslash \\ slash / newline \n tab \t unicode é 日本語 🎉 \u0001',
      42,
      -3.5e-7,
      0,
      true,
      false,
      null,
      [1, 'two', [3, [4]], {}, []],
      { nested: { deep: [true, false, null], s: 'x', n: -1.25 }, empty: {}, 'k"ey': 'v' },
    ];
    client.emit('types', ...values);
    const ev = await sub1.next(isEvent(client.id, 'types'));
    const got = texts(ev.event.payload.args);
    assert.equal(got.length, values.length, `got ${got.length} args: ${show(got)}`);
    for (let i = 0; i < values.length; i++) {
      assert.equal(got[i], JSON.stringify(values[i]), `arg ${i} is the exact JSON text`);
      assert.deepEqual(JSON.parse(got[i]), values[i], `arg ${i} parses back to what was sent`);
    }
    assert.equal(ev.event.wants_ack, false);
  }));

  it('EmitTo delivers to one socket', { timeout: 15_000 }, t(async () => {
    const received = once(client, 'greet');
    const res = await api.emitTo({
      namespace: '/',
      socket_ids: [client.id],
      payload: { event: 'greet', args: [Buffer.from('{"x":"y"}'), Buffer.from('2')] },
    });
    assert.equal(res.recipients, '1');
    assert.deepEqual(res.missing_socket_ids, []);
    assert.deepEqual(await received, [{ x: 'y' }, 2]);
  }));

  it('EmitTo reports unknown socket ids', { timeout: 15_000 }, t(async () => {
    const received = once(client, 'partial');
    const unknown = 'no-such-socket-id';
    const res = await api.emitTo({
      namespace: '/',
      socket_ids: [client.id, unknown],
      payload: { event: 'partial', args: [json('ok')] },
    });
    assert.equal(res.recipients, '1');
    assert.deepEqual(res.missing_socket_ids, [unknown]);
    assert.deepEqual(await received, ['ok']);
  }));

  it('EmitTo rejects bad requests with precise status codes and sends nothing', { timeout: 15_000 }, t(async () => {
    const seen = [];
    const record = (event, ...args) => seen.push([event, ...args]);
    client.onAny(record);
    try {
      const payload = { event: 'nope', args: [json(1)] };
      await expectGrpcError(
        api.emitTo({ namespace: '/', socket_ids: ['unknown-1', 'unknown-2'], payload }),
        grpc.status.NOT_FOUND,
        'EmitTo with only unknown ids',
      );
      await expectGrpcError(
        api.emitTo({ namespace: '/', socket_ids: [], payload }),
        grpc.status.INVALID_ARGUMENT,
        'EmitTo with empty socket_ids',
      );
      for (const name of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
        await expectGrpcError(
          api.emitTo({ namespace: '/', socket_ids: [client.id], payload: { event: name, args: [json(1)] } }),
          grpc.status.INVALID_ARGUMENT,
          `EmitTo with reserved event name '${name}'`,
        );
      }
      await expectGrpcError(
        api.emitTo({ namespace: '/', socket_ids: [client.id], payload: { event: '', args: [json(1)] } }),
        grpc.status.INVALID_ARGUMENT,
        'EmitTo with an empty event name',
      );
      await expectGrpcError(
        api.emitTo({
          namespace: '/',
          socket_ids: [client.id],
          payload: { event: 'bad', args: [json('fine'), Buffer.from('{bad')] },
        }),
        grpc.status.INVALID_ARGUMENT,
        'EmitTo with a non-JSON arg',
      );

      // A valid emit after the failures is the first thing the client sees.
      const marker = once(client, 'marker');
      const res = await api.emitTo({ namespace: '/', socket_ids: [client.id], payload: { event: 'marker', args: [] } });
      assert.equal(res.recipients, '1');
      await marker;
      assert.deepEqual(seen, [['marker']], `client received: ${show(seen)}`);
    } finally {
      client.offAny(record);
    }
  }));

  it('Broadcast to the namespace reaches every connected client', { timeout: 15_000 }, t(async () => {
    const c2 = await connectClient(hub.url);
    extraClients.add(c2);
    const c3 = await connectClient(hub.url);
    extraClients.add(c3);
    try {
      await sub1.next(isConnected(c2.id));
      await sub1.next(isConnected(c3.id));
      const all = [client, c2, c3];
      const received = all.map((c) => once(c, 'news'));
      const res = await api.broadcast({
        selector: { namespace: '/' },
        payload: { event: 'news', args: [json({ headline: 'all' }), json(3)] },
      });
      assert.equal(res.recipients, '3');
      for (const args of await Promise.all(received)) {
        assert.deepEqual(args, [{ headline: 'all' }, 3]);
      }
    } finally {
      for (const c of [c2, c3]) {
        const id = c.id;
        c.close();
        extraClients.delete(c);
        await sub1.next(isDisconnected(id)).catch(() => {});
      }
    }
  }));

  it("a client's disconnect() is reported as 'client namespace disconnect'", { timeout: 15_000 }, t(async () => {
    const c = await connectClient(hub.url);
    extraClients.add(c);
    const id = c.id;
    await sub1.next(isConnected(id));
    c.disconnect();
    extraClients.delete(c);
    const ev = await sub1.next(isDisconnected(id));
    assert.equal(ev.namespace, '/');
    assert.equal(ev.disconnected.reason, 'client namespace disconnect');
    const ev2 = await sub2.next(isDisconnected(id));
    assert.equal(ev2.disconnected.reason, 'client namespace disconnect');
  }));

  it("an abruptly closed transport is reported as 'transport close'", { timeout: 15_000 }, t(async () => {
    const c = await connectClient(hub.url);
    extraClients.add(c);
    const id = c.id;
    await sub1.next(isConnected(id));
    c.io.engine.close();
    const ev = await sub1.next(isDisconnected(id));
    assert.equal(ev.disconnected.reason, 'transport close');
    c.close();
    extraClients.delete(c);
  }));

  it('sequence numbers increase by exactly one per event on each subscriber', { timeout: 15_000 }, t(async () => {
    // One more round trip so that both streams carry a fresh event.
    client.emit('last', 1);
    await sub1.next(isEvent(client.id, 'last'));
    await sub2.next(isEvent(client.id, 'last'));
    assert.ok(sub1.events.length >= 10, `sub1 got ${sub1.events.length} events`);
    assertConsecutive(sub1.events, 'sub1');
    assertConsecutive(sub2.events, 'sub2');
    // Both subscribers saw the same events (order across different sockets
    // is not part of the contract, so compare them as sorted lists).
    await sleep(200);
    const key = (e) => `${e.kind}:${e.socket_id}:${e.event?.payload?.event ?? ''}`;
    assert.deepEqual(sub2.events.map(key).sort(), sub1.events.map(key).sort());
  }));

  it('SIGTERM ends subscriptions with OK, closes clients and exits 0', { timeout: 20_000 }, t(async () => {
    const clientGone = once(client, 'disconnect', 10_000);
    const result = await hub.stop('SIGTERM');
    assert.deepEqual(result, { code: 0, signal: null }, 'hub exit status');
    const [reason] = await clientGone;
    assert.equal(reason, 'transport close');
    const s1 = await sub1.status;
    assert.equal(s1.code, grpc.status.OK, `sub1 ended with ${s1.code}: ${s1.details}`);
    const s2 = await sub2.status;
    assert.equal(s2.code, grpc.status.OK, `sub2 ended with ${s2.code}: ${s2.details}`);
  }));
});
