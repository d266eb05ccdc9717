import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { StorageError } from "../storage.js";
import { connectAs, reset } from "../test-env.js";
import { QuoteDb } from "./quote-db.js";

let storage;
let quotes;

before(async () => {
  storage = await connectAs("quote-db");
  await reset(storage, ["quotes_added"]);
  quotes = new QuoteDb(storage);
  const reply = await quotes.migrate();
  assert.deepEqual(reply.applied, ["001_quotes", "002_contributors"]);
});

after(() => storage?.close());

test("migrations apply once: sending the list again applies nothing", async () => {
  const reply = await quotes.migrate();
  assert.deepEqual(reply.applied, []);
  assert.equal(reply.current, "002_contributors");
});

test("an added quote comes back by id and the KV counter counts it", async () => {
  const count = await quotes.added();
  const id = await quotes.add({ text: "Talk is cheap. Show me the code.", author: "Linus Torvalds", addedBy: "ada" });
  const quote = await quotes.get(id);
  assert.equal(quote.text, "Talk is cheap. Show me the code.");
  assert.equal(quote.added_by, "ada");
  assert.match(quote.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal(await quotes.added(), count + 1);
  assert.equal(await quotes.get(id + 1000), null);
});

test("many quotes go in one transaction and the counter moves by their number", async () => {
  const count = await quotes.added();
  const ids = await quotes.addMany([{ text: "one", author: "batch" }, { text: "two", author: "batch" }], "bob");
  assert.equal(ids.length, 2);
  assert.equal(await quotes.added(), count + 2);
  // A NOT NULL column left out fails the whole batch: nothing of it is kept.
  await assert.rejects(quotes.addMany([{ text: "three", author: "batch" }, { author: "batch" }], "bob"),
    (error) => error instanceof StorageError && error.code === "INVALID_REQUEST");
  assert.deepEqual((await quotes.search("three")).length, 0);
});

test("search finds a word anywhere in the text; % and _ are literal", async () => {
  await quotes.add({ text: "Premature optimization is the root of all evil", author: "Donald Knuth", addedBy: "cy" });
  await quotes.add({ text: "100% of the shots you don't take", author: "Wayne Gretzky", addedBy: "cy" });
  await quotes.add({ text: "1000 reasons", author: "nobody", addedBy: "cy" });
  const found = await quotes.search("root of all");
  assert.deepEqual(found.map((q) => q.author), ["Donald Knuth"]);
  assert.deepEqual((await quotes.search("100%")).map((q) => q.author), ["Wayne Gretzky"]);
  assert.deepEqual(await quotes.search("ROOT OF ALL"), [], "$like is case-sensitive on both backends");
});

test("random picks a quote, of the author asked for", async () => {
  await quotes.add({ text: "Simplicity is prerequisite for reliability.", author: "Edsger Dijkstra", addedBy: "ada" });
  await quotes.add({ text: "Testing shows the presence, not the absence of bugs.", author: "Edsger Dijkstra", addedBy: "ada" });
  const seen = new Set();
  for (let i = 0; i < 20; i++) {
    const quote = await quotes.random("Edsger Dijkstra");
    assert.equal(quote.author, "Edsger Dijkstra");
    seen.add(quote.id);
  }
  assert.ok(seen.size >= 1);
  assert.notEqual(await quotes.random(), null);
  assert.equal(await quotes.random("nobody at all"), null);
});

test("contributors: $inc counts quotes, $max keeps the latest time, upsert makes the first row", async () => {
  await quotes.add({ text: "a", author: "x", addedBy: "dora", at: new Date("2025-11-22T10:00:00Z") });
  await quotes.add({ text: "b", author: "x", addedBy: "dora", at: new Date("2025-11-20T10:00:00Z") });
  await quotes.add({ text: "c", author: "x", addedBy: "dora", at: new Date("2025-11-21T10:00:00Z") });
  await Promise.all(Array.from({ length: 20 }, (_, i) => quotes.add({ text: `p${i}`, author: "y", addedBy: "eve" })));
  const top = await quotes.topContributors(100);
  const dora = top.find((c) => c.user_id === "dora");
  assert.equal(dora.quotes, 3);
  assert.equal(dora.last_added, "2025-11-22T10:00:00Z");
  assert.equal(top.find((c) => c.user_id === "eve").quotes, 20, "concurrent upserts lose no count");
  assert.equal(top[0].user_id, "eve");
});

test("authors since a date: the SQL aggregate with :named parameters", async () => {
  const at = (day) => new Date(Date.UTC(2024, 2, day, 12));
  for (const [author, day] of [["sql-a", 10], ["sql-a", 11], ["sql-a", 12], ["sql-b", 1], ["sql-b", 11], ["sql-c", 2]]) {
    await quotes.add({ text: `${author} on ${day}`, author, addedBy: "sql", at: at(day) });
  }
  const rows = (await quotes.authorsSince(new Date("2024-03-10T12:00:00Z"), 1000)).filter((r) => r.author.startsWith("sql-"));
  assert.deepEqual(rows, [{ author: "sql-a", quotes: 3 }, { author: "sql-b", quotes: 1 }]);
});

test("all() pages through every quote with the search cursor, each once, in id order", async () => {
  await quotes.addMany(Array.from({ length: 25 }, (_, i) => ({ text: `page ${i}`, author: "pager" })), "pager");
  const ids = [];
  for await (const quote of quotes.all(7)) ids.push(quote.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, ids.length);
  const { rows } = await storage.sql("SELECT COUNT(*) AS n FROM quotes");
  assert.equal(ids.length, rows[0].n);
});

test("errors carry the contract's codes", async () => {
  await assert.rejects(storage.row("select", { table: "qoutes", id: 1 }),
    (error) => error.code === "NOT_FOUND" && error.details.suggestion === "quotes");
  await assert.rejects(storage.row("search", { table: "quotes", filters: { writer: "x" } }),
    (error) => error.code === "INVALID_REQUEST");
  await assert.rejects(storage.sql("DROP TABLE quotes"), (error) => error.code === "FORBIDDEN");
  const id = await quotes.add({ text: "gone soon", author: "z", addedBy: "z" });
  assert.equal(await quotes.delete(id), true);
  assert.equal(await quotes.delete(id), false);
});
