// hub.v1.Hub, every RPC and every error status of API.md (issue 5), with a
// real @grpc/grpc-js backend and real socket.io-client clients over
// WebSocket.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import protoLoader from '@grpc/proto-loader';

import {
  connectClient,
  expectGrpcError,
  grpc,
  grpcClient,
  httpGet,
  once,
  show,
  sleep,
  startHub,
  subscribe,
  waitFor,
  withHubOutput,
} from './lib/hub.mjs';
import {
  bearer,
  call,
  collect,
  connectMany,
  grpcError,
  json,
  listAll,
  metric,
  parsed,
  placeholder,
  publish,
  settle,
  statusName,
  texts,
  waitMetric,
} from './lib/extra.mjs';

const isConnected = (id) => (e) => e.kind === 'connected' && e.socket_id === id;
const isDisconnected = (id) => (e) => e.kind === 'disconnected' && e.socket_id === id;
const isEvent = (id, name) => (e) => e.kind === 'event' && e.socket_id === id && e.event.payload.event === name;
const { status } = grpc;

describe('hub.v1.Hub RPCs', { timeout: 180_000 }, () => {
  let hub;
  let api;
  const t = (fn) => withHubOutput(() => hub, fn);
  const connect = (nsp = '/', opts = {}) => connectClient(`${hub.url}${nsp === '/' ? '' : nsp}`, opts);

  before(async () => {
    hub = await startHub();
    api = grpcClient(hub.grpcPort);
  });
  after(async () => {
    api?.close();
    await hub?.stop();
  });

  it('EmitTo: recipients, missing ids, attachments, NOT_FOUND, INVALID_ARGUMENT', t(async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      const got = [collect(a, 'e'), collect(b, 'e')];
      const res = await api.emitTo({
        socket_ids: [a.id, b.id, 'nope'],
        payload: { event: 'e', args: [json({ k: placeholder(0) })], attachments: [Buffer.from('bin')] },
      });
      assert.equal(res.recipients, '2', 'empty namespace means "/"');
      assert.deepEqual(res.missing_socket_ids, ['nope']);
      await expectGrpcError(api.emitTo({ namespace: '/', socket_ids: ['x', 'y'], payload: { event: 'e' } }), status.NOT_FOUND, 'all unknown');
      await expectGrpcError(api.emitTo({ namespace: '/other', socket_ids: [a.id], payload: { event: 'e' } }), status.NOT_FOUND, 'id of another namespace');
      await expectGrpcError(api.emitTo({ namespace: '/', socket_ids: [], payload: { event: 'e' } }), status.INVALID_ARGUMENT, 'empty socket_ids');
      await settle();
      assert.equal(got[0].length, 1);
      assert.equal(got[1].length, 1);
      assert.deepEqual(Buffer.from(got[0][0][0].k), Buffer.from('bin'));
    } finally {
      a.close();
      b.close();
    }
  }));

  it('Broadcast: namespace, empty namespace, volatile to healthy sockets', t(async () => {
    const [a, b] = await Promise.all([connect('/bc'), connect('/bc')]);
    try {
      const got = [collect(a, 'n'), collect(b, 'n')];
      assert.equal((await api.broadcast({ selector: { namespace: '/bc' }, payload: { event: 'n', args: [json(1)] } })).recipients, '2');
      assert.equal((await api.broadcast({ selector: { namespace: '/bc' }, payload: { event: 'n', args: [json(2)] }, volatile: true })).recipients, '2');
      assert.equal((await api.broadcast({ selector: { namespace: '/bc', except_socket_ids: [a.id] }, payload: { event: 'n', args: [json(3)] } })).recipients, '1');
      assert.equal((await api.broadcast({ selector: { namespace: '/empty-ns' }, payload: { event: 'n' } })).recipients, '0');
      await settle();
      assert.deepEqual(got, [[[1], [2]], [[1], [2], [3]]]);
    } finally {
      a.close();
      b.close();
    }
  }));

  it('JoinRooms / LeaveRooms / DisconnectSockets / ListSockets count what they touched', t(async () => {
    const [a, b, c] = await Promise.all([connect('/rooms'), connect('/rooms'), connect('/rooms')]);
    try {
      const sel = (extra) => ({ namespace: '/rooms', ...extra });
      assert.equal((await api.joinRooms({ selector: sel({}), rooms: ['all', 'x'] })).sockets, '3');
      assert.equal((await api.leaveRooms({ selector: sel({ socket_ids: [a.id] }), rooms: ['x', 'never-joined'] })).sockets, '1');
      assert.equal((await api.joinRooms({ selector: sel({ rooms: ['nobody'] }), rooms: ['y'] })).sockets, '0');
      await expectGrpcError(api.joinRooms({ selector: sel({}), rooms: [] }), status.INVALID_ARGUMENT, 'JoinRooms without rooms');
      await expectGrpcError(api.leaveRooms({ selector: sel({}), rooms: [] }), status.INVALID_ARGUMENT, 'LeaveRooms without rooms');
      const inX = (await listAll(api, sel({ rooms: ['x'] }))).sockets.map((s) => s.id).sort();
      assert.deepEqual(inX, [b.id, c.id].sort());
      const infoA = (await listAll(api, sel({ socket_ids: [a.id] }))).sockets[0];
      assert.deepEqual(new Set(infoA.rooms), new Set([a.id, 'all']));
      assert.equal(infoA.transport, 'websocket');

      const gone = once(b, 'disconnect');
      assert.equal((await api.disconnectSockets({ selector: sel({ rooms: ['x'], except_socket_ids: [c.id] }) })).sockets, '1');
      assert.equal((await gone)[0], 'io server disconnect');
      assert.equal((await api.disconnectSockets({ selector: sel({ socket_ids: ['unknown'] }) })).sockets, '0');
      assert.deepEqual((await listAll(api, sel({}))).sockets.map((s) => s.id).sort(), [a.id, c.id].sort());
    } finally {
      for (const s of [a, b, c]) s.close();
    }
  }));

  it('Subscribe filters by namespace and event; lifecycle events match connect/disconnect', t(async () => {
    const onlyOrders = await subscribe(api, { namespaces: ['/orders'] });
    const onlyConnect = await subscribe(api, { events: ['connect'] });
    const onlyDisconnect = await subscribe(api, { events: ['disconnect'] });
    const onlyPing = await subscribe(api, { namespaces: ['/', '/orders'], events: ['ping'] });
    const subs = [onlyOrders, onlyConnect, onlyDisconnect, onlyPing];
    try {
      const root = await connect('/');
      const orders = await connect('/orders');
      const ids = [root.id, orders.id];
      for (const s of [root, orders]) {
        s.emit('ping', 1);
        s.emit('pong', 2);
      }
      root.close();
      orders.close();
      await onlyDisconnect.next(isDisconnected(ids[0]));
      await onlyDisconnect.next(isDisconnected(ids[1]));
      await onlyOrders.next(isDisconnected(ids[1]));
      await onlyPing.next(isEvent(ids[1], 'ping'));
      await settle(200);
      const mine = (sub) => sub.events.filter((e) => ids.includes(e.socket_id)).map((e) => `${e.namespace} ${e.kind} ${e.event?.payload.event ?? ''}`.trim());
      // One socket's events keep their order; two sockets (maybe on two
      // shards) have no order between them, so those lists are compared sorted.
      assert.deepEqual(mine(onlyOrders), ['/orders connected', '/orders event ping', '/orders event pong', '/orders disconnected']);
      assert.deepEqual(mine(onlyConnect).sort(), ['/ connected', '/orders connected']);
      assert.deepEqual(mine(onlyDisconnect).sort(), ['/ disconnected', '/orders disconnected']);
      assert.deepEqual(mine(onlyPing).sort(), ['/ event ping', '/orders event ping']);
    } finally {
      for (const s of subs) s.cancel();
    }
  }));

  it('a consumer group shares events; an ack-wanting event goes to one member, first Ack wins', t(async () => {
    const filter = { events: ['job', 'job-ack'] };
    const w1 = await subscribe(api, { ...filter, group: 'workers' });
    const w2 = await subscribe(api, { ...filter, group: 'workers' });
    const audit = await subscribe(api, { ...filter, group: 'audit' });
    const loner = await subscribe(api, filter);
    const subs = [w1, w2, audit, loner];
    const c = await connect();
    try {
      const N = 20;
      for (let i = 0; i < N; i++) c.emit('job', i);
      await audit.next((e) => e.event?.payload.event === 'job' && texts(e.event.payload.args)[0] === String(N - 1));
      await loner.next((e) => e.event?.payload.event === 'job' && texts(e.event.payload.args)[0] === String(N - 1));
      await waitFor(() => w1.events.length + w2.events.length >= N, { what: 'workers got every job' });
      await settle(200);
      const jobs = (sub) => sub.events.filter(isEvent(c.id, 'job')).map((e) => Number(texts(e.event.payload.args)[0]));
      const shared = [...jobs(w1), ...jobs(w2)].sort((x, y) => x - y);
      assert.deepEqual(shared, [...Array(N).keys()], 'each job went to exactly one worker');
      assert.ok(jobs(w1).length > 0 && jobs(w2).length > 0, `both workers got jobs: ${jobs(w1).length}/${jobs(w2).length}`);
      assert.deepEqual(jobs(audit), [...Array(N).keys()], 'another group gets every job');
      assert.deepEqual(jobs(loner), [...Array(N).keys()], 'a subscriber without group gets every job');
      // Every stream numbers its own events 1, 2, 3, ... whichever streams
      // shared them.
      for (const [who, sub] of Object.entries({ w1, w2, audit, loner })) {
        const seqs = sub.events.map((e) => Number(e.sequence));
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `${who}: sequences`);
      }

      // One ack-wanting event: exactly one worker receives it.
      const answer = new Promise((resolve) => c.emit('job-ack', 'please', (...args) => resolve(args)));
      const fromAudit = await audit.next(isEvent(c.id, 'job-ack'));
      await loner.next(isEvent(c.id, 'job-ack'));
      await settle(200);
      const got = [w1, w2].map((w) => w.events.filter(isEvent(c.id, 'job-ack')));
      assert.equal(got[0].length + got[1].length, 1, `workers received the ack-wanting event ${got[0].length}+${got[1].length} times`);
      const ev = got[0][0] ?? got[1][0];
      assert.equal(ev.event.wants_ack, true);
      assert.equal(ev.event.ack_id, fromAudit.event.ack_id, 'every receiver sees the same ack id');

      await api.ack({ namespace: '/', socket_id: c.id, ack_id: ev.event.ack_id, args: [json('done'), json(42)] });
      assert.deepEqual(await answer, ['done', 42]);
      // The second answer (from whoever) is refused.
      await expectGrpcError(
        api.ack({ namespace: '/', socket_id: c.id, ack_id: ev.event.ack_id, args: [json('late')] }),
        status.FAILED_PRECONDITION, 'second Ack for the same id',
      );
      // An ack id the client never sent.
      await expectGrpcError(
        api.ack({ namespace: '/', socket_id: c.id, ack_id: '987654', args: [] }),
        status.FAILED_PRECONDITION, 'Ack for an ack id never sent',
      );
      // An unknown socket.
      await expectGrpcError(
        api.ack({ namespace: '/', socket_id: 'no-such-socket', ack_id: ev.event.ack_id }),
        status.NOT_FOUND, 'Ack for an unknown socket',
      );
      // The group shows up in the metrics.
      assert.equal(await metric(hub, 'hub_subscribers', '{group="workers"}'), 2);
    } finally {
      c.close();
      for (const s of subs) s.cancel();
    }
    // A backend that goes away frees its subscription.
    await waitMetric(hub, 'hub_subscribers', '{group="workers"}', (v) => v === 0, 'cancelled group members are gone');
  }));

  it('Ack for a socket that disconnected is NOT_FOUND; lifecycle events in a group go to one member', t(async () => {
    const g1 = await subscribe(api, { namespaces: ['/grp'], group: 'g' });
    const g2 = await subscribe(api, { namespaces: ['/grp'], group: 'g' });
    try {
      const c = await connect('/grp');
      const id = c.id;
      c.emit('q', 1, () => {});
      const ev = await Promise.race([g1.next(isEvent(id, 'q')), g2.next(isEvent(id, 'q'))]);
      c.close();
      await Promise.race([g1.next(isDisconnected(id)), g2.next(isDisconnected(id))]);
      await expectGrpcError(api.ack({ namespace: '/grp', socket_id: id, ack_id: ev.event.ack_id, args: [json(1)] }), status.NOT_FOUND, 'Ack after disconnect');
      await settle(200);
      for (const pred of [isConnected(id), isDisconnected(id), isEvent(id, 'q')]) {
        assert.equal(g1.events.filter(pred).length + g2.events.filter(pred).length, 1);
      }
    } finally {
      g1.cancel();
      g2.cancel();
    }
  }));

  it('ListSockets pages through 1,000 sockets, each exactly once', { timeout: 90_000 }, t(async () => {
    const started = Date.now();
    const clients = await connectMany(`${hub.url}/many`, 1000, {}, { batch: 100, timeoutMs: 20_000 });
    try {
      const ids = new Set(clients.map((c) => c.id));
      assert.equal(ids.size, 1000);
      const check = async (pageSize, maxPage) => {
        const { sockets, pages } = await listAll(api, { namespace: '/many' }, pageSize);
        const seen = sockets.map((s) => s.id);
        assert.equal(seen.length, 1000, `page_size ${pageSize}: ${seen.length} sockets over pages ${pages}`);
        assert.equal(new Set(seen).size, 1000, `page_size ${pageSize}: duplicates`);
        assert.deepEqual(new Set(seen), ids);
        for (const n of pages) assert.ok(n <= maxPage, `page_size ${pageSize}: a page of ${n}`);
        for (const s of sockets) assert.equal(s.namespace, '/many');
        return pages;
      };
      const defaults = await check(0, 100);
      assert.ok(defaults.length >= 10, `default page size 100: ${defaults.length} pages`);
      await check(333, 333);
      await check(1000, 1000);
      await check(5000, 1000);
      // Paging survives sockets leaving between pages.
      const first = await api.listSockets({ selector: { namespace: '/many' }, page_size: 100 });
      const leaving = clients.slice(500, 510);
      for (const c of leaving) c.close();
      await waitFor(async () => (await listAll(api, { namespace: '/many' }, 1000)).sockets.length === 990, { what: '10 sockets gone' });
      const rest = [];
      let token = first.next_page_token;
      while (token) {
        const page = await api.listSockets({ selector: { namespace: '/many' }, page_size: 100, page_token: token });
        rest.push(...page.sockets.map((s) => s.id));
        token = page.next_page_token;
      }
      const all = [...first.sockets.map((s) => s.id), ...rest];
      assert.equal(new Set(all).size, all.length, 'no socket twice across pages');
      assert.ok(all.length >= 990 && all.length <= 1000, `${all.length} sockets`);
    } finally {
      for (const c of clients) c.close();
    }
    assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  }));

  it('EmitWithAck to 100 sockets: answers, timeouts and disconnects in the right mix', { timeout: 60_000 }, t(async () => {
    const clients = await connectMany(`${hub.url}/acks`, 100);
    try {
      const role = new Map();
      clients.forEach((c, i) => {
        const r = i % 10 < 4 ? 'ok' : i % 10 < 7 ? 'timeout' : 'disconnected';
        role.set(c.id, r);
        if (r === 'ok') c.on('q', (n, cb) => cb({ echo: n, i }));
        else if (r === 'timeout') c.on('q', () => {});
        else c.on('q', () => c.disconnect());
      });
      const started = Date.now();
      const res = await api.emitWithAck(
        { selector: { namespace: '/acks' }, payload: { event: 'q', args: [json(99)] }, timeout_ms: 1500 },
        { timeoutMs: 10_000 },
      );
      const elapsed = Date.now() - started;
      assert.equal(res.results.length, 100);
      const want = { ACK_STATUS_OK: 'ok', ACK_STATUS_TIMEOUT: 'timeout', ACK_STATUS_DISCONNECTED: 'disconnected' };
      const counts = {};
      for (const r of res.results) {
        assert.equal(want[r.status], role.get(r.socket_id), `socket ${r.socket_id}: ${r.status}`);
        counts[r.status] = (counts[r.status] ?? 0) + 1;
        if (r.status === 'ACK_STATUS_OK') assert.equal(parsed(r.args)[0].echo, 99);
        else assert.equal(r.args.length, 0);
      }
      assert.deepEqual(counts, { ACK_STATUS_OK: 40, ACK_STATUS_TIMEOUT: 30, ACK_STATUS_DISCONNECTED: 30 });
      assert.equal(new Set(res.results.map((r) => r.socket_id)).size, 100);
      assert.ok(elapsed >= 1400 && elapsed < 5000, `took ${elapsed} ms for timeout_ms 1500`);

      // An empty selection completes at once with no results.
      const none = await api.emitWithAck({ selector: { namespace: '/acks', rooms: ['nobody'] }, payload: { event: 'q' }, timeout_ms: 5000 });
      assert.deepEqual(none.results, []);
    } finally {
      for (const c of clients) c.close();
    }
  }));

  it('EmitWithAck honours the RPC deadline: DEADLINE_EXCEEDED', t(async () => {
    const c = await connect();
    try {
      c.on('slow', () => {});
      // Judged on both ends: the client must see DEADLINE_EXCEEDED, and the
      // hub must not finish the call OK (with TIMEOUT results) right at the
      // deadline, which would make the client's outcome a race.
      const okLabel = '{code="OK",method="EmitWithAck"}';
      const okBefore = await metric(hub, 'hub_grpc_calls_total', okLabel);
      const started = Date.now();
      const outcome = await api
        .emitWithAck({ selector: { socket_ids: [c.id] }, payload: { event: 'slow' }, timeout_ms: 10_000 }, { timeoutMs: 400 })
        .then((r) => `OK ${show(r)}`, (e) => statusName(e.code));
      const elapsed = Date.now() - started;
      await settle(300);
      const okAfter = await metric(hub, 'hub_grpc_calls_total', okLabel);
      assert.equal(okAfter, okBefore,
        `the hub finished EmitWithAck with OK at the 400 ms deadline (client saw ${outcome}); API.md wants DEADLINE_EXCEEDED`);
      assert.equal(outcome, 'DEADLINE_EXCEEDED', 'EmitWithAck with a 400 ms deadline');
      assert.ok(elapsed < 2000, `failed after ${elapsed} ms`);
      // The hub is fine afterwards and still acks.
      c.on('fast', (cb) => cb('ok'));
      const res = await api.emitWithAck({ selector: { socket_ids: [c.id] }, payload: { event: 'fast' }, timeout_ms: 2000 });
      assert.equal(res.results[0].status, 'ACK_STATUS_OK');
    } finally {
      c.close();
    }
  }));

  it('Publish: 10,000 emits over one stream reach the clients, rejects counted', { timeout: 60_000 }, t(async () => {
    const clients = await connectMany(`${hub.url}/pub`, 3);
    try {
      const received = clients.map(() => 0);
      clients.forEach((c, i) => c.on('p', () => received[i]++));
      const requests = [];
      let expected = 0;
      let rejects = 0;
      const bad = [
        { emit_to: { namespace: '/pub', socket_ids: [clients[0].id], payload: { event: 'p', args: [Buffer.from('{nope')] } } },
        { broadcast: { selector: { namespace: '/pub' }, payload: { event: 'disconnect' } } },
        { emit_to: { namespace: '/pub', socket_ids: ['unknown-1'], payload: { event: 'p' } } },
        { broadcast: { selector: { namespace: 'pub' }, payload: { event: 'p' } } },
        { emit_to: { namespace: '/pub', socket_ids: [], payload: { event: 'p' } } },
        { broadcast: { selector: { namespace: '/pub' }, payload: { event: 'p', args: [json(placeholder(0))] } } },
      ];
      for (let i = 0; i < 10_000; i++) {
        if (i % 100 === 99) {
          requests.push(bad[rejects % bad.length]);
          rejects++;
        } else if (i % 2) {
          requests.push({ broadcast: { selector: { namespace: '/pub' }, payload: { event: 'p', args: [json(i)] } } });
          expected += 3;
        } else {
          requests.push({ emit_to: { namespace: '/pub', socket_ids: [clients[i % 3].id], payload: { event: 'p', args: [json(i)] } } });
          expected += 1;
        }
      }
      const res = await publish(api, requests);
      assert.equal(Number(res.recipients), expected, show(res));
      assert.ok(res.first_error.length > 0, 'first_error is set');
      await waitFor(() => received.reduce((a, b) => a + b, 0) === expected, {
        timeoutMs: 15_000, what: `clients received ${expected} emits (got ${received})`,
      });
      // An emit_to whose ids are all unknown (EmitTo would answer NOT_FOUND)
      // is a reject: PublishResponse.rejected counts "unknown sockets".
      const unknownOnly = await publish(api, [bad[2]]);
      assert.deepEqual(
        [unknownOnly.accepted, unknownOnly.rejected], ['0', '1'],
        `Publish of one emit_to to an unknown socket id: ${show(unknownOnly)}`,
      );
      assert.equal(Number(res.accepted), 10_000 - rejects, show(res));
      assert.equal(Number(res.rejected), rejects, show(res));
      // An empty stream is fine.
      const empty = await publish(api, []);
      assert.deepEqual([empty.accepted, empty.rejected, empty.recipients, empty.first_error], ['0', '0', '0', '']);
    } finally {
      for (const c of clients) c.close();
    }
  }));

  it('INVALID_ARGUMENT: bad namespace, bad JSON, reserved or empty event, placeholder without attachment', t(async () => {
    const c = await connect();
    const sub = await subscribe(api, { events: ['q'] });
    const seen = [];
    c.onAny((...args) => seen.push(args));
    try {
      const id = c.id;
      const ok = { event: 'fine', args: [json(1)] };
      const badNamespaces = ['chat', `/${'a'.repeat(300)}`, '/ch\u0001at', '/new\nline', '/tab\there', '/del\u007f'];
      for (const ns of badNamespaces) {
        const what = (rpc) => `${rpc} namespace ${JSON.stringify(ns.slice(0, 20))}`;
        const sel = { namespace: ns };
        await expectGrpcError(api.emitTo({ namespace: ns, socket_ids: [id], payload: ok }), status.INVALID_ARGUMENT, what('EmitTo'));
        await expectGrpcError(api.broadcast({ selector: sel, payload: ok }), status.INVALID_ARGUMENT, what('Broadcast'));
        await expectGrpcError(api.emitWithAck({ selector: sel, payload: ok, timeout_ms: 100 }), status.INVALID_ARGUMENT, what('EmitWithAck'));
        await expectGrpcError(api.ack({ namespace: ns, socket_id: id, ack_id: '1' }), status.INVALID_ARGUMENT, what('Ack'));
        await expectGrpcError(api.joinRooms({ selector: sel, rooms: ['r'] }), status.INVALID_ARGUMENT, what('JoinRooms'));
        await expectGrpcError(api.leaveRooms({ selector: sel, rooms: ['r'] }), status.INVALID_ARGUMENT, what('LeaveRooms'));
        await expectGrpcError(api.disconnectSockets({ selector: sel }), status.INVALID_ARGUMENT, what('DisconnectSockets'));
        await expectGrpcError(api.listSockets({ selector: sel }), status.INVALID_ARGUMENT, what('ListSockets'));
        const s = await subscribe(api, { namespaces: [ns] }).then(
          (stream) => { stream.cancel(); return { code: status.OK }; },
          (err) => ({ code: /code (\d+)/.exec(err.message)?.[1] ? Number(/code (\d+)/.exec(err.message)[1]) : err.message }),
        );
        assert.equal(s.code, status.INVALID_ARGUMENT, `${what('Subscribe')}: ${statusName(s.code)}`);
      }
      // 256 bytes is still a valid namespace.
      await api.broadcast({ selector: { namespace: `/${'a'.repeat(255)}` }, payload: ok });

      const badArgs = [Buffer.from('{bad'), Buffer.from(''), Buffer.from('[1,'), Buffer.from('1 2'), Buffer.from('undefined'), Buffer.from([0xff, 0xfe])];
      for (const arg of badArgs) {
        const payload = { event: 'x', args: [json('fine'), arg] };
        const what = (rpc) => `${rpc} arg ${JSON.stringify(arg.toString('latin1'))}`;
        await expectGrpcError(api.emitTo({ namespace: '/', socket_ids: [id], payload }), status.INVALID_ARGUMENT, what('EmitTo'));
        await expectGrpcError(api.broadcast({ selector: {}, payload }), status.INVALID_ARGUMENT, what('Broadcast'));
        await expectGrpcError(api.emitWithAck({ selector: {}, payload, timeout_ms: 100 }), status.INVALID_ARGUMENT, what('EmitWithAck'));
      }
      for (const name of ['', 'connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
        const payload = { event: name, args: [json(1)] };
        const what = (rpc) => `${rpc} event '${name}'`;
        await expectGrpcError(api.emitTo({ namespace: '/', socket_ids: [id], payload }), status.INVALID_ARGUMENT, what('EmitTo'));
        await expectGrpcError(api.broadcast({ selector: {}, payload }), status.INVALID_ARGUMENT, what('Broadcast'));
        await expectGrpcError(api.emitWithAck({ selector: {}, payload, timeout_ms: 100 }), status.INVALID_ARGUMENT, what('EmitWithAck'));
      }
      const badBinary = [
        { args: [json(placeholder(0))], attachments: [] },
        { args: [json({ deep: [placeholder(1)] })], attachments: [Buffer.from('only one')] },
        { args: [json(placeholder(-1))], attachments: [Buffer.from('x')] },
      ];
      for (const b of badBinary) {
        const payload = { event: 'bin', ...b };
        const what = (rpc) => `${rpc} ${texts(b.args)} with ${b.attachments.length} attachments`;
        await expectGrpcError(api.emitTo({ namespace: '/', socket_ids: [id], payload }), status.INVALID_ARGUMENT, what('EmitTo'));
        await expectGrpcError(api.broadcast({ selector: {}, payload }), status.INVALID_ARGUMENT, what('Broadcast'));
        await expectGrpcError(api.emitWithAck({ selector: {}, payload, timeout_ms: 100 }), status.INVALID_ARGUMENT, what('EmitWithAck'));
      }

      // Ack: a bad answer is refused and does not use up the ack id.
      const answer = new Promise((resolve) => c.emit('q', 1, (...args) => resolve(args)));
      const ev = await sub.next(isEvent(id, 'q'));
      const ackId = ev.event.ack_id;
      await expectGrpcError(api.ack({ namespace: '/', socket_id: id, ack_id: ackId, args: [Buffer.from('{bad')] }), status.INVALID_ARGUMENT, 'Ack bad JSON');
      await expectGrpcError(api.ack({ namespace: '/', socket_id: id, ack_id: ackId, args: [json(placeholder(0))] }), status.INVALID_ARGUMENT, 'Ack placeholder without attachment');
      await api.ack({ namespace: '/', socket_id: id, ack_id: ackId, args: [json('good')] });
      assert.deepEqual(await answer, ['good']);

      await settle();
      assert.deepEqual(seen, [], `the client received nothing from refused calls: ${show(seen)}`);
      assert.ok(c.connected);
    } finally {
      c.close();
      sub.cancel();
    }
  }));

  it('grpc.health.v1.Health says SERVING and reflection lists hub.v1.Hub', t(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-e2e-proto-'));
    try {
      fs.writeFileSync(path.join(dir, 'health.proto'), `syntax = "proto3"; package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }`);
      fs.writeFileSync(path.join(dir, 'reflection.proto'), `syntax = "proto3"; package grpc.reflection.v1alpha;
message ServerReflectionRequest { string host = 1; oneof message_request { string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; } }
message ServiceResponse { string name = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
message ServerReflectionResponse { string valid_host = 1; ServerReflectionRequest original_request = 2; oneof message_response { ListServiceResponse list_services_response = 6; ErrorResponse error_response = 7; } }
service ServerReflection { rpc ServerReflectionInfo(stream ServerReflectionRequest) returns (stream ServerReflectionResponse); }`);
      const load = (f) => grpc.loadPackageDefinition(protoLoader.loadSync(path.join(dir, f), { keepCase: true, enums: String, oneofs: true }));
      const { Health } = load('health.proto').grpc.health.v1;
      const health = new Health(`127.0.0.1:${hub.grpcPort}`, grpc.credentials.createInsecure());
      try {
        const res = await call(health, 'Check', { service: '' });
        assert.equal(res.status, 'SERVING', "Health.Check('')");
      } finally {
        health.close();
      }
      const { ServerReflection } = load('reflection.proto').grpc.reflection.v1alpha;
      const refl = new ServerReflection(`127.0.0.1:${hub.grpcPort}`, grpc.credentials.createInsecure());
      try {
        const stream = refl.ServerReflectionInfo({ deadline: Date.now() + 5000 });
        const res = await new Promise((resolve, reject) => {
          stream.once('data', resolve);
          stream.once('error', reject);
          stream.write({ list_services: '' });
        });
        stream.end();
        const names = res.list_services_response.service.map((s) => s.name);
        assert.ok(names.includes('hub.v1.Hub'), `reflection lists ${names}`);
      } finally {
        refl.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }));
});

