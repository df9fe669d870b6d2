// node-redis and ioredis (current majors from npm) against the server under test, which this file
// starts itself (server.mjs) and stops by PID in after(). Both clients open with HELLO 3; a
// recording proxy checks what they send, and the rest goes straight to the server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { HOST, Server, parseCommands, recordingProxy } from './server.mjs';

let server;

before(async () => {
  server = new Server();
  await server.start();
});

after(async () => {
  if (server) await server.cleanup();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function closeNodeRedis(client) {
  if (!client.isOpen) return;
  if (typeof client.quit === 'function') await client.quit();
  else await client.close();
}

describe('node-redis', () => {
  let client;

  before(async () => {
    client = createClient({ socket: { host: HOST, port: server.port } });
    client.on('error', () => {});
    await client.connect();
  });

  after(async () => {
    if (client) await closeNodeRedis(client);
  });

  test('connect opens with HELLO 3 and gets a RESP3 map', async () => {
    const proxy = await recordingProxy(server.port);
    const c = createClient({ socket: { host: HOST, port: proxy.port } });
    c.on('error', () => {});
    try {
      await c.connect();
      assert.equal(await c.ping(), 'PONG');
      const cmds = parseCommands(proxy.sentText());
      assert.deepEqual(cmds[0].map((a) => a.toUpperCase()), ['HELLO', '3']);
      const hello = await c.sendCommand(['HELLO', '3']);
      const h = hello instanceof Map ? Object.fromEntries(hello) : hello;
      assert.equal(Number(h.proto), 3);
      assert.ok(Number(String(h.version).split('.')[0]) >= 7, `version ${h.version}`);
      for (const f of ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']) {
        assert.ok(f in h, `HELLO lacks ${f}`);
      }
      // RESP3 null reaches the client as null.
      assert.equal(await c.get('node-redis:missing'), null);
    } finally {
      await closeNodeRedis(c);
      await proxy.close();
    }
  });

  test('set get incr mget', async () => {
    assert.equal(await client.set('nr:a', 'hello'), 'OK');
    assert.equal(await client.get('nr:a'), 'hello');
    assert.equal(await client.get('nr:missing'), null);
    assert.equal(await client.set('nr:a', 'x', { condition: 'NX' }), null);
    assert.equal(await client.get('nr:a'), 'hello');
    assert.equal(await client.incr('nr:n'), 1);
    assert.equal(await client.incrBy('nr:n', 41), 42);
    assert.equal(await client.decr('nr:n'), 41);
    assert.equal(await client.incrByFloat('nr:f', 1.5), '1.5');
    assert.deepEqual(await client.mGet(['nr:a', 'nr:missing', 'nr:n']), ['hello', null, '41']);
    assert.equal(await client.mSet({ 'nr:m1': '1', 'nr:m2': '2' }), 'OK');
    assert.equal(await client.exists(['nr:m1', 'nr:m2', 'nr:nope']), 2);
    assert.equal(await client.append('nr:a', '!'), 6);
    assert.equal(await client.getRange('nr:a', 0, 1), 'he');
    await assert.rejects(client.incr('nr:a'), /value is not an integer or out of range/);
    assert.equal(await client.del(['nr:a', 'nr:n']), 2);
  });

  test('expire ttl and real expiry', async () => {
    await client.set('nr:t', 'v');
    assert.equal(await client.ttl('nr:t'), -1);
    assert.equal(await client.expire('nr:t', 100), 1);
    assert.equal(await client.ttl('nr:t'), 100);
    assert.ok((await client.pTTL('nr:t')) > 99000);
    assert.equal(await client.persist('nr:t'), 1);
    assert.equal(await client.ttl('nr:missing'), -2);
    await client.set('nr:short', 'v', { expiration: { type: 'PX', value: 100 } });
    await sleep(250);
    assert.equal(await client.get('nr:short'), null);
  });

  test('scanIterator sees every key once', async () => {
    const want = [];
    for (let i = 0; i < 250; i++) want.push(`nr:scan:${i}`);
    await client.mSet(Object.fromEntries(want.map((k) => [k, 'v'])));
    const seen = [];
    for await (const batch of client.scanIterator({ MATCH: 'nr:scan:*', COUNT: 20 })) {
      if (Array.isArray(batch)) seen.push(...batch); else seen.push(batch);
    }
    assert.deepEqual(seen.sort(), want.sort());
  });

  test('batching without MULTI keeps order', async () => {
    // Commands issued together are written in one go (auto-pipelining) and resolve in order.
    const ops = [];
    for (let i = 0; i < 500; i++) {
      ops.push(client.set(`nr:p:${i}`, String(i)));
      ops.push(client.incr('nr:pcount'));
      ops.push(client.get(`nr:p:${i}`));
    }
    const res = await Promise.all(ops);
    for (let i = 0; i < 500; i++) {
      assert.equal(res[3 * i], 'OK');
      assert.equal(res[3 * i + 1], i + 1);
      assert.equal(res[3 * i + 2], String(i));
    }
  });

  test('quit closes the connection', async () => {
    const proxy = await recordingProxy(server.port);
    const c = createClient({ socket: { host: HOST, port: proxy.port } });
    c.on('error', () => {});
    await c.connect();
    await c.set('nr:q', '1');
    await closeNodeRedis(c);
    assert.equal(c.isOpen, false);
    for (let i = 0; i < 50 && proxy.closedCount() === 0; i++) await sleep(20);
    assert.equal(proxy.closedCount(), 1);
    await proxy.close();
  });
});

describe('ioredis', () => {
  let redis;

  before(async () => {
    redis = new Redis({ host: HOST, port: server.port, maxRetriesPerRequest: 1 });
    await redis.ping();
  });

  after(async () => {
    if (redis) await redis.quit().catch(() => redis.disconnect());
  });

  test('connect opens with HELLO 3, then its INFO ready check passes', async () => {
    const proxy = await recordingProxy(server.port);
    const r = new Redis({ host: HOST, port: proxy.port, maxRetriesPerRequest: 1 });
    try {
      assert.equal(await r.ping(), 'PONG');
      const cmds = parseCommands(proxy.sentText());
      assert.deepEqual(cmds[0].map((a) => a.toUpperCase()), ['HELLO', '3']);
      const sentInfo = cmds.some((c) => c[0].toLowerCase() === 'info');
      assert.ok(sentInfo, 'ioredis sent no INFO ready check');
      assert.equal(r.status, 'ready');
      assert.equal(await r.get('io:missing'), null);
    } finally {
      await r.quit();
      await proxy.close();
    }
  });

  test('set get incr mget', async () => {
    assert.equal(await redis.set('io:a', 'hello'), 'OK');
    assert.equal(await redis.get('io:a'), 'hello');
    assert.equal(await redis.set('io:a', 'x', 'NX'), null);
    assert.equal(await redis.incr('io:n'), 1);
    assert.equal(await redis.incrby('io:n', 9), 10);
    assert.equal(await redis.decrby('io:n', 3), 7);
    assert.equal(await redis.incrbyfloat('io:f', '2.5'), '2.5');
    assert.deepEqual(await redis.mget('io:a', 'io:missing', 'io:n'), ['hello', null, '7']);
    assert.equal(await redis.mset({ 'io:m1': '1', 'io:m2': '2' }), 'OK');
    assert.equal(await redis.exists('io:m1', 'io:m2', 'io:x'), 2);
    assert.equal(await redis.getdel('io:m1'), '1');
    await assert.rejects(redis.incr('io:a'), /value is not an integer or out of range/);
    const buf = Buffer.from([0, 1, 2, 255, 13, 10]);
    await redis.set('io:bin', buf);
    assert.deepEqual(await redis.getBuffer('io:bin'), buf);
  });

  test('expire ttl and real expiry', async () => {
    await redis.set('io:t', 'v', 'EX', 100);
    assert.equal(await redis.ttl('io:t'), 100);
    assert.equal(await redis.expire('io:t', 50, 'GT'), 0);
    assert.equal(await redis.expire('io:t', 50, 'LT'), 1);
    assert.equal(await redis.ttl('io:t'), 50);
    assert.equal(await redis.ttl('io:missing'), -2);
    await redis.set('io:short', 'v', 'PX', 100);
    await sleep(250);
    assert.equal(await redis.exists('io:short'), 0);
  });

  test('scanStream sees every key once', async () => {
    const want = [];
    for (let i = 0; i < 250; i++) want.push(`io:scan:${i}`);
    await redis.mset(Object.fromEntries(want.map((k) => [k, 'v'])));
    const seen = [];
    await new Promise((resolve, reject) => {
      const s = redis.scanStream({ match: 'io:scan:*', count: 25 });
      s.on('data', (keys) => seen.push(...keys));
      s.on('end', resolve);
      s.on('error', reject);
    });
    assert.deepEqual(seen.sort(), want.sort());
  });

  test('pipeline keeps order, errors in place', async () => {
    const p = redis.pipeline();
    for (let i = 0; i < 300; i++) {
      p.set(`io:p:${i}`, String(i));
      p.get(`io:p:${i}`);
    }
    p.set('io:bad', 'abc');
    p.incr('io:bad');
    p.echo('last');
    const res = await p.exec();
    assert.equal(res.length, 603);
    for (let i = 0; i < 300; i++) {
      assert.deepEqual(res[2 * i], [null, 'OK']);
      assert.deepEqual(res[2 * i + 1], [null, String(i)]);
    }
    assert.match(String(res[601][0]), /value is not an integer or out of range/);
    assert.deepEqual(res[602], [null, 'last']);
  });

  test('quit closes the connection', async () => {
    const r = new Redis({ host: HOST, port: server.port });
    await r.set('io:q', '1');
    assert.equal(await r.quit(), 'OK');
    for (let i = 0; i < 50 && r.status !== 'end'; i++) await sleep(20);
    assert.equal(r.status, 'end');
  });
});
