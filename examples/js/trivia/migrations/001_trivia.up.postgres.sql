CREATE TABLE trivia_rounds (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL,
  question text NOT NULL,
  result text NOT NULL CHECK (result IN ('win', 'lose')),
  points integer NOT NULL DEFAULT 0,
  timestamp timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trivia_rounds_result_time ON trivia_rounds (result, timestamp);
CREATE INDEX trivia_rounds_user_time ON trivia_rounds (user_id, timestamp);
CREATE TABLE trivia_stats (
  user_id text PRIMARY KEY,
  wins integer NOT NULL DEFAULT 0,
  played integer NOT NULL DEFAULT 0,
  points integer NOT NULL DEFAULT 0,
  best_round integer,
  last_played timestamptz
);
