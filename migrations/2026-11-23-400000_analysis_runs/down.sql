DROP TABLE claude_batch_tickets;
DROP TABLE claude_batches;
DROP TABLE analysis_runs;
