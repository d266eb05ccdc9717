DROP TABLE trivia_stats;
DROP TABLE trivia_rounds;
