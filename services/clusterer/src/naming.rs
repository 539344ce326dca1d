//! Cluster names: Claude (seed 000's naming prompt: a specific name of at most 100 characters
//! and a 2–3 sentence summary) when `ANTHROPIC_API_KEY` is set, otherwise — and whenever
//! Claude fails — the offline name: the most central member summary carrying the cluster's
//! most distinctive terms.

use analysis::claude::{ClaudeAnalyzer, ClusterIssue};
use clustering::naming::offline_name;
use clustering::Centroid;
use db::models::centroid::Member;
use std::sync::Arc;

/// How clusters are named.
#[derive(Clone)]
pub enum Namer {
    Offline,
    Claude(Arc<ClaudeAnalyzer>),
}

impl std::fmt::Debug for Namer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Namer::Offline => f.write_str("Namer::Offline"),
            Namer::Claude(c) => write!(f, "Namer::Claude({})", c.model_id()),
        }
    }
}

impl Namer {
    /// A name and summary for a cluster with these members and distinctive terms; `None` for
    /// a cluster without members.
    pub async fn name(
        &self,
        category: &str,
        subcategory: &str,
        members: &[Member],
        terms: &[String],
        centroid: Option<&Centroid>,
        model: &str,
    ) -> Option<(String, String)> {
        if members.is_empty() {
            return None;
        }
        if let Namer::Claude(claude) = self {
            let issues: Vec<ClusterIssue> = members
                .iter()
                .map(|m| ClusterIssue {
                    category: category.to_string(),
                    subcategory: subcategory.to_string(),
                    summary: m.summary.clone(),
                    representative_quote: m.representative_quote.clone(),
                })
                .collect();
            match claude.name_cluster(&issues).await {
                Ok((named, _usage)) => return Some((named.cluster_name, named.cluster_summary)),
                Err(e) => {
                    tracing::warn!(error = %e, "Claude could not name a cluster; naming it offline")
                }
            }
        }
        let summaries: Vec<&str> = members.iter().map(|m| m.summary.as_str()).collect();
        let vectors: Vec<&[f32]> = members
            .iter()
            .map(|m| match (&m.embedding, m.embedding_model.as_deref()) {
                (Some(v), Some(m)) if m == model => v.as_slice(),
                _ => &[],
            })
            .collect();
        let fallback = Centroid::default();
        let named = offline_name(&summaries, &vectors, centroid.unwrap_or(&fallback), terms)?;
        Some((named.name, named.summary))
    }
}
