import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectAs, reset } from "../test-env.js";
import { migrations, Trivia } from "./trivia.js";

let storage;
let trivia;

before(async () => {
  storage = await connectAs("trivia");
  await reset(storage, ["game:active", "games_won"]);
  trivia = new Trivia(storage);
  const reply = await trivia.migrate();
  assert.deepEqual(reply.applied, ["001_trivia", "002_leaderboard_index"]);
});

after(() => storage?.close());

// Plays one game: wrong guesses first, then the winner's right one.
async function play(question, answer, losers, winner, at) {
  assert.equal(await trivia.start(question, answer), true);
  for (const user of losers) assert.equal((await trivia.guess(user, "no idea", at)).result, "lose");
  if (winner) assert.equal((await trivia.guess(winner, ` ${answer.toUpperCase()} `, at)).result, "win");
}

test("the migrations folder has per-backend scripts and shared ones", () => {
  assert.deepEqual(migrations.map((m) => m.version), ["001_trivia", "002_leaderboard_index"]);
  assert.match(migrations[0].up.postgres, /bigserial/);
  assert.match(migrations[0].up.sqlite, /AUTOINCREMENT/);
  assert.equal(typeof migrations[1].up, "string");
  assert.match(migrations[0].down, /DROP TABLE trivia_rounds/);
});

test("a game lives in KV: one at a time, ended by the right answer", async () => {
  const won = await trivia.gamesWon();
  assert.equal(await trivia.start("What is 6 x 7?", "42", 60), true);
  assert.equal(await trivia.start("Another?", "no"), false, "if_absent: a running game is a CONFLICT");
  assert.equal((await trivia.game()).question, "What is 6 x 7?");
  const { expires_at: expires } = await storage.kv("get", { key: "game:active" });
  assert.ok(Date.parse(expires) > Date.now(), "the game has a TTL");
  assert.equal((await trivia.guess("gil", "41")).result, "lose");
  assert.equal((await trivia.guess("gil", "42")).result, "win");
  assert.equal(await trivia.game(), null);
  assert.equal(await trivia.guess("gil", "42"), null, "no game, no round");
  assert.equal(await trivia.gamesWon(), won + 1);
});

test("stats: $inc counts wins, rounds and points, $max keeps the best round and the last time", async () => {
  await play("q1", "a1", ["hal"], "ivy", new Date("2025-11-22T10:00:00Z"));
  await play("q2", "a2", ["ivy"], "hal", new Date("2025-11-20T10:00:00Z"));
  await play("q3", "a3", [], "ivy", new Date("2025-11-21T10:00:00Z"));
  const ivy = await trivia.stats("ivy");
  assert.deepEqual(
    { wins: ivy.wins, played: ivy.played, points: ivy.points, best: ivy.best_round, last: ivy.last_played },
    { wins: 2, played: 3, points: 20, best: 10, last: "2025-11-22T10:00:00Z" });
  const hal = await trivia.stats("hal");
  assert.deepEqual([hal.wins, hal.played, hal.best_round], [1, 2, 10]);
  assert.equal(await trivia.stats("nobody"), null);
});

test("concurrent guesses lose no count", async () => {
  assert.equal(await trivia.start("hard one", "unguessable"), true);
  await Promise.all(Array.from({ length: 30 }, () => trivia.guess("jo", "wrong")));
  const jo = await trivia.stats("jo");
  assert.deepEqual([jo.played, jo.wins, jo.best_round], [30, 0, 0]);
  await trivia.guess("jo", "unguessable");
});

test("leaderboard: most wins first, then points, then name", async () => {
  for (let i = 0; i < 3; i++) await play(`lb${i}`, "x", [], "lb-kim");
  await play("lb3", "x", [], "lb-lee");
  await play("lb4", "x", [], "lb-lee");
  const board = await trivia.leaderboard(50);
  const ours = board.filter((r) => r.user_id.startsWith("lb-"));
  assert.deepEqual(ours.map((r) => [r.user_id, r.wins]), [["lb-kim", 3], ["lb-lee", 2]]);
  assert.deepEqual(Object.keys(board[0]).sort(), ["played", "points", "user_id", "wins"]);
  for (let i = 1; i < board.length; i++) assert.ok(board[i - 1].wins >= board[i].wins);
});

test("wins per player since a date: the SQL aggregate with :named parameters", async () => {
  const day = (d) => new Date(Date.UTC(2024, 4, d, 9, 30));
  await play("s1", "x", ["agg-cy"], "agg-ada", day(10));
  await play("s2", "x", [], "agg-ada", day(11));
  await play("s3", "x", [], "agg-ada", day(12));
  await play("s4", "x", [], "agg-bob", day(11));
  await play("s5", "x", [], "agg-bob", day(9));
  await play("s6", "x", [], "agg-cy", day(1));
  const rows = (await trivia.winsSince(day(10), 1000)).filter((r) => r.user_id.startsWith("agg-"));
  assert.deepEqual(rows, [{ user_id: "agg-ada", wins: 3 }, { user_id: "agg-bob", wins: 1 }]);
  const top = await trivia.winsSince(day(10), 1);
  assert.equal(top.length, 1, ":limit is a parameter too");
});

test("a player's history pages newest first with the search cursor", async () => {
  assert.equal(await trivia.start("history", "never"), true);
  for (let i = 0; i < 7; i++) await trivia.guess("hist", `try ${i}`, new Date(Date.UTC(2024, 0, 1 + i)));
  await trivia.guess("hist", "never", new Date(Date.UTC(2024, 0, 20)));
  const rounds = [];
  for await (const round of trivia.history("hist", 3)) rounds.push(round);
  assert.equal(rounds.length, 8);
  assert.equal(rounds[0].result, "win");
  assert.deepEqual(rounds.map((r) => r.timestamp), rounds.map((r) => r.timestamp).sort().reverse());
});

test("rollback runs the down scripts; applying again restores the migration", async () => {
  const rolledBack = await storage.migrate({ action: "rollback" });
  assert.deepEqual(rolledBack, { rolled_back: ["002_leaderboard_index"], current: "001_trivia" });
  assert.deepEqual((await trivia.migrate()).applied, ["002_leaderboard_index"]);
  const status = await storage.migrate({ action: "status" });
  assert.deepEqual(status.applied.map((m) => m.version), ["001_trivia", "002_leaderboard_index"]);
});
