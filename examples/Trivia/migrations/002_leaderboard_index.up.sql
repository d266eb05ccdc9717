CREATE INDEX trivia_stats_wins ON trivia_stats (wins, user_id);
