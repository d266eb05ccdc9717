CREATE TABLE trivia_rounds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  question TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('win', 'lose')),
  points INTEGER NOT NULL DEFAULT 0,
  timestamp TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);
CREATE INDEX trivia_rounds_result_time ON trivia_rounds (result, timestamp);
CREATE INDEX trivia_rounds_user_time ON trivia_rounds (user_id, timestamp);
CREATE TABLE trivia_stats (
  user_id TEXT PRIMARY KEY,
  wins INTEGER NOT NULL DEFAULT 0,
  played INTEGER NOT NULL DEFAULT 0,
  points INTEGER NOT NULL DEFAULT 0,
  best_round INTEGER,
  last_played TIMESTAMPTZ
);
