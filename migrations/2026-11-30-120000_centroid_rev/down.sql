DROP TRIGGER trg_cluster_centroid_rev ON issue_clusters;
DROP FUNCTION im_bump_centroid_rev();
ALTER TABLE issue_clusters DROP COLUMN centroid_rev;
DROP SEQUENCE im_centroid_rev;
