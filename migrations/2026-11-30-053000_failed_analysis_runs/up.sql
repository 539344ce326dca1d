-- A model call that was answered (and billed) but produced no analysis — invalid output, a
-- refusal, an answer outside the taxonomy — is recorded too, as outcome 'failed' with its
-- error, so cost reports include the wasted calls.
ALTER TABLE analysis_runs ADD COLUMN error TEXT;
ALTER TABLE analysis_runs DROP CONSTRAINT chk_runs_outcome;
ALTER TABLE analysis_runs ADD CONSTRAINT chk_runs_outcome
    CHECK (outcome IN ('issues', 'no_product_issue', 'failed'));
ALTER TABLE analysis_runs ADD CONSTRAINT chk_runs_failed_error
    CHECK ((outcome = 'failed') = (error IS NOT NULL));
