DROP INDEX trivia_stats_wins;
