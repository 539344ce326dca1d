ALTER TABLE extracted_issues
    DROP CONSTRAINT IF EXISTS chk_embedding,
    DROP COLUMN IF EXISTS embedding_model,
    DROP COLUMN IF EXISTS embedding;
