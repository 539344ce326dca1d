//! Refreshing the statistics of the clusters jobs touched, at most once per interval.
//!
//! A `cluster` job keeps a cluster's issue count and first/last seen exact as it places an issue
//! (`cluster::assign`); the rest of the statistics (customers, 7-day counts, trend, emerging) is
//! an aggregation over the cluster's issues. Run after every job, that aggregation re-read a large
//! cluster's issues once per new member — about a quarter of PostgreSQL's time in a backfill. The
//! jobs now mark the clusters they touched and one task aggregates every marked cluster at once,
//! at most once per `min_gap`: in a quiet system right after the job, in a backfill once a second
//! for all the clusters touched in that second. A worker killed before the refresh loses only
//! the refresh: the scheduled pass recomputes every cluster.

use chrono::Utc;
use db::models::cluster;
use domain::ClusterId;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// Clusters whose statistics wait for a refresh.
#[derive(Debug, Default)]
pub struct DirtyClusters {
    ids: Mutex<HashSet<ClusterId>>,
    marked: Notify,
}

impl DirtyClusters {
    /// Marks `ids` for the next refresh.
    pub fn mark(&self, ids: &[ClusterId]) {
        if ids.is_empty() {
            return;
        }
        self.ids
            .lock()
            .expect("dirty clusters lock")
            .extend(ids.iter().copied());
        self.marked.notify_one();
    }

    /// How many clusters wait for a refresh.
    pub fn len(&self) -> usize {
        self.ids.lock().expect("dirty clusters lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Recomputes the statistics of every marked cluster in one aggregation. When it fails or
    /// is cancelled (the task aborted at shutdown) the clusters stay marked.
    pub async fn refresh(&self, pool: &db::Pool) -> anyhow::Result<usize> {
        let mut taken = Taken {
            dirty: self,
            ids: std::mem::take(&mut *self.ids.lock().expect("dirty clusters lock"))
                .into_iter()
                .collect(),
            done: false,
        };
        if taken.ids.is_empty() {
            return Ok(0);
        }
        let mut conn = pool.get().await?;
        let n = cluster::recompute_stats(&mut conn, Utc::now(), Some(&taken.ids)).await?;
        taken.done = true;
        Ok(n)
    }

    /// Refreshes marked clusters until aborted: waits for a mark, refreshes, then lets at least
    /// `min_gap` pass before the next refresh (marks made meanwhile are gathered into it).
    pub async fn run(&self, pool: db::Pool, min_gap: Duration) {
        loop {
            self.marked.notified().await;
            match self.refresh(&pool).await {
                Ok(n) => tracing::debug!(clusters = n, "statistics refreshed"),
                Err(e) => tracing::warn!(error = %e, "statistics refresh failed"),
            }
            tokio::time::sleep(min_gap).await;
        }
    }
}

/// Clusters taken out for one refresh: put back unless the refresh completed.
struct Taken<'a> {
    dirty: &'a DirtyClusters,
    ids: Vec<ClusterId>,
    done: bool,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.dirty.mark(&self.ids);
        }
    }
}
