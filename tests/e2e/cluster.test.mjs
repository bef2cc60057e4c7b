// Scale-out: three hub replicas on one real redis-server act as one hub.
// A backend on replica A reaches sockets on B and C, rooms span replicas,
// listings and acks cover every replica, a consumer group gets each client
// event once; @socket.io/redis-emitter and a Node socket.io server with
// @socket.io/redis-adapter share the cluster; a killed replica's sockets
// leave within the detection time; a Redis restart heals.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

import { connectClient, grpcClient, sleep, startHub, subscribe, waitFor } from './lib/hub.mjs';
import { freePort, metric, startRedis } from './lib/redis.mjs';

const json = (value) => Buffer.from(JSON.stringify(value));
const DETECTION_MS = 10_000; // documented: a dead replica is gone within 10 s

function nextEvent(socket, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

async function listAll(api, selector = {}) {
  const ids = [];
  let token = '';
  do {
    const res = await api.listSockets({ selector, page_size: 2, page_token: token });
    ids.push(...res.sockets.map((s) => s.id));
    token = res.next_page_token;
  } while (token);
  return ids.sort();
}

describe('cluster through Redis', () => {
  let redisPort;
  let redis;
  const hubs = [];
  let A, B, C;
  let api;
  let a1, b1, c1;
  const closers = [];

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const url = `redis://127.0.0.1:${redisPort}`;
    for (let i = 0; i < 3; i++) hubs.push(await startHub({ args: ['--redis_url', url] }));
    [A, B, C] = hubs;
    for (const hub of hubs) {
      await waitFor(async () => (await metric(hub, 'hub_cluster_replicas')) === 3, {
        what: 'every replica sees three',
        timeoutMs: 8000,
      });
    }
    api = grpcClient(A.grpcPort);
    a1 = await connectClient(A.url);
    b1 = await connectClient(B.url);
    c1 = await connectClient(C.url);
  });

  after(async () => {
    for (const s of [a1, b1, c1]) s?.close();
    for (const close of closers.reverse()) await close();
    api?.close();
    await Promise.all(hubs.map((h) => h.stop('SIGKILL')));
    redis?.kill('SIGKILL');
  });

  it('EmitTo from A reaches sockets on B and C; unknown ids are missing', async () => {
    const gotB = nextEvent(b1, 'greet');
    const gotC = nextEvent(c1, 'greet');
    const res = await api.emitTo({
      namespace: '/',
      socket_ids: [b1.id, c1.id, 'zzunknownsocketid00'],
      payload: { event: 'greet', args: [json({ hello: 'there' }), json([1, 2.5, null, true])] },
    });
    assert.equal(Number(res.recipients), 2);
    assert.deepEqual(res.missing_socket_ids, ['zzunknownsocketid00']);
    assert.deepEqual(await gotB, [{ hello: 'there' }, [1, 2.5, null, true]]);
    assert.deepEqual(await gotC, [{ hello: 'there' }, [1, 2.5, null, true]]);
  });

  it('JoinRooms spans replicas and a Broadcast right after sees it', async () => {
    const joined = await api.joinRooms({ selector: { socket_ids: [a1.id, b1.id, c1.id] }, rooms: ['everywhere'] });
    assert.equal(Number(joined.sockets), 3);
    const got = [a1, b1, c1].map((s) => nextEvent(s, 'room-news'));
    const res = await api.broadcast({
      selector: { rooms: ['everywhere'], except_socket_ids: [] },
      payload: { event: 'room-news', args: [json('hi room')] },
    });
    assert.equal(Number(res.recipients), 3);
    for (const p of got) assert.deepEqual(await p, ['hi room']);
  });

  it('binary attachments cross replicas', async () => {
    const got = nextEvent(c1, 'bin');
    await api.emitTo({
      namespace: '/',
      socket_ids: [c1.id],
      payload: { event: 'bin', args: [json({ file: { _placeholder: true, num: 0 } })], attachments: [Buffer.from([1, 2, 3])] },
    });
    const [arg] = await got;
    assert.deepEqual([...arg.file], [1, 2, 3]);
  });

  it('ListSockets pages through every replica', async () => {
    assert.deepEqual(await listAll(api), [a1.id, b1.id, c1.id].sort());
  });

  it('EmitWithAck from two replicas at once to one socket: each gets its own answer', async () => {
    // The first EmitWithAck of A and of B: each numbers it 1 on its side.
    // C asks c1 with ids of its own, so the two never meet in C's ack table.
    const apiB = grpcClient(B.grpcPort);
    try {
      // c1 answers once it holds both, so both are pending on C at once.
      const held = [];
      c1.on('who', (from, cb) => {
        held.push(() => cb(`answer to ${from}`));
        if (held.length === 2) held.forEach((answer) => answer());
      });
      const ask = (client, from) =>
        client.emitWithAck({ selector: { socket_ids: [c1.id] }, payload: { event: 'who', args: [json(from)] }, timeout_ms: 3000 });
      const [fromA, fromB] = await Promise.all([ask(api, 'A'), ask(apiB, 'B')]);
      for (const [res, from] of [[fromA, 'A'], [fromB, 'B']]) {
        assert.equal(res.results.length, 1);
        assert.equal(res.results[0].status, 'ACK_STATUS_OK');
        assert.equal(JSON.parse(Buffer.from(res.results[0].args[0]).toString()), `answer to ${from}`);
      }
    } finally {
      c1.off('who');
      apiB.close();
    }
  });

  it('EmitWithAck gathers the acks of all three replicas', async () => {
    for (const s of [a1, b1, c1]) s.once('ask', (n, cb) => cb({ from: s.id, n }));
    const res = await api.emitWithAck({
      selector: { rooms: ['everywhere'] },
      payload: { event: 'ask', args: [json(7)] },
      timeout_ms: 3000,
    });
    assert.equal(res.results.length, 3);
    for (const r of res.results) {
      assert.equal(r.status, 'ACK_STATUS_OK', JSON.stringify(r));
      assert.deepEqual(JSON.parse(Buffer.from(r.args[0]).toString()), { from: r.socket_id, n: 7 });
    }
  });

  it('a consumer group across replicas receives each client event exactly once, right after members come and go', async () => {
    // Replicas announce a change of their group members at once, not at the
    // next periodic heartbeat (every 2 s): 200 ms after a member joins or
    // leaves, every replica already agrees on who delivers each event. With
    // periodic heartbeats only, a round would see duplicates (join) or
    // losses (leave) unless a heartbeat happened to fall in those 200 ms.
    const SETTLE_MS = 200;
    const label = (e) => JSON.parse(Buffer.from(e.event.payload.args[0]).toString());
    const everything = await subscribe(grpcClient(C.grpcPort), { events: ['tick'] });
    const onA = await subscribe(grpcClient(A.grpcPort), { events: ['tick'], group: 'workers' });
    let onB = await subscribe(grpcClient(B.grpcPort), { events: ['tick'], group: 'workers' });
    closers.push(async () => [everything, onA, onB].forEach((m) => m.cancel()));
    let seen = 0; // events `everything` saw before this round
    // 30 client events, 10 from a socket on each replica; returns what each
    // of `members` got of them once the ungrouped subscriber has all 30.
    const round = async (tag, members) => {
      const sent = [];
      for (const [name, s] of [['a', a1], ['b', b1], ['c', c1]]) {
        for (let i = 0; i < 10; i++) {
          s.emit('tick', `${tag}-${name}${i}`);
          sent.push(`${tag}-${name}${i}`);
        }
      }
      seen += 30;
      await waitFor(() => everything.events.length === seen, { what: `${tag}: ungrouped subscriber sees all 30`, timeoutMs: 5000 });
      const ofRound = (m) => m.events.map(label).filter((l) => l.startsWith(`${tag}-`));
      await waitFor(() => members.reduce((n, m) => n + ofRound(m).length, 0) >= 30, { what: `${tag}: group gets 30`, timeoutMs: 5000 }).catch(() => {});
      await sleep(300); // any duplicate has arrived by now
      return { sent: sent.sort(), got: members.map(ofRound) };
    };

    await sleep(SETTLE_MS);
    let r = await round('both', [onA, onB]);
    assert.deepEqual(r.got.flat().sort(), r.sent, 'members on A and B just subscribed: each event once');
    assert.ok(r.got[0].length > 0 && r.got[1].length > 0, 'both members get a share');

    onB.cancel(); // the last member on B leaves: A must take B's share at once
    await onB.status;
    await sleep(SETTLE_MS);
    r = await round('left', [onA, onB]);
    assert.deepEqual(r.got[0].sort(), r.sent, 'after B left, A gets every event once');

    onB = await subscribe(grpcClient(B.grpcPort), { events: ['tick'], group: 'workers' }); // B joins again
    closers.push(async () => onB.cancel());
    await sleep(SETTLE_MS);
    r = await round('back', [onA, onB]);
    assert.deepEqual(r.got.flat().sort(), r.sent, 'after B came back, each event once');
    assert.ok(r.got[1].length > 0, 'B takes its share again');
  });

  it('a replica announces a group member joining or leaving within milliseconds', async (t) => {
    const sub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    sub.on('error', () => {});
    await sub.connect();
    t.after(() => sub.quit());
    // Heartbeats are msgpack {from, bye, subs, groups} with `from` first;
    // the group name, unique to this test, shows in the bytes when present.
    const GROUP = 'announce-probe';
    const beats = []; // {at, from, hasGroup}
    await sub.subscribe('hub-cluster#heartbeat#', (message) => {
      const header = message[6];
      const from = (header & 0xe0) === 0xa0 ? message.subarray(7, 7 + (header & 0x1f)).toString() : '?';
      beats.push({ at: performance.now(), from, hasGroup: message.includes(GROUP) });
    }, true);
    const joinMs = [];
    const leaveMs = [];
    for (let i = 0; i < 5; i++) {
      let started = performance.now();
      const member = await subscribe(grpcClient(B.grpcPort), { events: ['never'], group: GROUP });
      await waitFor(() => beats.some((b) => b.at >= started && b.hasGroup), { what: 'heartbeat with the new group', timeoutMs: 5000, intervalMs: 5 });
      const joined = beats.find((b) => b.at >= started && b.hasGroup);
      joinMs.push(joined.at - started);
      started = performance.now();
      member.cancel();
      await waitFor(() => beats.some((b) => b.at >= started && b.from === joined.from && !b.hasGroup), { what: 'heartbeat without the group', timeoutMs: 5000, intervalMs: 5 });
      leaveMs.push(beats.find((b) => b.at >= started && b.from === joined.from && !b.hasGroup).at - started);
    }
    const fmt = (ms) => ms.map((m) => m.toFixed(1)).join(' ');
    console.log(`# group join announced after (ms, from the Subscribe call): ${fmt(joinMs)}`);
    console.log(`# group leave announced after (ms, from the cancel): ${fmt(leaveMs)}`);
    // Periodic heartbeats alone would take up to 2 s: most of these would fail.
    for (const ms of joinMs.concat(leaveMs)) assert.ok(ms < 500, `announced after ${ms} ms`);
  });

  // Node Redis clients are closed at the end of the test that made them,
  // before the Redis restart test, where they would be reconnecting.
  it('@socket.io/redis-emitter emits into the cluster', async (t) => {
    const client = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    client.on('error', () => {});
    await client.connect();
    t.after(() => client.quit());
    const emitter = new Emitter(client);
    const got = [a1, b1, c1].map((s) => nextEvent(s, 'from-emitter'));
    emitter.emit('from-emitter', { n: 1 }, 'two');
    for (const p of got) assert.deepEqual(await p, [{ n: 1 }, 'two']);
    const roomOnly = nextEvent(b1, 'to-room');
    emitter.to('everywhere').except(a1.id).emit('to-room', Buffer.from([9]));
    const [buf] = await roomOnly;
    assert.deepEqual([...buf], [9]);
  });

  it('a Node socket.io server with @socket.io/redis-adapter shares the cluster both ways', async (t) => {
    const pub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    const io = new Server({ adapter: createAdapter(pub, sub) });
    const port = await freePort();
    io.listen(port);
    t.after(async () => {
      io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    });
    const n1 = await connectClient(`http://127.0.0.1:${port}`);
    t.after(() => n1.close());
    await sleep(200); // the adapter's subscriptions are live

    const fromHub = nextEvent(n1, 'from-hub');
    await api.broadcast({ selector: {}, payload: { event: 'from-hub', args: [json({ ok: true })] } });
    assert.deepEqual(await fromHub, [{ ok: true }]);

    const got = [a1, b1, c1].map((s) => nextEvent(s, 'from-node'));
    io.emit('from-node', 42, { deep: [1, 'x'] });
    for (const p of got) assert.deepEqual(await p, [42, { deep: [1, 'x'] }]);
  });

  it('a killed replica leaves ListSockets, and its pending acks come back DISCONNECTED, within the detection time', async () => {
    // a1 and b1 answer; c1 never does, and its replica dies while the acks
    // are pending. The RPC's own timeout is far beyond the detection time:
    // it must return as soon as C is declared dead, not at its timeout.
    for (const s of [a1, b1]) s.once('last-ask', (cb) => cb(s.id));
    const cAsked = nextEvent(c1, 'last-ask');
    const ackTimeoutMs = 3 * DETECTION_MS;
    const pending = api.emitWithAck(
      { selector: { rooms: ['everywhere'] }, payload: { event: 'last-ask', args: [] }, timeout_ms: ackTimeoutMs },
      { timeoutMs: ackTimeoutMs + 10_000 },
    );
    await cAsked; // C holds an ack in flight
    const cId = c1.id; // the client forgets its id once disconnected
    const started = Date.now();
    C.proc.kill('SIGKILL');
    const res = await pending;
    const ackMs = Date.now() - started;
    assert.ok(ackMs <= DETECTION_MS, `EmitWithAck returned ${ackMs} ms after the kill`);
    console.log(`# EmitWithAck settled ${ackMs} ms after replica C was killed`);
    const byId = Object.fromEntries(res.results.map((r) => [r.socket_id, r.status]));
    assert.deepEqual(byId, {
      [a1.id]: 'ACK_STATUS_OK',
      [b1.id]: 'ACK_STATUS_OK',
      [cId]: 'ACK_STATUS_DISCONNECTED',
    });
    await waitFor(async () => (await listAll(api)).length === 2, { what: 'C gone from listings', timeoutMs: DETECTION_MS });
    assert.ok(Date.now() - started <= DETECTION_MS);
    assert.deepEqual(await listAll(api), [a1.id, b1.id].sort());
  });

  it('a Redis restart heals the cluster and is counted', async () => {
    const lost = async () => metric(A, 'hub_cluster_messages_lost_total', '{reason="redis_down"}');
    const reconnects = async () =>
      (await metric(A, 'hub_cluster_redis_reconnects_total', '{link="pub"}')) +
      (await metric(A, 'hub_cluster_redis_reconnects_total', '{link="sub"}'));
    const lostBefore = await lost();
    const reconnectsBefore = await reconnects();
    redis.kill('SIGKILL');
    await waitFor(async () => (await metric(A, 'hub_cluster_redis_connected', '{link="pub"}')) === 0, {
      what: 'A sees Redis down',
    });
    // Published while Redis is down: lost, counted, and the RPC still
    // completes with this replica's part.
    const down = await api.broadcast({ selector: {}, payload: { event: 'into-the-void', args: [] } });
    assert.equal(Number(down.recipients), 1);
    assert.ok((await lost()) > lostBefore, 'hub_cluster_messages_lost_total{reason="redis_down"} moved');
    redis = await startRedis(redisPort);
    await waitFor(
      async () => {
        const got = nextEvent(b1, 'healed', 1000).catch(() => null);
        const res = await api.emitTo({ namespace: '/', socket_ids: [b1.id], payload: { event: 'healed', args: [json(1)] } }).catch(() => null);
        return res && Number(res.recipients) === 1 && (await got) !== null;
      },
      { what: 'EmitTo across replicas after Redis restart', timeoutMs: 10_000, intervalMs: 200 },
    );
    assert.ok((await reconnects()) >= reconnectsBefore + 2, 'both links of A counted a reconnect');
    assert.equal(await metric(A, 'hub_cluster_redis_connected', '{link="sub"}'), 1);
  });
});
