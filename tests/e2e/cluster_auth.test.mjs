// --redis_url with credentials and a database, against a real redis-server
// that wants a password (and has an ACL user): replicas authenticate and
// select the database on every connect, a refusal is logged, counted and
// retried, and the password never appears in the hub's output. rediss://
// is refused at startup.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createClient } from 'redis';

import { runHub, startHub, waitFor } from './lib/hub.mjs';
import { freePort, metric, startRedis } from './lib/redis.mjs';

const PASSWORD = 'pw-s3cret-default';
const ALICE_PASSWORD = 'pw-s3cret-alice';
const WRONG_PASSWORD = 'pw-s3cret-wrong';

describe('--redis_url with credentials and a database', () => {
  let port;
  let redis;
  let admin;
  const hubs = [];

  before(async () => {
    port = await freePort();
    redis = await startRedis(port, ['--requirepass', PASSWORD, '--user', 'alice', 'on', `>${ALICE_PASSWORD}`, '~*', '&*', '+@all']);
    admin = createClient({ url: `redis://:${PASSWORD}@127.0.0.1:${port}` });
    admin.on('error', () => {});
    await admin.connect();
  });

  after(async () => {
    await admin?.quit();
    await Promise.all(hubs.map((h) => h.stop('SIGKILL')));
    redis?.kill('SIGKILL');
  });

  async function start(url) {
    const hub = await startHub({ args: ['--redis_url', url] });
    hubs.push(hub);
    return hub;
  }

  const connected = async (hub) =>
    (await metric(hub, 'hub_cluster_redis_connected', '{link="pub"}')) === 1 &&
    (await metric(hub, 'hub_cluster_redis_connected', '{link="sub"}')) === 1;

  // The hub's connections, from Redis's side: CLIENT LIST minus our own.
  async function hubConnections() {
    const self = await admin.sendCommand(['CLIENT', 'ID']);
    const list = await admin.sendCommand(['CLIENT', 'LIST']);
    return list.split('\n').filter((line) => line && !line.startsWith(`id=${self} `));
  }

  it('a password alone: AUTH, then SELECT of the database, on both connections', async () => {
    const hub = await start(`redis://:${PASSWORD}@127.0.0.1:${port}/3`);
    await waitFor(() => connected(hub), { what: 'both links up' });
    const mine = (await hubConnections()).filter((line) => / db=3 /.test(line));
    assert.equal(mine.length, 2, (await hubConnections()).join('\n'));
    for (const line of mine) assert.match(line, / user=default /);
    assert.match(hub.output(), /event=cluster_joined redis_url=redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/3 /);
  });

  it('an ACL user and its password; it shares the cluster with the first replica', async () => {
    const hub = await start(`redis://alice:${ALICE_PASSWORD}@127.0.0.1:${port}`);
    await waitFor(() => connected(hub), { what: 'both links up' });
    assert.equal((await hubConnections()).filter((line) => / user=alice /.test(line)).length, 2);
    await waitFor(async () => (await metric(hub, 'hub_cluster_replicas')) === 2, { what: 'the replicas see each other' });
  });

  it('a wrong password: logged once, counted, retried with backoff until Redis accepts it', async () => {
    const hub = await start(`redis://:${WRONG_PASSWORD}@127.0.0.1:${port}`);
    const refusals = () => metric(hub, 'hub_cluster_redis_setup_failures_total', '{link="pub",reason="auth"}');
    await waitFor(async () => (await refusals()) >= 3, { what: 'three refused attempts', timeoutMs: 5000 });
    assert.equal(await metric(hub, 'hub_cluster_redis_connected', '{link="pub"}'), 0);
    const lines = hub.output().split('\n').filter((l) => l.includes('event=redis_refused link=pub'));
    assert.equal(lines.length, 1, 'one log line per streak of refusals');
    assert.match(lines[0], /level=error .*step=auth reason=auth error="?WRONGPASS/);

    // Redis starts accepting that password too: the next retry gets in.
    await admin.sendCommand(['ACL', 'SETUSER', 'default', `>${WRONG_PASSWORD}`]);
    await waitFor(() => connected(hub), { what: 'both links up once the password is valid', timeoutMs: 5000 });
  });

  it('no password while Redis wants one: refused as auth', async () => {
    const hub = await start(`redis://127.0.0.1:${port}`);
    await waitFor(
      async () => (await metric(hub, 'hub_cluster_redis_setup_failures_total', '{link="sub",reason="auth"}')) >= 1,
      { what: 'a refusal for want of a password' },
    );
    // The hub counts the refusal before it logs it, and its stderr reaches
    // this process on its own pipe: the line may come a moment after the
    // scrape that saw the count.
    const refused = /event=redis_refused link=sub .*step=ping reason=auth error="?NOAUTH/;
    await waitFor(() => refused.test(hub.output()), { what: 'the refusal logged' }).catch(() => {});
    assert.match(hub.output(), refused);
  });

  it('the passwords never appear in any output', () => {
    for (const hub of hubs) {
      for (const secret of [PASSWORD, ALICE_PASSWORD, WRONG_PASSWORD]) {
        assert.ok(!hub.output().includes(secret), `${secret} in the output of a hub`);
      }
    }
  });

  it('rediss:// is refused at startup: exit 2, naming the flag', async () => {
    const r = await runHub(['--redis_url', `rediss://:${PASSWORD}@127.0.0.1:${port}`, '--bind', '127.0.0.1',
      '--sio_port', '0', '--grpc_port', '0', '--admin_port', '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--redis_url: rediss:\/\/ \(TLS\) is not supported/);
    assert.ok(!(r.stdout + r.stderr).includes(PASSWORD));
  });
});
