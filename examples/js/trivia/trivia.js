// The trivia reference plugin: the running game in KV (with a TTL), rounds in a table, per-player
// stats kept by atomic upserts, and leaderboards from the row and SQL tiers.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StorageError, sqlTime } from "../storage.js";

const GAME = "game:active";

/**
 * Reads a migrations folder laid out as `Storage.Host migrate --dir` reads it: `NNN_name.up.sql`,
 * optional `NNN_name.down.sql`, and `NNN_name.up.postgres.sql` / `.up.sqlite.sql` per backend.
 */
export function loadMigrations(dir) {
  const scripts = new Map();
  for (const file of readdirSync(dir).sort()) {
    const match = /^(.+)\.(up|down)(?:\.(postgres|sqlite))?\.sql$/.exec(file);
    if (!match) continue;
    const [, version, direction, backend = "shared"] = match;
    const migration = scripts.get(version) ?? { up: {}, down: {} };
    migration[direction][backend] = readFileSync(join(dir, file), "utf8");
    scripts.set(version, migration);
  }
  const script = ({ shared, postgres = shared, sqlite = shared }) =>
    postgres === sqlite ? postgres : { postgres, sqlite };
  return [...scripts].map(([version, { up, down }]) => ({
    version, up: script(up), ...(Object.keys(down).length ? { down: script(down) } : {}),
  }));
}

export const migrations = loadMigrations(new URL("./migrations", import.meta.url).pathname);

export class Trivia {
  constructor(storage) {
    this.storage = storage;
  }

  migrate() {
    return this.storage.migrate({ action: "apply", migrations });
  }

  /** Starts a game unless one is running; it ends by itself after `ttl` seconds. */
  async start(question, answer, ttl = 300) {
    try {
      await this.storage.kv("set", { key: GAME, value: { question, answer }, ttl, if_absent: true });
      return true;
    } catch (error) {
      if (error instanceof StorageError && error.code === "CONFLICT") return false;
      throw error;
    }
  }

  async game() {
    const reply = await this.storage.kv("get", { key: GAME });
    return reply.exists ? reply.value : null;
  }

  /** Records a guess; a right one wins the game and ends it. Returns the round, or null without a game. */
  async guess(userId, guess, at = new Date()) {
    const game = await this.game();
    if (!game) return null;
    const win = guess.trim().toLowerCase() === game.answer.trim().toLowerCase();
    const round = { user_id: userId, question: game.question, result: win ? "win" : "lose", points: win ? 10 : 0, timestamp: at.toISOString() };
    await this.storage.row("insert", { table: "trivia_rounds", data: round });
    // One atomic statement: concurrent guesses never lose a count, the first one creates the row.
    await this.storage.row("update", {
      table: "trivia_stats", id: userId, upsert: true,
      operations: {
        $inc: { wins: win ? 1 : 0, played: 1, points: round.points },
        $max: { best_round: round.points, last_played: round.timestamp },
      },
    });
    if (win && (await this.storage.kv("delete", { key: GAME })).deleted) {
      await this.storage.kv("incr", { key: "games_won" });
    }
    return round;
  }

  async gamesWon() {
    const reply = await this.storage.kv("get", { key: "games_won" });
    return reply.exists ? reply.value : 0;
  }

  async stats(userId) {
    const reply = await this.storage.row("select", { table: "trivia_stats", id: userId });
    return reply.exists ? reply.row : null;
  }

  /** All-time leaderboard from the stats table. */
  async leaderboard(limit = 10) {
    const { rows } = await this.storage.row("search", {
      table: "trivia_stats", limit, fields: ["user_id", "wins", "played", "points"],
      sort: [{ field: "wins", order: "desc" }, { field: "points", order: "desc" }, { field: "user_id", order: "asc" }],
    });
    return rows;
  }

  /** Wins per player since a date: an aggregate, so the SQL tier, with `:named` parameters. */
  async winsSince(since, limit = 10) {
    const { rows } = await this.storage.sql(
      `SELECT user_id, COUNT(*) AS wins FROM trivia_rounds
       WHERE result = :result AND timestamp >= :since
       GROUP BY user_id ORDER BY wins DESC, user_id LIMIT :limit`,
      { result: "win", since: sqlTime(since), limit },
    );
    return rows;
  }

  /** A player's rounds, newest first, page by page with the search cursor. */
  async *history(userId, pageSize = 50) {
    let after;
    do {
      const page = await this.storage.row("search", {
        table: "trivia_rounds", filters: { user_id: userId },
        sort: { field: "timestamp", order: "desc" }, limit: pageSize, after,
      });
      yield* page.rows;
      after = page.truncated ? page.next : undefined;
    } while (after);
  }
}