describe('a slow subscriber loses events; the hub and other subscribers do not', { timeout: 60_000 }, () => {
  it('drops are counted in /metrics and visible as a sequence gap', async () => {
    const hub = await startHub({ args: ['--subscriber_queue_size', '256'] });
    const api = grpcClient(hub.grpcPort);
    // The slow backend has its own HTTP/2 connection, as a separate process
    // would: pausing it must not stall the fast one's connection.
    const slowClient = new api.client.constructor(`127.0.0.1:${hub.grpcPort}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const slow = await subscribe(slowClient, { events: ['tick', 'marker'] });
    const fast = await subscribe(api, { events: ['tick', 'marker'] });
    const c = await connectClient(hub.url);
    try {
      await withHubOutput(() => hub, async () => {
        slow.call.pause(); // stops reading: flow control backs up to the hub's queue
        const BATCH = 100; // well under the queue, so a reading subscriber never overflows
        const N = 40 * BATCH;
        const pad = 'x'.repeat(400);
        const isTick = (n) => (e) => e.event?.payload.event === 'tick' && texts(e.event.payload.args)[0] === String(n);
        // Paced so that the fast subscriber always keeps up.
        const started = Date.now();
        for (let i = 0; i < N; i += BATCH) {
          for (let j = i; j < i + BATCH; j++) c.emit('tick', j, pad);
          await fast.next(isTick(i + BATCH - 1), 10_000);
        }
        const rate = Math.round(N / ((Date.now() - started) / 1000));
        process.stderr.write(`# subscriber delivery, paced by ${BATCH}: ${rate} events/s\n`);
        const dropped = await waitMetric(hub, 'hub_subscriber_events_total', '{outcome="dropped_queue_full"}', (v) => v > 0, 'drops counted');

        // The fast subscriber got everything, in order, with no gap.
        const fastTicks = fast.events.filter((e) => e.event?.payload.event === 'tick');
        assert.equal(fastTicks.length, N);
        fastTicks.forEach((e, i) => assert.equal(texts(e.event.payload.args)[0], String(i)));
        for (let i = 1; i < fast.events.length; i++) {
          assert.equal(BigInt(fast.events[i].sequence), BigInt(fast.events[i - 1].sequence) + 1n, 'fast: consecutive sequences');
        }
        // The hub is healthy: probes, a new client, an emit.
        assert.equal((await httpGet(`${hub.adminUrl}/healthz`)).status, 200);
        const c2 = await connectClient(hub.url);
        const hi = once(c2, 'hi');
        await api.emitTo({ socket_ids: [c2.id], payload: { event: 'hi' } });
        await hi;
        c2.close();

        // The slow one resumes: it sees a marker sent afterwards, and the
        // gaps in its sequence add up to the drops.
        slow.call.resume();
        await sleep(300);
        c.emit('marker');
        const marker = await slow.next((e) => e.event?.payload.event === 'marker', 10_000);
        const fastMarker = await fast.next((e) => e.event?.payload.event === 'marker');
        const seqs = slow.events.map((e) => BigInt(e.sequence));
        let gaps = 0n;
        for (let i = 1; i < seqs.length; i++) {
          assert.ok(seqs[i] > seqs[i - 1], `slow: sequence ${seqs[i]} after ${seqs[i - 1]}`);
          gaps += seqs[i] - seqs[i - 1] - 1n;
        }
        // The first ticks fit the queue, so both streams start at tick 0 and
        // number the same N+1 events (N ticks and the marker).
        assert.equal(texts(slow.events[0].event.payload.args)[0], '0', 'slow got tick 0');
        assert.equal(BigInt(marker.sequence) - seqs[0], BigInt(N), 'slow: marker is N events after tick 0');
        assert.equal(BigInt(fastMarker.sequence) - BigInt(fast.events[0].sequence), BigInt(N), 'fast: marker is N events after tick 0');
        const slowTicks = slow.events.filter((e) => e.event?.payload.event === 'tick').length;
        assert.ok(slowTicks < N, `slow got ${slowTicks} of ${N} ticks`);
        assert.equal(Number(gaps), N - slowTicks, `sequence gaps ${gaps} = lost ticks ${N - slowTicks}`);
        const droppedNow = await metric(hub, 'hub_subscriber_events_total', '{outcome="dropped_queue_full"}');
        assert.equal(droppedNow, N - slowTicks, `metric ${droppedNow} (first seen ${dropped}) = lost ${N - slowTicks}`);
      })();
    } finally {
      c.close();
      slow.cancel();
      fast.cancel();
      slowClient.close();
      api.close();
      await hub.stop();
    }
  });
});

