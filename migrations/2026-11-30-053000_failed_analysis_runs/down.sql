DELETE FROM analysis_runs WHERE outcome = 'failed';
ALTER TABLE analysis_runs DROP CONSTRAINT chk_runs_failed_error;
ALTER TABLE analysis_runs DROP CONSTRAINT chk_runs_outcome;
ALTER TABLE analysis_runs ADD CONSTRAINT chk_runs_outcome
    CHECK (outcome IN ('issues', 'no_product_issue'));
ALTER TABLE analysis_runs DROP COLUMN error;
