// A Node socket.io server with @socket.io/redis-adapter and two hub replicas
// on one real redis-server. The Node server counts the subscribers of its
// request channel (PUBSUB NUMSUB, hub replicas included) and waits for an
// answer from each: every request of its that waits for answers must get
// them from the hubs, at once, with the hubs' sockets in them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

import { connectClient, grpcClient, startHub, waitFor } from './lib/hub.mjs';
import { freePort, metric, startRedis } from './lib/redis.mjs';

// Far below the adapter's own request timeout (5 s): an answer that waits
// for it means a hub did not answer.
const PROMPT_MS = 2000;

async function timed(promise) {
  const started = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - started };
}

describe('Node socket.io servers and hub replicas on one Redis', () => {
  let redis;
  let A, B;
  let api;
  let io;
  let pub, sub;
  let a1, b1, b2, n1;

  before(async () => {
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    const url = `redis://127.0.0.1:${redisPort}`;
    const args = ['--redis_url', url, '--namespaces', '/,/chat'];
    [A, B] = await Promise.all([startHub({ args }), startHub({ args })]);
    for (const hub of [A, B]) {
      await waitFor(async () => (await metric(hub, 'hub_cluster_replicas')) === 2, { what: 'replicas see each other' });
    }
    api = grpcClient(A.grpcPort);

    pub = createClient({ url });
    sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    io = new Server({ adapter: createAdapter(pub, sub) });
    io.of('/chat'); // its adapter subscribes now
    const port = await freePort();
    io.listen(port);
    // Every hub replica is a subscriber of the request channel, by name.
    await waitFor(async () => (await io.of('/').adapter.serverCount()) === 3, { what: 'NUMSUB counts the hubs' });

    a1 = await connectClient(A.url, { auth: { token: 'from-a1' }, query: { tag: 'a' } });
    b1 = await connectClient(B.url);
    b2 = await connectClient(`${B.url}/chat`);
    n1 = await connectClient(`http://127.0.0.1:${port}`);
    await api.joinRooms({ selector: { socket_ids: [a1.id, b1.id] }, rooms: ['hubroom'] });
  });

  after(async () => {
    for (const s of [a1, b1, b2, n1]) s?.close();
    io?.close();
    await Promise.allSettled([pub?.quit(), sub?.quit()]);
    api?.close();
    await Promise.all([A, B].map((h) => h?.stop('SIGKILL')));
    redis?.kill('SIGKILL');
  });

  it('fetchSockets returns the hubs\' sockets with their handshake, rooms and data', async () => {
    const { value: sockets, ms } = await timed(io.fetchSockets());
    assert.ok(ms < PROMPT_MS, `fetchSockets took ${ms} ms`);
    assert.deepEqual(sockets.map((s) => s.id).sort(), [a1.id, b1.id, n1.id].sort());
    const fromA = sockets.find((s) => s.id === a1.id);
    assert.deepEqual([...fromA.rooms].sort(), [a1.id, 'hubroom'].sort());
    assert.deepEqual(fromA.data, {});
    const { handshake } = fromA;
    assert.deepEqual(handshake.auth, { token: 'from-a1' });
    assert.equal(handshake.query.tag, 'a');
    assert.equal(handshake.query.EIO, '4');
    assert.equal(handshake.query.transport, 'websocket');
    assert.match(handshake.url, /^\/socket\.io\/\?/);
    assert.equal(handshake.address, '127.0.0.1');
    assert.equal(typeof handshake.headers.host, 'string');
    assert.ok(Math.abs(handshake.issued - Date.now()) < 60_000);
    assert.ok(!Number.isNaN(Date.parse(handshake.time)));

    // A room, and another namespace the hubs were told about.
    const inRoom = await io.in('hubroom').fetchSockets();
    assert.deepEqual(inRoom.map((s) => s.id).sort(), [a1.id, b1.id].sort());
    const chat = await io.of('/chat').fetchSockets();
    assert.deepEqual(chat.map((s) => s.id), [b2.id]);

    // A RemoteSocket of a hub acts on it through the cluster.
    const got = new Promise((resolve) => b1.once('from-remote-socket', resolve));
    sockets.find((s) => s.id === b1.id).emit('from-remote-socket', 'hi');
    assert.equal(await got, 'hi');
  });

  it('allRooms includes the hubs\' rooms', async () => {
    const { value: rooms, ms } = await timed(io.of('/').adapter.allRooms());
    assert.ok(ms < PROMPT_MS, `allRooms took ${ms} ms`);
    for (const room of ['hubroom', a1.id, b1.id, n1.id]) assert.ok(rooms.has(room), `${room} in ${[...rooms]}`);
  });

  it('serverSideEmit with an ack gets one answer per hub, at once; without one it is ignored', async () => {
    io.serverSideEmit('no-ack-wanted', 1);
    const { value: answers, ms } = await timed(io.serverSideEmitWithAck('ping', 1));
    assert.ok(ms < PROMPT_MS, `serverSideEmitWithAck took ${ms} ms`);
    assert.equal(answers.length, 2); // the two hubs, which acknowledge with no value
  });

  it('a broadcast with acks from Node collects the acks of hub clients', async () => {
    for (const s of [a1, b1, n1]) s.once('ask', (n, cb) => cb({ id: s.id, n: n + 1 }));
    const { value: answers, ms } = await timed(io.timeout(4000).emitWithAck('ask', 41));
    assert.ok(ms < PROMPT_MS, `emit with acks took ${ms} ms`);
    assert.deepEqual(
      answers.map((a) => a.id).sort(),
      [a1.id, b1.id, n1.id].sort(),
    );
    for (const a of answers) assert.equal(a.n, 42);

    // Only a room on the hubs, and binary both ways.
    a1.once('bin', (buf, cb) => cb(Buffer.concat([buf, Buffer.from([2])])));
    b1.once('bin', (buf, cb) => cb(Buffer.concat([buf, Buffer.from([3])])));
    const bins = await io.to('hubroom').timeout(4000).emitWithAck('bin', Buffer.from([1]));
    assert.deepEqual(bins.map((b) => [...b]).sort(), [[1, 2], [1, 3]]);
  });

  it('a client that does not ack makes Node time out, not hang', async () => {
    b1.once('silent', () => {});
    await assert.rejects(io.to('hubroom').timeout(500).emitWithAck('silent'), /timed out/);
  });

  it('socketsJoin, socketsLeave and disconnectSockets reach the hubs\' sockets', async () => {
    io.in('hubroom').socketsJoin('joined-by-node');
    await waitFor(async () => (await io.in('joined-by-node').fetchSockets()).length === 2, { what: 'hub sockets joined' });
    const listed = await api.listSockets({ selector: { rooms: ['joined-by-node'] }, page_size: 10 });
    assert.deepEqual(listed.sockets.map((s) => s.id).sort(), [a1.id, b1.id].sort());
    io.in('joined-by-node').socketsLeave('joined-by-node');
    await waitFor(async () => (await io.in('joined-by-node').fetchSockets()).length === 0, { what: 'hub sockets left' });

    const gone = new Promise((resolve) => a1.once('disconnect', resolve));
    io.in(a1.id).disconnectSockets();
    assert.equal(await gone, 'io server disconnect');
  });
});
