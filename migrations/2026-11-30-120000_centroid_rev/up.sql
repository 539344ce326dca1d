-- The clusterer keeps each subcategory's centroids in memory between jobs (issue #5: reading
-- 1,500 centroids of 384 floats per job was 106 ms). A centroid's revision tells it which rows
-- changed since it read them: every change of a centroid — by the clusterer, a person's move or
-- merge through the API, a re-analysis, a deleted ticket, on any replica — takes a new number
-- from one sequence, so an equal revision means an unchanged centroid.
CREATE SEQUENCE im_centroid_rev;

ALTER TABLE issue_clusters
    ADD COLUMN centroid_rev BIGINT NOT NULL DEFAULT nextval('im_centroid_rev');

CREATE FUNCTION im_bump_centroid_rev() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.centroid_rev := nextval('im_centroid_rev');
    RETURN NEW;
END
$$;

CREATE TRIGGER trg_cluster_centroid_rev
    BEFORE UPDATE OF centroid_sum, centroid_count, centroid_model ON issue_clusters
    FOR EACH ROW
    WHEN (OLD.centroid_sum IS DISTINCT FROM NEW.centroid_sum
          OR OLD.centroid_count IS DISTINCT FROM NEW.centroid_count
          OR OLD.centroid_model IS DISTINCT FROM NEW.centroid_model)
    EXECUTE FUNCTION im_bump_centroid_rev();
