DROP TABLE cluster_merge_suggestions;
DROP TABLE clusterer_marks;
