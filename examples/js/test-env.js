// What the tests need to reach a running storage host, from the environment:
//   NATS_URL                                  default nats://127.0.0.1:4222 (scripts/dev.sh)
//   QUOTE_DB_PLUGIN / QUOTE_DB_PASSWORD       the plugin's NATS user (default quote-db, no password)
//   TRIVIA_PLUGIN / TRIVIA_PASSWORD           the same for trivia
// With a password the plugin connects as its own user (`Storage.Host nats-config` makes them).
import { Storage } from "./storage.js";

export async function connectAs(name) {
  const prefix = name.toUpperCase().replace(/-/g, "_");
  return Storage.connect({
    url: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
    plugin: process.env[`${prefix}_PLUGIN`] ?? name,
    password: process.env[`${prefix}_PASSWORD`],
  });
}

/** Rolls back every migration and deletes the given keys, so a test run starts empty on any host. */
export async function reset(storage, keys) {
  const status = await storage.migrate({ action: "status" });
  if (status.applied.length > 0) await storage.migrate({ action: "rollback", steps: status.applied.length });
  for (const key of keys) await storage.kv("delete", { key });
}

/** A tag unique to this run, for names that must not meet an earlier run's rows. */
export const run = Math.random().toString(36).slice(2, 8);
