//! Job payloads passed between the services over the Redis queues.
//!
//! Jobs carry ids only, never ticket text: the text stays in PostgreSQL (and out of Redis, which
//! may be a shared, less protected store), and a job delivered twice reads the current truth.

use crate::TicketId;
use serde::{Deserialize, Serialize};

/// The queue the ingest service feeds and the analyzer consumes.
pub const ANALYZE_QUEUE: &str = "analyze";
/// The queue the analyzer feeds and the clusterer consumes.
pub const CLUSTER_QUEUE: &str = "cluster";
/// The queue the api feeds (`POST /api/sync/trigger`) and the ingest service consumes.
pub const SYNC_QUEUE: &str = "sync";
/// Every queue, for operators' views.
pub const ALL_QUEUES: [&str; 3] = [SYNC_QUEUE, ANALYZE_QUEUE, CLUSTER_QUEUE];

/// Extract the product issues of one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzeTicket {
    pub ticket_id: TicketId,
}

/// Place the unclustered issues of one ticket into clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterTicket {
    pub ticket_id: TicketId,
}

/// Pull tickets from a source now: incrementally from where the last sync stopped, or, with
/// `backfill_days`, everything updated in that many days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncTickets {
    pub source: crate::SourceKind,
    pub backfill_days: Option<u32>,
}
