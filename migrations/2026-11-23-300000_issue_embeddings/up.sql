-- Each issue's sentence embedding (all-MiniLM-L6-v2, 384 unit-length floats), written with the
-- issue by the analyzer and read by the clusterer. A plain REAL[] rather than pgvector's
-- vector type: pgvector is not installed everywhere Issue Miner runs (CI, the development
-- machines), and similarity is computed in Rust over one category's issues at a time.
ALTER TABLE extracted_issues
    ADD COLUMN embedding REAL[],
    ADD COLUMN embedding_model VARCHAR(100),
    ADD CONSTRAINT chk_embedding CHECK (
        (embedding IS NULL) = (embedding_model IS NULL)
        AND (embedding IS NULL OR (array_ndims(embedding) = 1 AND cardinality(embedding) > 0))
    );
