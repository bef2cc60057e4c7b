// The Publish stream hands emits to the shards in batches (issue 8): every
// socket must still receive every emit meant for it, once, in the order the
// backend wrote them, whatever the shard count and however often the stream
// pauses for --publish_max_in_flight. Real socket.io-client sockets over
// WebSocket, a real @grpc/grpc-js stream.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { grpcClient, startHub, waitFor, withHubOutput } from './lib/hub.mjs';
import { connectMany, json, publish } from './lib/extra.mjs';

const NSP = '/ord';
const EMITS = 5000;

/**
 * A mixed stream of EmitTo and Broadcast emits, each carrying its index,
 * and the indexes each socket must receive, in order.
 */
function mixedStream(ids, roomMembers) {
  const requests = [];
  const expected = ids.map(() => []);
  const n = ids.length;
  const to = (targets, i) => {
    for (const k of targets) expected[k].push(i);
  };
  const everyone = ids.map((_, k) => k);
  for (let i = 0; i < EMITS; i++) {
    const payload = { event: 's', args: [json(i)] };
    switch (i % 5) {
      case 0: // the whole namespace: one part per shard
        requests.push({ broadcast: { selector: { namespace: NSP }, payload } });
        to(everyone, i);
        break;
      case 1: // one room
        requests.push({ broadcast: { selector: { namespace: NSP, rooms: ['r'] }, payload } });
        to(roomMembers, i);
        break;
      case 2: { // two sockets, most often on two shards
        const a = (i * 7) % n;
        const b = (a + 1 + ((i * 3) % (n - 1))) % n;
        requests.push({ emit_to: { namespace: NSP, socket_ids: [ids[a], ids[b]], payload } });
        to([a, b], i);
        break;
      }
      case 3: { // one socket
        const a = (i * 13) % n;
        requests.push({ emit_to: { namespace: NSP, socket_ids: [ids[a]], payload } });
        to([a], i);
        break;
      }
      default: { // everyone but one
        const skip = (i * 5) % n;
        requests.push({ broadcast: { selector: { namespace: NSP, except_socket_ids: [ids[skip]] }, payload } });
        to(everyone.filter((k) => k !== skip), i);
      }
    }
  }
  return { requests, expected };
}

for (const { name, args } of [
  { name: '3 shards, --publish_max_in_flight 8 (pauses all the time)', args: ['--shards', '3', '--publish_max_in_flight', '8'] },
  { name: '2 shards, default in-flight limit (large batches)', args: [] },
]) {
  describe(`Publish order and completeness: ${name}`, { timeout: 120_000 }, () => {
    it(`${EMITS} mixed emits reach every socket once, in stream order`, async () => {
      const hub = await startHub({ args });
      const api = grpcClient(hub.grpcPort);
      let clients = [];
      try {
        await withHubOutput(() => hub, async () => {
          clients = await connectMany(`${hub.url}${NSP}`, 12);
          const ids = clients.map((c) => c.id);
          const roomMembers = [0, 2, 3, 7, 11];
          await api.joinRooms({ selector: { namespace: NSP, socket_ids: roomMembers.map((k) => ids[k]) }, rooms: ['r'] });
          const got = clients.map(() => []);
          clients.forEach((c, k) => c.on('s', (i) => got[k].push(i)));

          const { requests, expected } = mixedStream(ids, roomMembers);
          const total = expected.reduce((sum, list) => sum + list.length, 0);
          const res = await publish(api, requests, { timeoutMs: 60_000 });
          assert.deepEqual([res.accepted, res.rejected, res.first_error], [String(EMITS), '0', ''], JSON.stringify(res));
          assert.equal(Number(res.recipients), total, 'recipients');

          await waitFor(() => got.every((list, k) => list.length >= expected[k].length), {
            timeoutMs: 30_000,
            what: `every socket received its emits (${got.map((l, k) => `${l.length}/${expected[k].length}`).join(' ')})`,
          });
          for (let k = 0; k < clients.length; k++) {
            // Equal lists: nothing lost, nothing twice, nothing out of order.
            assert.deepEqual(got[k], expected[k], `socket ${k} (${ids[k]})`);
          }
        })();
      } finally {
        for (const c of clients) c.close();
        api.close();
        await hub.stop();
      }
    });
  });
}
