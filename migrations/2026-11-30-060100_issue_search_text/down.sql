CREATE INDEX idx_issues_search_trgm ON extracted_issues
    USING gin ((summary || ' ' || coalesce(detail, '') || ' ' || coalesce(representative_quote, '')) gin_trgm_ops);
DROP INDEX idx_issues_search_text_trgm;
ALTER TABLE extracted_issues DROP COLUMN search_text;
