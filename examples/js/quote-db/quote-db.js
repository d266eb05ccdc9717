// The quote-db reference plugin: quotes in a table, a KV counter, per-contributor stats.
import { containing, sqlTime } from "../storage.js";

// Portable ops: the service renders them for SQLite or PostgreSQL; rollback derives the inverse.
export const migrations = [
  {
    version: "001_quotes",
    ops: [
      {
        op: "create_table", table: "quotes", columns: [
          { name: "id", type: "serial", primary_key: true },
          { name: "text", type: "text", nullable: false },
          { name: "author", type: "varchar(255)" },
          { name: "added_by", type: "varchar(255)", nullable: false },
          { name: "timestamp", type: "timestamptz", nullable: false, default: { function: "now" } },
        ],
      },
      { op: "create_index", table: "quotes", name: "quotes_author", columns: ["author"] },
    ],
  },
  {
    version: "002_contributors",
    ops: [
      {
        op: "create_table", table: "contributors", columns: [
          { name: "user_id", type: "varchar(255)", primary_key: true },
          { name: "quotes", type: "integer", nullable: false, default: 0 },
          { name: "last_added", type: "timestamptz" },
        ],
      },
    ],
  },
];

export class QuoteDb {
  constructor(storage) {
    this.storage = storage;
  }

  /** Applies what is new; re-sending the full list is how a plugin upgrades. */
  migrate() {
    return this.storage.migrate({ action: "apply", migrations });
  }

  /** Adds a quote; returns its id. Three writes, each atomic and each retried with its own request_id. */
  async add({ text, author, addedBy, at = new Date() }) {
    const { id } = await this.storage.row("insert", {
      table: "quotes", data: { text, author, added_by: addedBy, timestamp: at.toISOString() },
    });
    // Upsert: the first quote of a contributor inserts its row, later ones update it atomically.
    await this.storage.row("update", {
      table: "contributors", id: addedBy, upsert: true,
      operations: { $inc: { quotes: 1 }, $max: { last_added: at.toISOString() } },
    });
    await this.storage.kv("incr", { key: "quotes_added" });
    return id;
  }

  /** Adds many quotes in one transaction (all or none); returns their ids. */
  async addMany(quotes, addedBy) {
    const data = quotes.map(({ text, author }) => ({ text, author, added_by: addedBy }));
    const { ids } = await this.storage.row("insert", { table: "quotes", data });
    await this.storage.kv("incr", { key: "quotes_added", by: ids.length });
    return ids;
  }

  /** The KV counter: quotes added since the plugin started counting. */
  async added() {
    const reply = await this.storage.kv("get", { key: "quotes_added" });
    return reply.exists ? reply.value : 0;
  }

  async get(id) {
    const reply = await this.storage.row("select", { table: "quotes", id });
    return reply.exists ? reply.row : null;
  }

  /** Quotes whose text contains `word` (case-sensitive), newest first. */
  async search(word, limit = 20) {
    const reply = await this.storage.row("search", {
      table: "quotes", filters: { text: { $like: containing(word) } },
      sort: { field: "id", order: "desc" }, limit,
    });
    return reply.rows;
  }

  /** One random quote, optionally by one author; null when there is none. */
  async random(author) {
    const filters = author === undefined ? {} : { author };
    const { rows } = await this.storage.row("select", { table: "quotes", filters, random: 1 });
    return rows[0] ?? null;
  }

  /** Every quote in id order, fetched page by page with the search cursor. */
  async *all(pageSize = 100) {
    let after;
    do {
      const page = await this.storage.row("search", { table: "quotes", sort: { field: "id", order: "asc" }, limit: pageSize, after });
      yield* page.rows;
      after = page.truncated ? page.next : undefined;
    } while (after);
  }

  /** Contributors by quotes added, most first. */
  async topContributors(limit = 10) {
    const { rows } = await this.storage.row("search", {
      table: "contributors", limit,
      sort: [{ field: "quotes", order: "desc" }, { field: "user_id", order: "asc" }],
    });
    return rows;
  }

  /** The SQL tier for what rows cannot say: quotes per author since a date. */
  async authorsSince(since, limit = 10) {
    const { rows } = await this.storage.sql(
      `SELECT author, COUNT(*) AS quotes FROM quotes
       WHERE timestamp >= :since AND author IS NOT NULL
       GROUP BY author ORDER BY quotes DESC, author LIMIT :limit`,
      { since: sqlTime(since), limit },
    );
    return rows;
  }

  async delete(id) {
    const { deleted } = await this.storage.row("delete", { table: "quotes", id });
    return deleted === 1;
  }
}
