import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, NatsError } from "nats";
import { Storage, StorageError, containing, sqlTime } from "./storage.js";
import { connectAs } from "./test-env.js";

let storage;

before(async () => {
  storage = await connectAs("quote-db");
});

after(() => storage?.close());

// The real connection, but the first `lose` replies never reach the caller, as when NATS times out
// after the service applied the write. Records every request it sends.
function losingReplies(lose) {
  const sent = [];
  const nc = {
    async request(subject, data, options) {
      sent.push(JSON.parse(new TextDecoder().decode(data)));
      const reply = await storage.nc.request(subject, data, options);
      if (sent.length <= lose) throw new NatsError("timeout", ErrorCode.Timeout);
      return reply;
    },
  };
  return { sent, storage: new Storage(nc, storage.plugin, { backoffMs: 1 }) };
}

const key = (name) => `${name}-${Math.random().toString(36).slice(2)}`;

test("a write whose reply is lost is retried with the same request_id and applied once", async () => {
  const counter = key("retried");
  const lossy = losingReplies(2);
  const reply = await lossy.storage.kv("incr", { key: counter, by: 5 });
  assert.equal(lossy.sent.length, 3);
  assert.equal(new Set(lossy.sent.map((r) => r.request_id)).size, 1);
  assert.equal(reply.value, 5, "the retry got the first reply");
  assert.equal((await storage.kv("get", { key: counter })).value, 5, "applied once");
});

test("each write gets its own request_id; reads carry none", async () => {
  const lossy = losingReplies(0);
  await lossy.storage.kv("set", { key: key("a"), value: 1 });
  await lossy.storage.kv("set", { key: key("b"), value: 2 });
  await lossy.storage.kv("get", { key: "a" });
  const [first, second, read] = lossy.sent;
  assert.notEqual(first.request_id, second.request_id);
  assert.equal(read.request_id, undefined);
});

test("a request_id sent again returns the first reply without applying twice", async () => {
  const counter = key("same-id");
  const first = await storage.kv("incr", { key: counter, request_id: `${counter}-1` });
  const again = await storage.kv("incr", { key: counter, request_id: `${counter}-1` });
  assert.deepEqual(again, first);
  await assert.rejects(storage.kv("incr", { key: counter, by: 2, request_id: `${counter}-1` }),
    (error) => error.code === "CONFLICT" && error.details.field === "request_id");
});

test("a lost reply is given up after the configured attempts", async () => {
  const lossy = losingReplies(100);
  lossy.storage.attempts = 3;
  await assert.rejects(lossy.storage.kv("get", { key: "x" }), (error) => error.code === ErrorCode.Timeout);
  assert.equal(lossy.sent.length, 3);
});

test("an error reply that retrying cannot fix is thrown at once with its code and details", async () => {
  const lossy = losingReplies(0);
  await assert.rejects(lossy.storage.kv("set", { key: "", value: 1 }), (error) => {
    assert.ok(error instanceof StorageError);
    assert.equal(error.code, "INVALID_REQUEST");
    assert.equal(error.details.field, "key");
    return true;
  });
  assert.equal(lossy.sent.length, 1);
});

test("helpers: literal $like patterns and row-tier timestamps", () => {
  assert.equal(containing("50%_off\\"), "%50\\%\\_off\\\\%");
  assert.equal(sqlTime(new Date("2025-11-22T10:30:00Z")), "2025-11-22T10:30:00.000000Z");
});
