// The request layer every plugin writes once, in any language, from docs/contract.md alone:
// connect as the plugin's own NATS user with its inbox prefix, send JSON, turn error replies into
// exceptions with the contract's codes, and retry safely (writes carry a request_id).
import { randomUUID } from "node:crypto";
import { connect, ErrorCode } from "nats";

/** An error reply: `code` is the contract's stable code (INVALID_REQUEST, CONFLICT, ...). */
export class StorageError extends Error {
  constructor(code, message, details = {}) {
    super(`${code}: ${message}`);
    this.code = code;
    this.details = details;
  }
}

// Safe to send again: the service applied nothing (UNAVAILABLE, RATE_LIMITED), nobody listens yet,
// or no reply came in time (applied or not: a write's retry carries the same request_id, so the
// service applies it once). A TIMEOUT *reply* is not retried: the statement itself is too slow.
const RETRYABLE = new Set(["UNAVAILABLE", "RATE_LIMITED"]);
const WRITES = new Set(["set", "delete", "incr", "insert", "update"]);

export class Storage {
  /** `nc` needs only `request(subject, bytes, {timeout})`: a nats connection. */
  constructor(nc, plugin, { timeoutMs = 10_000, attempts = 5, backoffMs = 100 } = {}) {
    Object.assign(this, { nc, plugin, timeoutMs, attempts, backoffMs });
  }

  /** Connects as the plugin: user = plugin name, replies on `_INBOX.<plugin>.>` (the only inbox it may read). */
  static async connect({ url, plugin, password, ...options }) {
    const nc = await connect({ servers: url, user: password ? plugin : undefined, pass: password, inboxPrefix: `_INBOX.${plugin}` });
    return new Storage(nc, plugin, options);
  }

  close() {
    return this.nc.close();
  }

  kv(op, body) {
    return this.call(`db.kv.${this.plugin}.${op}`, body, WRITES.has(op));
  }

  row(op, body) {
    return this.call(`db.row.${this.plugin}.${op}`, body, WRITES.has(op));
  }

  sql(query, params = {}, options = {}) {
    return this.call(`db.sql.${this.plugin}.query`, { query, params, ...options }, options.allow_write === true);
  }

  migrate(body) {
    return this.call(`db.migrate.${this.plugin}`, body, body.action !== "status");
  }

  /** One request with retries; a write gets one request_id for all its attempts. */
  async call(subject, body, isWrite) {
    const payload = new TextEncoder().encode(JSON.stringify(isWrite ? { request_id: randomUUID(), ...body } : body));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(subject, payload);
      } catch (error) {
        const retry = error instanceof StorageError ? RETRYABLE.has(error.code) : isLostRequest(error);
        if (!retry || attempt >= this.attempts) throw error;
        const backoff = error.details?.retry_after_ms ?? this.backoffMs * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random())));
      }
    }
  }

  async once(subject, payload) {
    const msg = await this.nc.request(subject, payload, { timeout: this.timeoutMs });
    const reply = JSON.parse(new TextDecoder().decode(msg.data));
    if (reply.error) throw new StorageError(reply.error.code, reply.error.message, reply.error.details);
    return reply;
  }
}

// The NATS client's own failures: no reply in time, or no service instance listening (yet).
function isLostRequest(error) {
  return error?.code === ErrorCode.Timeout || error?.code === ErrorCode.NoResponders;
}

/** A `$like` pattern that matches `text` literally anywhere: `%`, `_` and `\` escaped. */
export function containing(text) {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A timestamp as the row tier stores it (UTC, six fraction digits), so SQL compares it as text on SQLite too. */
export function sqlTime(date) {
  return date.toISOString().replace("Z", "000Z");
}