describe('bearer tokens', { timeout: 30_000 }, () => {
  it('every RPC needs --grpc_token; Shutdown needs --shutdown_token', async () => {
    const hub = await startHub({ args: ['--grpc_token', 's3cret', '--shutdown_token', 'down'] });
    const api = grpcClient(hub.grpcPort);
    const c = await connectClient(hub.url);
    try {
      await withHubOutput(() => hub, async () => {
        const requests = {
          EmitTo: { socket_ids: [c.id], payload: { event: 'e' } },
          Broadcast: { selector: {}, payload: { event: 'e' } },
          EmitWithAck: { selector: { rooms: ['nobody'] }, payload: { event: 'e' }, timeout_ms: 100 },
          Ack: { socket_id: c.id, ack_id: '1' },
          JoinRooms: { selector: {}, rooms: ['r'] },
          LeaveRooms: { selector: {}, rooms: ['r'] },
          DisconnectSockets: { selector: { rooms: ['nobody'] } },
          ListSockets: { selector: {} },
          Shutdown: { grace_period_ms: 1000 },
        };
        for (const [method, req] of Object.entries(requests)) {
          for (const md of [new grpc.Metadata(), bearer('wrong'), bearer('')]) {
            const err = await grpcError(call(api, method, req, { metadata: md }), method);
            assert.equal(err.code, status.UNAUTHENTICATED, `${method} ${JSON.stringify(md.get('authorization'))}: ${statusName(err.code)} ${err.details}`);
          }
        }
        const shutdownWithGrpcToken = await grpcError(call(api, 'Shutdown', requests.Shutdown, { metadata: bearer('s3cret') }), 'Shutdown');
        assert.equal(shutdownWithGrpcToken.code, status.UNAUTHENTICATED, 'Shutdown with the --grpc_token when --shutdown_token is set');
        // Subscribe and Publish (streams).
        for (const md of [new grpc.Metadata(), bearer('wrong')]) {
          const stream = api.client.Subscribe({}, md);
          stream.on('error', () => {});
          const st = await new Promise((resolve) => stream.on('status', resolve));
          assert.equal(st.code, status.UNAUTHENTICATED, `Subscribe: ${statusName(st.code)}`);
          const perr = await grpcError(publish(api, [{ broadcast: { selector: {}, payload: { event: 'e' } } }], { metadata: md }), 'Publish');
          assert.equal(perr.code, status.UNAUTHENTICATED, `Publish: ${statusName(perr.code)}`);
        }
        // With the token everything works.
        const got = once(c, 'e');
        assert.equal((await call(api, 'EmitTo', requests.EmitTo, { metadata: bearer('s3cret') })).recipients, '1');
        await got;
        const sub = api.client.Subscribe({}, bearer('s3cret'));
        sub.on('error', () => {});
        await once(sub, 'metadata');
        sub.cancel();
        const pub = await publish(api, [{ broadcast: { selector: {}, payload: { event: 'e' } } }], { metadata: bearer('s3cret') });
        assert.equal(pub.recipients, '1');
        assert.equal((await call(api, 'ListSockets', requests.ListSockets, { metadata: bearer('s3cret') })).sockets.length, 1);
        const res = await call(api, 'Shutdown', { grace_period_ms: 2000 }, { metadata: bearer('down'), timeoutMs: 10_000 });
        assert.equal(res.sockets_disconnected, '1');
        assert.deepEqual(await hub.exited, { code: 0, signal: null });
      })();
    } finally {
      c.close();
      api.close();
      await hub.stop();
    }
  });
});

