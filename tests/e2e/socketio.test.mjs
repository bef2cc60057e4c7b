// Socket.IO v5 as the stock socket.io-client uses it (issue 4): namespaces
// over one connection, namespace allow-lists and globs, auth/query/headers,
// connect timeout, binary and acks both ways, rooms with exceptions,
// disconnect reasons, reserved names and limits. Every case runs once per
// transport; the polling variant is skipped until the hub answers a
// long-polling handshake.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { Manager, io } from 'socket.io-client';

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
import {
  POLLING_SKIP_REASON,
  TRANSPORTS,
  collect,
  connectManager,
  expectConnectError,
  json,
  listAll,
  metric,
  parsed,
  placeholder,
  pollingAvailable,
  settle,
  texts,
  waitMetric,
} from './lib/extra.mjs';

const CONNECT_TIMEOUT_MS = 800;
const HUB_ARGS = [
  '--namespaces', '/,/orders,/chat,/org-*',
  '--connect_timeout_ms', String(CONNECT_TIMEOUT_MS),
  '--max_auth_bytes', '512',
  '--max_event_name_bytes', '32',
  '--max_event_args', '8',
  '--max_attachments', '3',
  '--ping_interval_ms', '400',
  '--ping_timeout_ms', '400',
];

const isConnected = (id) => (e) => e.kind === 'connected' && e.socket_id === id;
const isDisconnected = (id) => (e) => e.kind === 'disconnected' && e.socket_id === id;
const isEvent = (id, name) => (e) => e.kind === 'event' && e.socket_id === id && e.event.payload.event === name;

