//! Analysis runs: one row per analysis, with the analyzer, model, token usage and cost
//! (written with the issues, in their transaction, by `issue::record_analysis_with_run`), one
//! row per model answer that was paid for but unusable ([`record_failed`], outcome `failed`),
//! and the cost reports the API serves.

use crate::schema::analysis_runs;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::TicketId;
use uuid::Uuid;

/// Token usage and cost of one analysis (all zero for the offline analyzer).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_creation_input_tokens: i64,
    pub cache_read_input_tokens: i64,
    /// Sent through the Message Batches API.
    pub batch: bool,
    /// `None` when the model's price is unknown.
    pub cost_usd: Option<f64>,
}

impl RunUsage {
    /// An analysis that cost nothing (no external model).
    pub fn free() -> Self {
        RunUsage {
            cost_usd: Some(0.0),
            ..RunUsage::default()
        }
    }
}

/// A stored run.
#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = analysis_runs)]
pub struct RunRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub analyzed_hash: String,
    pub analyzer: String,
    pub model: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_creation_input_tokens: i64,
    pub cache_read_input_tokens: i64,
    pub batch: bool,
    pub cost_usd: Option<f64>,
    pub issues: i32,
    pub outcome: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Why the answer was unusable (outcome `failed` only).
    pub error: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = analysis_runs)]
pub(crate) struct NewRun<'a> {
    pub ticket_id: Uuid,
    pub analyzed_hash: &'a str,
    pub analyzer: &'a str,
    pub model: Option<&'a str>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_creation_input_tokens: i64,
    pub cache_read_input_tokens: i64,
    pub batch: bool,
    pub cost_usd: Option<f64>,
    pub issues: i32,
    pub outcome: &'a str,
    pub started_at: DateTime<Utc>,
    pub error: Option<&'a str>,
}

/// Records a model call that was answered, and billed, but gave no usable analysis (invalid
/// output, a refusal, an answer outside the taxonomy). Not tied to the ticket's current text or
/// to a transaction with issues: the money is spent whatever happens next. A ticket deleted
/// meanwhile records nothing.
#[allow(clippy::too_many_arguments)]
pub async fn record_failed(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    analyzed_hash: &str,
    analyzer: &str,
    model: Option<&str>,
    usage: RunUsage,
    error: &str,
    started_at: DateTime<Utc>,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(analysis_runs::table)
        .values(&NewRun {
            ticket_id: ticket_id.0,
            analyzed_hash,
            analyzer,
            model,
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            batch: usage.batch,
            cost_usd: usage.cost_usd,
            issues: 0,
            outcome: "failed",
            started_at,
            error: Some(error),
        })
        .execute(conn)
        .await;
    match inserted {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _,
        )) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// The ticket's runs, newest first.
pub async fn for_ticket(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
) -> QueryResult<Vec<RunRow>> {
    analysis_runs::table
        .filter(analysis_runs::ticket_id.eq(ticket_id.0))
        .order((analysis_runs::finished_at.desc(), analysis_runs::id.asc()))
        .select(RunRow::as_select())
        .load(conn)
        .await
}

/// Token and cost totals.
#[derive(Debug, Clone, PartialEq, Default, QueryableByName)]
pub struct CostTotals {
    #[diesel(sql_type = BigInt)]
    pub runs: i64,
    #[diesel(sql_type = BigInt)]
    pub input_tokens: i64,
    #[diesel(sql_type = BigInt)]
    pub output_tokens: i64,
    #[diesel(sql_type = BigInt)]
    pub cache_creation_input_tokens: i64,
    #[diesel(sql_type = BigInt)]
    pub cache_read_input_tokens: i64,
    /// The sum of the known costs.
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub cost_usd: f64,
    /// Runs whose model had no known price (not included in `cost_usd`).
    #[diesel(sql_type = BigInt)]
    pub unpriced_runs: i64,
    /// Runs whose answer was paid for but unusable (included in the tokens and cost).
    #[diesel(sql_type = BigInt)]
    pub failed_runs: i64,
}

const TOTALS: &str = "COUNT(*)::BIGINT AS runs, \
     COALESCE(SUM(input_tokens), 0)::BIGINT AS input_tokens, \
     COALESCE(SUM(output_tokens), 0)::BIGINT AS output_tokens, \
     COALESCE(SUM(cache_creation_input_tokens), 0)::BIGINT AS cache_creation_input_tokens, \
     COALESCE(SUM(cache_read_input_tokens), 0)::BIGINT AS cache_read_input_tokens, \
     COALESCE(SUM(cost_usd), 0)::DOUBLE PRECISION AS cost_usd, \
     COUNT(*) FILTER (WHERE cost_usd IS NULL)::BIGINT AS unpriced_runs, \
     COUNT(*) FILTER (WHERE outcome = 'failed')::BIGINT AS failed_runs";

/// What analyzing the ticket has cost, over all its runs (re-analyses of changed text and
/// failed answers included).
pub async fn cost_for_ticket(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
) -> QueryResult<CostTotals> {
    diesel::sql_query(format!(
        "SELECT {TOTALS} FROM analysis_runs WHERE ticket_id = $1"
    ))
    .bind::<diesel::sql_types::Uuid, _>(ticket_id.0)
    .get_result(conn)
    .await
}

/// One day's totals of one analyzer and model.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct DailyCost {
    /// The UTC day the runs finished.
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub analyzer: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub model: Option<String>,
    #[diesel(embed)]
    pub totals: CostTotals,
}

/// Cost per UTC day and analyzer/model for runs finished in `[since, now)`, oldest day first.
pub async fn cost_per_day(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DailyCost>> {
    diesel::sql_query(format!(
        "SELECT (finished_at AT TIME ZONE 'UTC')::date AS day, analyzer, model, {TOTALS} \
         FROM analysis_runs WHERE finished_at >= $1 \
         GROUP BY 1, analyzer, model ORDER BY 1, analyzer, model"
    ))
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await
}

/// All-time totals of one analyzer and model (what `/metrics` exports).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ModelTotals {
    #[diesel(sql_type = Text)]
    pub analyzer: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub model: Option<String>,
    #[diesel(embed)]
    pub totals: CostTotals,
}

/// Token and cost totals of every run per analyzer and model, in analyzer/model order.
pub async fn totals_by_model(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ModelTotals>> {
    diesel::sql_query(format!(
        "SELECT analyzer, model, {TOTALS} FROM analysis_runs \
         GROUP BY analyzer, model ORDER BY analyzer, model"
    ))
    .load(conn)
    .await
}