describe('Shutdown RPC', { timeout: 60_000 }, () => {
  it('drains: clients see transport close, backends see server shutting down, acks DISCONNECTED, streams end OK, exit 0', async () => {
    const hub = await startHub({ args: ['--drain_grace_ms', '5000'] });
    const api = grpcClient(hub.grpcPort);
    const sub = await subscribe(api, {});
    const clients = [await connectClient(hub.url), await connectClient(hub.url), await connectClient(`${hub.url}/orders`)];
    try {
      await withHubOutput(() => hub, async () => {
        const ids = clients.map((c) => c.id);
        const reasons = clients.map((c) => once(c, 'disconnect', 10_000));
        const last = clients.map((c) => once(c, 'before-drain'));
        const pending = api.emitWithAck({ selector: { socket_ids: [ids[0]] }, payload: { event: 'never' }, timeout_ms: 20_000 }, { timeoutMs: 20_000 });
        await api.broadcast({ selector: {}, payload: { event: 'before-drain', args: [json(1)] } });
        await api.broadcast({ selector: { namespace: '/orders' }, payload: { event: 'before-drain', args: [json(1)] } });
        const started = Date.now();
        const res = await api.shutdown({ grace_period_ms: 3000, reason: 'api.test' }, { timeoutMs: 10_000 });
        assert.equal(res.sockets_disconnected, '3');
        await Promise.all(last);
        for (const r of await Promise.all(reasons)) assert.equal(r[0], 'transport close');
        const ack = await pending;
        assert.deepEqual(ack.results.map((r) => [r.socket_id, r.status]), [[ids[0], 'ACK_STATUS_DISCONNECTED']]);
        const st = await sub.status;
        assert.equal(st.code, status.OK, `Subscribe ended ${statusName(st.code)} ${st.details}`);
        for (const id of ids) {
          assert.equal(sub.events.find(isDisconnected(id))?.disconnected.reason, 'server shutting down', `socket ${id}`);
        }
        assert.deepEqual(await hub.exited, { code: 0, signal: null });
        assert.ok(Date.now() - started < 4500, `exited ${Date.now() - started} ms after Shutdown`);
      })();
    } finally {
      for (const c of clients) c.close();
      sub.cancel();
      api.close();
      await hub.stop();
    }
  });

  it('UNAVAILABLE while draining', async () => {
    const hub = await startHub({ args: ['--drain_delay_ms', '1500', '--drain_grace_ms', '4000'] });
    const api = grpcClient(hub.grpcPort);
    const c = await connectClient(hub.url);
    try {
      await withHubOutput(() => hub, async () => {
        const shutdown = api.shutdown({ grace_period_ms: 0, reason: 'unavailable test' }, { timeoutMs: 10_000 }).catch((e) => e);
        await waitFor(async () => (await httpGet(`${hub.adminUrl}/readyz`)).status === 503, { timeoutMs: 2000, intervalMs: 20, what: '/readyz 503' });
        assert.ok(c.connected, 'still connected during the drain delay');
        const sel = { socket_ids: [c.id] };
        const calls = {
          EmitTo: api.emitTo({ socket_ids: [c.id], payload: { event: 'late' } }),
          Broadcast: api.broadcast({ selector: {}, payload: { event: 'late' } }),
          EmitWithAck: api.emitWithAck({ selector: sel, payload: { event: 'late' }, timeout_ms: 500 }),
          JoinRooms: api.joinRooms({ selector: sel, rooms: ['r'] }),
          Publish: publish(api, [{ broadcast: { selector: {}, payload: { event: 'late' } } }]),
        };
        // Settle every call at once (no rejection may go unhandled).
        const settled = Object.fromEntries(Object.entries(calls).map(([n, p]) => [n, grpcError(p, n).catch((e) => e)]));
        for (const [name, p] of Object.entries(settled)) {
          const err = await p;
          assert.equal(err.code, status.UNAVAILABLE, `${name} while draining: ${statusName(err.code)} ${err.details}`);
        }
        // A Subscribe opened during the drain is either refused (UNAVAILABLE)
        // or accepted and then ended with OK by the drain, like the others.
        const late = await subscribe(api, {}).catch((e) => e);
        if (late instanceof Error) assert.match(late.message, /code 14/, `Subscribe while draining: ${late.message}`);
        assert.equal((await httpGet(`${hub.url}/socket.io/?EIO=4&transport=websocket`)).status, 503);
        const res = await shutdown;
        if (!(late instanceof Error)) assert.equal((await late.status).code, status.OK, 'late Subscribe ends OK');
        assert.equal(res.sockets_disconnected, '1', `Shutdown: ${res.message ?? show(res)}`);
        assert.deepEqual(await hub.exited, { code: 0, signal: null });
      })();
    } finally {
      c.close();
      api.close();
      await hub.stop();
    }
  });
});
