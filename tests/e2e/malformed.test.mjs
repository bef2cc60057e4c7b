// Hostile and broken input: each bad connection is closed with a precise
// reason and nothing else is affected.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import WebSocket from 'ws';

import {
  connectClient,
  grpcClient,
  httpGet,
  once,
  parseOpenPacket,
  rawEngineSocket,
  startHub,
  withHubOutput,
  withTimeout,
} from './lib/hub.mjs';

describe('malformed input', () => {
  let hub;
  let api;
  let healthy;
  const raws = new Set();
  const t = (fn) => withHubOutput(() => hub, fn);

  async function openRaw() {
    const raw = await rawEngineSocket(hub.sioPort);
    raws.add(raw);
    const open = parseOpenPacket(await raw.nextMessage());
    return { raw, open };
  }

  async function expectClose(raw, code) {
    const closed = await withTimeout(raw.closed, 5000, `server did not close the WebSocket (expected ${code})`);
    assert.equal(closed.code, code, `close code (reason '${closed.reason}')`);
    return closed;
  }

  before(async () => {
    hub = await startHub();
    api = grpcClient(hub.grpcPort);
    healthy = await connectClient(hub.url);
  });

  after(async () => {
    for (const raw of raws) raw.ws.terminate();
    healthy?.close();
    api?.close();
    if (hub) await hub.stop('SIGTERM');
  });

  it('a raw WebSocket first receives a well-formed Engine.IO OPEN packet', { timeout: 10_000 }, t(async () => {
    const { raw, open } = await openRaw();
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0, 'sid is non-empty');
    assert.ok(Array.isArray(open.upgrades), 'upgrades is an array');
    for (const key of ['pingInterval', 'pingTimeout', 'maxPayload']) {
      assert.equal(typeof open[key], 'number', `${key} is a number`);
      assert.ok(open[key] > 0, `${key} > 0`);
    }
    raw.ws.close(1000);
    await withTimeout(raw.closed, 5000, 'clean close');
  }));

  it('text that is not an Engine.IO packet closes the socket with 1002', { timeout: 10_000 }, t(async () => {
    const { raw } = await openRaw();
    raw.ws.send('hello world');
    const closed = await expectClose(raw, 1002);
    assert.ok(closed.reason.length > 0, 'close reason is non-empty');
  }));

  it('an Engine.IO message that is not a Socket.IO packet closes the socket with 1002', { timeout: 10_000 }, t(async () => {
    const { raw } = await openRaw();
    raw.ws.send('40');
    const reply = await raw.nextMessage();
    assert.match(reply, /^40\{/, `CONNECT reply, got ${reply}`);
    assert.equal(typeof JSON.parse(reply.slice(2)).sid, 'string');
    raw.ws.send('4garbage');
    const closed = await expectClose(raw, 1002);
    assert.ok(closed.reason.length > 0, 'close reason is non-empty');
  }));

  it('a text frame with invalid UTF-8 closes the socket with 1007', { timeout: 10_000 }, t(async () => {
    const { raw } = await openRaw();
    raw.ws.send(Buffer.from([0x34, 0x32, 0x5b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x5d]), { binary: false });
    await expectClose(raw, 1007);
  }));

  it('random bytes on the Socket.IO port are answered by closing the connection', { timeout: 10_000 }, t(async () => {
    const sock = net.connect({ host: '127.0.0.1', port: hub.sioPort });
    sock.on('error', () => {}); // a reset is an acceptable way to close
    sock.resume();
    try {
      await once(sock, 'connect');
      const closed = once(sock, 'close');
      // Starts with bytes no HTTP method can contain, ends like a header block
      // so that a line-oriented parser has a complete "request" to reject.
      sock.write(Buffer.concat([Buffer.from([0x00, 0xff, 0x16, 0x03, 0x01]), randomBytes(251), Buffer.from('\r\n\r\n')]));
      await closed;
    } finally {
      sock.destroy();
    }
  }));

  it('a WebSocket handshake for Engine.IO v3 is refused with HTTP 400', { timeout: 10_000 }, t(async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${hub.sioPort}/socket.io/?EIO=3&transport=websocket`, {
      perMessageDeflate: false,
    });
    ws.on('error', () => {});
    try {
      const [req, res] = await once(ws, 'unexpected-response');
      assert.equal(res.statusCode, 400);
      res.resume();
      req.destroy();
    } finally {
      ws.terminate();
    }
  }));

  it('an unknown path on the Socket.IO port is 404', { timeout: 10_000 }, t(async () => {
    const res = await httpGet(`${hub.url}/nothing`);
    assert.equal(res.status, 404);
  }));

  it('the healthy client and the hub are unaffected', { timeout: 10_000 }, t(async () => {
    assert.ok(hub.running, 'hub process is still running');
    assert.ok(healthy.connected, 'healthy client is still connected');
    const received = once(healthy, 'still-here');
    const res = await api.broadcast({
      selector: { namespace: '/' },
      payload: { event: 'still-here', args: [Buffer.from('"yes"')] },
    });
    assert.ok(Number(res.recipients) >= 1, `recipients ${res.recipients}`);
    assert.deepEqual(await received, ['yes']);
    assert.ok(hub.running, 'hub process is still running');
  }));

  it('exits 0 on SIGTERM', { timeout: 15_000 }, t(async () => {
    const result = await hub.stop('SIGTERM');
    assert.deepEqual(result, { code: 0, signal: null });
  }));
});
