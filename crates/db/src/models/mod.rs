//! One module per entity: its row types and its queries.

pub mod analysis_run;
pub mod api_token;
pub mod centroid;
pub mod claude_batch;
pub mod cluster;
pub mod consolidation;
pub mod dead_letter;
pub mod issue;
pub mod sync_state;
pub mod taxonomy;
pub mod ticket;
pub mod user;
pub mod webhook_delivery;

/// A page request, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    /// The rows before this page. Saturates rather than overflowing: callers bound `page`
    /// (the API to 100,000), and a saturated offset is an empty page, never a panic.
    pub fn offset(&self) -> i64 {
        (self.page.max(1) - 1).saturating_mul(self.per_page.max(0))
    }
}

/// One page of results with the total across all pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
