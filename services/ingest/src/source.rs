//! Where tickets come from. The file import implements [`TicketSource`] now; the Zendesk
//! incremental export implements the same trait, so the sync loop does not change.

use domain::{IncomingTicket, SourceKind};
use futures::future::BoxFuture;

/// A problem with one ticket of a source (the rest still flow).
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct SourceError {
    /// Where the bad record is ("line 17", "ticket 4211").
    pub location: String,
    pub message: String,
}

/// A source of tickets read in batches.
pub trait TicketSource: Send {
    /// What the tickets are recorded as coming from.
    fn kind(&self) -> SourceKind;

    /// The next batch: tickets that normalized, and records that did not. `None` when the
    /// source is exhausted.
    #[allow(clippy::type_complexity)]
    fn next_batch(
        &mut self,
    ) -> BoxFuture<'_, anyhow::Result<Option<Vec<Result<IncomingTicket, SourceError>>>>>;

    /// Where the source stands, recorded with the sync run so a later run can resume (the
    /// Zendesk export cursor); `None` for sources read whole.
    fn cursor(&self) -> Option<String> {
        None
    }
}