for (const transport of TRANSPORTS) {
  describe(`Socket.IO over ${transport}`, { timeout: 120_000 }, () => {
    let hub;
    let api;
    let sub;
    let skipReason = null;
    const open = new Set(); // sockets and managers to close after each test
    const t = (fn) =>
      withHubOutput(() => hub, async (ctx) => {
        if (skipReason) return ctx.skip(skipReason);
        return fn(ctx);
      });

    // A connected socket.io-client socket on `nsp` over this transport.
    const connect = async (nsp = '/', opts = {}) => {
      const s = await connectClient(`${hub.url}${nsp === '/' ? '' : nsp}`, { transports: [transport], ...opts });
      open.add(s);
      return s;
    };
    const manager = async (namespaces, opts = {}) => {
      const m = await connectManager(hub.url, namespaces, { transports: [transport], ...opts });
      open.add(m);
      return m;
    };
    // An unconnected socket (for refusals); closed after the test.
    const socketFor = (nsp, opts = {}) => {
      const s = io(`${hub.url}${nsp}`, { transports: [transport], forceNew: true, reconnection: false, ...opts });
      open.add(s);
      return s;
    };

    before(async () => {
      hub = await startHub({ args: HUB_ARGS });
      api = grpcClient(hub.grpcPort);
      if (transport === 'polling' && !(await pollingAvailable(hub))) skipReason = POLLING_SKIP_REASON;
      sub = await subscribe(api, {});
    });

    afterEach(async () => {
      for (const s of open) s.close();
      open.clear();
      // Let the hub see the closes before the next case counts anything.
      await waitMetric(hub, 'hub_connections', `{transport="${transport}"}`, (v) => v === 0, 'connections closed', 4000)
        .catch(() => {});
    });

    after(async () => {
      for (const s of open) s.close();
      sub?.cancel();
      api?.close();
      await hub?.stop();
    });

    it('three namespaces over one connection, each with its own socket id', t(async () => {
      const m = await manager(['/', '/orders', '/chat']);
      const [root, orders, chat] = m.sockets;
      const ids = m.sockets.map((s) => s.id);
      assert.equal(new Set(ids).size, 3, `distinct ids: ${ids}`);
      assert.equal(m.manager.engine.transport.name, transport);

      // One Engine.IO connection: one connection in the metrics, and the
      // same peer address (ip:port) for all three sockets.
      assert.equal(await waitMetric(hub, 'hub_connections', `{transport="${transport}"}`, (v) => v === 1), 1);
      const connected = await Promise.all(ids.map((id) => sub.next(isConnected(id))));
      assert.deepEqual(connected.map((e) => e.namespace), ['/', '/orders', '/chat']);
      const addresses = new Set(connected.map((e) => e.connected.remote_address));
      assert.equal(addresses.size, 1, `remote addresses ${[...addresses]}`);
      for (const e of connected) assert.equal(e.connected.transport, transport);
      for (const [i, nsp] of ['/', '/orders', '/chat'].entries()) {
        const { sockets } = await listAll(api, { namespace: nsp });
        const mine = sockets.filter((s) => s.id === ids[i]);
        assert.equal(mine.length, 1, `ListSockets ${nsp} lists ${ids[i]}`);
        assert.equal(mine[0].namespace, nsp);
        assert.equal(mine[0].remote_address, [...addresses][0]);
        assert.equal(mine[0].transport, transport);
      }

      // Events carry their namespace both ways.
      for (const [i, s] of m.sockets.entries()) s.emit('where', i);
      for (const [i, s] of m.sockets.entries()) {
        const ev = await sub.next(isEvent(s.id, 'where'));
        assert.equal(ev.namespace, ['/', '/orders', '/chat'][i]);
        assert.deepEqual(texts(ev.event.payload.args), [String(i)]);
      }
      const got = m.sockets.map((s) => collect(s, 'only'));
      const res = await api.emitTo({ namespace: '/orders', socket_ids: [orders.id], payload: { event: 'only', args: [json('orders')] } });
      assert.equal(res.recipients, '1');
      // A socket id is only known in its own namespace.
      await expectGrpcError(
        api.emitTo({ namespace: '/chat', socket_ids: [orders.id], payload: { event: 'only', args: [json('x')] } }),
        grpc.status.NOT_FOUND, 'EmitTo /chat with the /orders socket id',
      );
      await settle();
      assert.deepEqual(got, [[], [['orders']], []]);

      // Leaving one namespace keeps the others on the same connection.
      orders.disconnect();
      const gone = await sub.next(isDisconnected(ids[1]));
      assert.equal(gone.disconnected.reason, 'client namespace disconnect');
      const echo = once(chat, 'still');
      await api.broadcast({ selector: { namespace: '/chat' }, payload: { event: 'still', args: [json(1)] } });
      assert.deepEqual(await echo, [1]);
      assert.ok(root.connected && chat.connected);
      assert.equal(await metric(hub, 'hub_connections', `{transport="${transport}"}`), 1);
    }));

    it("an unknown namespace gets CONNECT_ERROR 'Invalid namespace'; glob patterns allow", t(async () => {
      const err = await expectConnectError(socketFor('/nope'));
      assert.equal(err.message, 'Invalid namespace');
      const err2 = await expectConnectError(socketFor('/orgacme'));
      assert.equal(err2.message, 'Invalid namespace', "'/orgacme' does not match '/org-*'");

      const org = await connect('/org-acme');
      const ev = await sub.next(isConnected(org.id));
      assert.equal(ev.namespace, '/org-acme');
      const got = once(org, 'hi');
      await api.emitTo({ namespace: '/org-acme', socket_ids: [org.id], payload: { event: 'hi', args: [json('acme')] } });
      assert.deepEqual(await got, ['acme']);

      // A refused namespace on a shared connection leaves the others alone.
      const m = await manager(['/']);
      const refused = m.manager.socket('/also-nope');
      const err3 = await expectConnectError(refused);
      assert.equal(err3.message, 'Invalid namespace');
      assert.ok(m.sockets[0].connected, "'/' is still connected");
      const ping = once(m.sockets[0], 'ok');
      await api.emitTo({ namespace: '/', socket_ids: [m.sockets[0].id], payload: { event: 'ok' } });
      await ping;
    }));

    it('auth, query, headers, address and transport reach Subscribe and ListSockets', t(async () => {
      const auth = { token: 'abc', n: 1, nested: { list: [1, 'two'] } };
      const s = await connect('/chat', { auth, query: { room: 'r1', lang: 'fr' }, extraHeaders: { 'x-e2e': 'yes' } });
      const ev = await sub.next(isConnected(s.id));
      assert.equal(ev.namespace, '/chat');
      assert.deepEqual(JSON.parse(Buffer.from(ev.connected.auth).toString()), auth);
      assert.equal(ev.connected.query.room, 'r1');
      assert.equal(ev.connected.query.lang, 'fr');
      assert.equal(ev.connected.query.EIO, '4');
      assert.equal(ev.connected.headers['x-e2e'], 'yes', `headers: ${show(ev.connected.headers)}`);
      assert.ok(ev.connected.headers.host, 'host header');
      assert.match(ev.connected.remote_address, /^127\.0\.0\.1:\d+$/);
      assert.equal(ev.connected.transport, transport);

      const { sockets } = await listAll(api, { namespace: '/chat', socket_ids: [s.id] });
      assert.equal(sockets.length, 1);
      assert.deepEqual(JSON.parse(Buffer.from(sockets[0].auth).toString()), auth);
      assert.equal(sockets[0].remote_address, ev.connected.remote_address);
      assert.ok(Math.abs(Number(sockets[0].connected_at_ms) - Date.now()) < 60_000);

      // No auth at all: "{}" or empty.
      const plain = await connect('/');
      const ev2 = await sub.next(isConnected(plain.id));
      const a = Buffer.from(ev2.connected.auth).toString();
      assert.ok(a === '' || a === '{}', `auth without one: ${show(a)}`);
    }));

    it('auth that is not a JSON object or is too large gets connect_error', t(async () => {
      const big = await expectConnectError(socketFor('/', { auth: { blob: 'x'.repeat(600) } }));
      assert.match(big.message, /too large/, big.message);
      const str = await expectConnectError(socketFor('/', { auth: (cb) => cb('just a string') }));
      assert.match(str.message, /JSON object/, str.message);
      const arr = await expectConnectError(socketFor('/', { auth: (cb) => cb([1, 2]) }));
      assert.match(arr.message, /JSON object/, arr.message);
      // Just under the limit is fine.
      const ok = await connect('/', { auth: { blob: 'x'.repeat(400) } });
      assert.ok(ok.connected);
    }));

    it('a connection that joins no namespace is closed after the connect timeout', t(async () => {
      const m = new Manager(hub.url, { transports: [transport], reconnection: false });
      open.add({ close: () => m.engine?.close() });
      await once(m, 'open');
      const opened = Date.now();
      const [reason] = await once(m, 'close', 5000);
      const elapsed = Date.now() - opened;
      assert.ok(elapsed >= CONNECT_TIMEOUT_MS - 200, `closed after ${elapsed} ms (timeout ${CONNECT_TIMEOUT_MS})`);
      assert.ok(elapsed < CONNECT_TIMEOUT_MS + 1500, `closed after ${elapsed} ms (timeout ${CONNECT_TIMEOUT_MS})`);
      assert.ok(reason, `close reason ${reason}`);

      // A connection that did join stays open past the timeout.
      const s = await connect('/');
      await sleep(CONNECT_TIMEOUT_MS + 400);
      assert.ok(s.connected, 'joined socket still connected');
    }));

    it('binary both ways: client Buffers become attachments, attachments become Buffers', t(async () => {
      const s = await connect('/');
      const big = Buffer.alloc(70_000, 7);
      s.emit('upload', 'name', Buffer.from([1, 2, 3]), { nested: [Buffer.from('hi')], n: 1 }, big);
      const ev = await sub.next(isEvent(s.id, 'upload'));
      assert.deepEqual(parsed(ev.event.payload.args), [
        'name', placeholder(0), { nested: [placeholder(1)], n: 1 }, placeholder(2),
      ]);
      const att = ev.event.payload.attachments.map((b) => Buffer.from(b));
      assert.equal(att.length, 3);
      assert.deepEqual(att[0], Buffer.from([1, 2, 3]));
      assert.deepEqual(att[1], Buffer.from('hi'));
      assert.ok(att[2].equals(big), 'the 70 kB attachment is intact');

      const got = once(s, 'download');
      const res = await api.emitTo({
        namespace: '/',
        socket_ids: [s.id],
        payload: {
          event: 'download',
          args: [json(placeholder(1)), json({ meta: 'x', data: placeholder(0) }), json('plain')],
          attachments: [Buffer.from([9, 8, 7]), Buffer.alloc(0)],
        },
      });
      assert.equal(res.recipients, '1');
      const [first, second, third] = await got;
      assert.ok(Buffer.isBuffer(first) && first.length === 0, `first is the empty buffer: ${show(first)}`);
      assert.equal(second.meta, 'x');
      assert.deepEqual(Buffer.from(second.data), Buffer.from([9, 8, 7]));
      assert.equal(third, 'plain');

      // Broadcast with attachments.
      const b = once(s, 'bcast-bin');
      await api.broadcast({ selector: { namespace: '/' }, payload: { event: 'bcast-bin', args: [json(placeholder(0))], attachments: [Buffer.from('zz')] } });
      const [buf] = await b;
      assert.deepEqual(Buffer.from(buf), Buffer.from('zz'));
    }));

    it('client acks: a client callback is answered through Ack (JSON and binary)', t(async () => {
      const s = await connect('/');
      const answer = new Promise((resolve) => s.emit('ask', 5, (...args) => resolve(args)));
      const ev = await sub.next(isEvent(s.id, 'ask'));
      assert.equal(ev.event.wants_ack, true);
      await api.ack({ namespace: '/', socket_id: s.id, ack_id: ev.event.ack_id, args: [json(10), json({ ok: true })] });
      assert.deepEqual(await answer, [10, { ok: true }]);

      const binAnswer = new Promise((resolve) => s.emit('ask-bin', Buffer.from([5]), (...args) => resolve(args)));
      const ev2 = await sub.next(isEvent(s.id, 'ask-bin'));
      assert.equal(ev2.event.wants_ack, true);
      assert.deepEqual(parsed(ev2.event.payload.args), [placeholder(0)]);
      assert.notEqual(ev2.event.ack_id, ev.event.ack_id);
      await api.ack({
        namespace: '/', socket_id: s.id, ack_id: ev2.event.ack_id,
        args: [json({ buf: placeholder(0) })], attachments: [Buffer.from([6, 6])],
      });
      const [res] = await binAnswer;
      assert.deepEqual(Buffer.from(res.buf), Buffer.from([6, 6]));

      // socket.emitWithAck on a namespace other than '/'.
      const o = await connect('/orders');
      const p = o.emitWithAck('total', 2, 3);
      const ev3 = await sub.next(isEvent(o.id, 'total'));
      assert.equal(ev3.namespace, '/orders');
      await api.ack({ namespace: '/orders', socket_id: o.id, ack_id: ev3.event.ack_id, args: [json(5)] });
      assert.equal(await p, 5);
    }));

    it('server acks: EmitWithAck gets answers, timeouts and disconnects (with binary)', t(async () => {
      const [answers, silent, leaves, binary] = await Promise.all([connect('/'), connect('/'), connect('/'), connect('/')]);
      answers.on('q', (n, cb) => cb(`A${n}`, { n }));
      silent.on('q', () => {});
      leaves.on('q', () => leaves.disconnect());
      binary.on('q', (n, cb) => cb(Buffer.from([n, n])));
      const ids = { answers: answers.id, silent: silent.id, leaves: leaves.id, binary: binary.id };
      const started = Date.now();
      const res = await api.emitWithAck({
        selector: { namespace: '/', socket_ids: Object.values(ids) },
        payload: { event: 'q', args: [json(7)] },
        timeout_ms: 700,
      });
      const elapsed = Date.now() - started;
      const by = Object.fromEntries(res.results.map((r) => [r.socket_id, r]));
      assert.equal(res.results.length, 4, show(res));
      assert.equal(by[ids.answers].status, 'ACK_STATUS_OK');
      assert.deepEqual(parsed(by[ids.answers].args), ['A7', { n: 7 }]);
      assert.equal(by[ids.silent].status, 'ACK_STATUS_TIMEOUT');
      assert.equal(by[ids.leaves].status, 'ACK_STATUS_DISCONNECTED');
      assert.equal(by[ids.binary].status, 'ACK_STATUS_OK');
      assert.deepEqual(parsed(by[ids.binary].args), [placeholder(0)]);
      assert.deepEqual(Buffer.from(by[ids.binary].attachments[0]), Buffer.from([7, 7]));
      assert.ok(elapsed >= 600 && elapsed < 3000, `EmitWithAck took ${elapsed} ms for timeout_ms 700`);

      // The server's ack request travels with binary attachments too.
      binary.removeAllListeners('q');
      binary.on('bin-q', (buf, cb) => cb(Buffer.from(buf).length));
      const res2 = await api.emitWithAck({
        selector: { namespace: '/', socket_ids: [binary.id] },
        payload: { event: 'bin-q', args: [json(placeholder(0))], attachments: [Buffer.alloc(1000, 1)] },
        timeout_ms: 2000,
      });
      assert.equal(res2.results[0].status, 'ACK_STATUS_OK');
      assert.deepEqual(parsed(res2.results[0].args), [1000]);
    }));

    it('rooms: join, leave, broadcast with except_rooms and except_socket_ids', t(async () => {
      const [a, b, c, d] = await Promise.all([connect('/'), connect('/'), connect('/'), connect('/')]);
      const name = new Map([[a.id, 'a'], [b.id, 'b'], [c.id, 'c'], [d.id, 'd']]);
      const inbox = { a: [], b: [], c: [], d: [] };
      for (const s of [a, b, c, d]) s.on('r', (tag) => inbox[name.get(s.id)].push(tag));
      const room = `red-${transport}`;

      assert.equal((await api.joinRooms({ selector: { namespace: '/', socket_ids: [a.id, b.id] }, rooms: [room] })).sockets, '2');
      assert.equal((await api.joinRooms({ selector: { namespace: '/', socket_ids: [c.id] }, rooms: ['blue'] })).sockets, '1');
      assert.equal((await api.joinRooms({ selector: { namespace: '/', socket_ids: [b.id] }, rooms: ['vip'] })).sockets, '1');
      // Rooms selected by room: everyone in red or blue joins green.
      assert.equal((await api.joinRooms({ selector: { namespace: '/', rooms: [room, 'blue'] }, rooms: ['green'] })).sockets, '3');

      const info = (await listAll(api, { namespace: '/', socket_ids: [b.id] })).sockets[0];
      assert.deepEqual(new Set(info.rooms), new Set([b.id, room, 'vip', 'green']), `rooms of b: ${info.rooms}`);

      const send = async (selector, tag) =>
        Number((await api.broadcast({ selector: { namespace: '/', ...selector }, payload: { event: 'r', args: [json(tag)] } })).recipients);
      assert.equal(await send({ rooms: [room] }, 1), 2);
      assert.equal(await send({ rooms: [room, 'blue'], except_rooms: ['vip'] }, 2), 2);
      assert.equal(await send({ rooms: [room, 'blue'], except_socket_ids: [c.id] }, 3), 2);
      assert.equal(await send({ socket_ids: [d.id], rooms: ['blue'] }, 4), 2);
      assert.equal(await send({ rooms: [a.id] }, 5), 1, 'every socket is in the room of its own id');
      assert.equal(await send({ rooms: ['green'], except_rooms: [room] }, 6), 1);
      assert.equal(await send({ rooms: ['nobody-here'] }, 7), 0);
      const others = (await listAll(api, { namespace: '/' })).sockets.filter((s) => ![a.id, b.id, c.id, d.id].includes(s.id));
      assert.equal(await send({ except_rooms: ['green'] }, 8), 1 + others.length, 'the namespace minus green');

      assert.equal((await api.leaveRooms({ selector: { namespace: '/', socket_ids: [a.id] }, rooms: [room] })).sockets, '1');
      assert.equal(await send({ rooms: [room] }, 9), 1);
      await settle();
      assert.deepEqual(inbox, {
        a: [1, 2, 3, 5],
        b: [1, 3, 9],
        c: [2, 4, 6],
        d: [4, 8],
      });
    }));

    it('a socket leaves all its rooms when it disconnects', t(async () => {
      const [a, b] = await Promise.all([connect('/chat'), connect('/chat')]);
      const room = `lobby-${transport}`;
      await api.joinRooms({ selector: { namespace: '/chat', socket_ids: [a.id, b.id] }, rooms: [room, 'other'] });
      const countIn = async (r) => (await listAll(api, { namespace: '/chat', rooms: [r] })).sockets.map((s) => s.id).sort();
      assert.deepEqual(await countIn(room), [a.id, b.id].sort());
      const aId = a.id;
      a.disconnect();
      await sub.next(isDisconnected(aId));
      assert.deepEqual(await countIn(room), [b.id]);
      assert.deepEqual(await countIn('other'), [b.id]);
      const res = await api.broadcast({ selector: { namespace: '/chat', rooms: [room, aId] }, payload: { event: 'x' } });
      assert.equal(res.recipients, '1');
      // Reconnecting gives a new socket that is in no room.
      a.connect();
      await once(a, 'connect');
      assert.notEqual(a.id, aId);
      assert.deepEqual(await countIn(room), [b.id]);
      const bId = b.id;
      b.io.engine.close();
      await sub.next(isDisconnected(bId));
      assert.deepEqual(await countIn(room), []);
      assert.equal((await api.broadcast({ selector: { namespace: '/chat', rooms: [room] }, payload: { event: 'x' } })).recipients, '0');
    }));

    it('disconnect reasons reach Subscribe as socket.io names them', t(async () => {
      const reasonOf = async (id) => (await sub.next(isDisconnected(id), 5000)).disconnected.reason;

      const c1 = await connect('/');
      const id1 = c1.id;
      c1.disconnect();
      assert.equal(await reasonOf(id1), 'client namespace disconnect');

      const c2 = await connect('/orders');
      const id2 = c2.id;
      const clientSaw = once(c2, 'disconnect');
      const res = await api.disconnectSockets({ selector: { namespace: '/orders', socket_ids: [id2] } });
      assert.equal(res.sockets, '1');
      assert.equal((await clientSaw)[0], 'io server disconnect');
      assert.equal(await reasonOf(id2), 'server namespace disconnect');

      const c3 = await connect('/');
      const id3 = c3.id;
      c3.io.engine.close();
      assert.equal(await reasonOf(id3), 'transport close');

      // The client stops answering pings.
      const c4 = await connect('/');
      const id4 = c4.id;
      const engine = c4.io.engine;
      const send = engine._sendPacket.bind(engine);
      engine._sendPacket = (type, ...rest) => (type === 'pong' ? undefined : send(type, ...rest));
      assert.equal(await reasonOf(id4), 'ping timeout');

      // A packet the hub cannot parse.
      const c5 = await connect('/');
      const id5 = c5.id;
      c5.io.engine.write('4abc');
      assert.equal(await reasonOf(id5), 'parse error');
    }));

    it('DisconnectSockets with close_connection closes every namespace of the connection', t(async () => {
      // As socket.io's socket.disconnect(true): every socket of the
      // connection gets a DISCONNECT, then the connection is closed.
      const m = await manager(['/', '/chat']);
      const [root, chat] = m.sockets;
      const ids = [root.id, chat.id];
      const seen = m.sockets.map((s) => once(s, 'disconnect'));
      const engineClosed = once(m.manager, 'close');
      const res = await api.disconnectSockets({ selector: { namespace: '/', socket_ids: [root.id] }, close_connection: true });
      assert.equal(res.sockets, '1');
      const reasonsSeen = (await Promise.all(seen)).map(([r]) => r);
      assert.deepEqual(reasonsSeen, ['io server disconnect', 'io server disconnect']);
      await engineClosed;
      const reasons = await Promise.all(ids.map(async (id) => (await sub.next(isDisconnected(id))).disconnected.reason));
      assert.deepEqual(reasons, ['server namespace disconnect', 'server namespace disconnect']);
      assert.ok(!root.connected && !chat.connected);

      // Without close_connection only the namespace is left.
      const m2 = await manager(['/', '/chat']);
      const gone = once(m2.sockets[0], 'disconnect');
      await api.disconnectSockets({ selector: { namespace: '/', socket_ids: [m2.sockets[0].id] } });
      assert.equal((await gone)[0], 'io server disconnect');
      const still = once(m2.sockets[1], 'still-here');
      await api.emitTo({ namespace: '/chat', socket_ids: [m2.sockets[1].id], payload: { event: 'still-here' } });
      await still;
    }));

    it('reserved event names: a client sending one is disconnected; backends get INVALID_ARGUMENT', t(async () => {
      for (const name of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
        const s = await connect('/');
        const id = s.id;
        const gone = once(s, 'disconnect');
        s.io.engine.write(`42${JSON.stringify([name, 1])}`);
        await gone;
        const ev = await sub.next(isDisconnected(id));
        assert.equal(ev.disconnected.reason, 'parse error', `reserved '${name}'`);
        assert.equal(sub.events.filter(isEvent(id, name)).length, 0, `'${name}' was not delivered`);
      }
      const s = await connect('/');
      for (const name of ['connect', 'disconnecting', 'removeListener', '']) {
        await expectGrpcError(
          api.broadcast({ selector: { namespace: '/' }, payload: { event: name } }),
          grpc.status.INVALID_ARGUMENT, `Broadcast '${name}'`,
        );
        await expectGrpcError(
          api.emitWithAck({ selector: { namespace: '/', socket_ids: [s.id] }, payload: { event: name }, timeout_ms: 100 }),
          grpc.status.INVALID_ARGUMENT, `EmitWithAck '${name}'`,
        );
      }
      assert.ok(s.connected);
    }));

    it('limits: event name length, argument count and attachment count', t(async () => {
      const cases = [
        ['name of 33 bytes', (s) => s.emit('x'.repeat(33), 1)],
        ['9 arguments', (s) => s.emit('many', 1, 2, 3, 4, 5, 6, 7, 8, 9)],
        ['4 attachments', (s) => s.emit('bins', Buffer.from([1]), Buffer.from([2]), Buffer.from([3]), Buffer.from([4]))],
      ];
      for (const [what, act] of cases) {
        const s = await connect('/');
        const id = s.id;
        act(s);
        const ev = await sub.next(isDisconnected(id));
        assert.equal(ev.disconnected.reason, 'parse error', what);
      }
      // Exactly at the limits is fine.
      const s = await connect('/');
      s.emit('y'.repeat(32), 1, 2, 3, 4, 5, 6, 7);
      s.emit('bins', Buffer.from([1]), Buffer.from([2]), Buffer.from([3]));
      const e1 = await sub.next(isEvent(s.id, 'y'.repeat(32)));
      assert.equal(e1.event.payload.args.length, 7);
      const e2 = await sub.next(isEvent(s.id, 'bins'));
      assert.equal(e2.event.payload.attachments.length, 3);
      assert.ok(s.connected);
    }));
  });
}
