//! Issue Miner's domain: the taxonomy, the entities, the job payloads and the pure logic
//! (trends, customer identity, text features, the seed's keyword cluster matcher).
//!
//! No database, no HTTP, no I/O beyond reading a taxonomy file the caller names: every service
//! and every adapter crate depends on this one, so it stays small and fast to compile.

pub mod cleaning;
pub mod clustering;
pub mod customer;
pub mod ids;
pub mod issue;
pub mod jobs;
pub mod taxonomy;
pub mod text;
pub mod ticket;
pub mod trend;

pub use ids::{ClusterId, IssueId, TicketId};
pub use issue::{AnalysisOutcome, IssueDraft, ValidatedIssue};
pub use taxonomy::{IssueType, PmStatus, Severity, Taxonomy, TaxonomyError};
pub use ticket::{IncomingTicket, SourceKind};
