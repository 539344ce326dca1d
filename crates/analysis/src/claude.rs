//! The Claude analyzer: seed 000's extraction prompt, generated from the taxonomy in use, sent
//! through the Messages API with a JSON schema (structured output) that the answer must follow.
//!
//! - The system prompt is the same for every ticket and carries `cache_control`, so after the
//!   first call it is billed at the cache-read price.
//! - The ticket text is PII-scrubbed ([`crate::pii::scrub`]) before it is put in the prompt.
//! - The schema constrains categories, subcategories, issue types and severities to the
//!   taxonomy's values; the answer is still validated field by field
//!   (`AnalysisOutcome::validate`), and anything unusable is [`AnalyzerError::InvalidOutput`].
//! - No forced `tool_choice`, `temperature` or assistant prefill: current Sonnets reject them.
//! - A spend-limit or key error disables the analyzer for the life of the process (retrying
//!   cannot help); [`ClaudeAnalyzer::disabled_reason`] says why.

use crate::pii::scrub;
use crate::{AnalysisRun, Analyzer, AnalyzerError, PaidCall, RunFailure, TokenUsage};
use anthropic::{
    Client, Message, MessageResponse, MessagesRequest, OutputConfig, StopReason, SystemBlock,
};
use domain::taxonomy::{IssueType, Severity, Taxonomy};
use domain::{AnalysisOutcome, IncomingTicket};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Mutex;

/// The name stored with every issue Claude produced.
pub const NAME: &str = "claude";
/// The longest cluster name kept (seed 000: "max 100 chars").
pub const MAX_CLUSTER_NAME_CHARS: usize = 100;
/// Output budget of the cluster-naming call.
const CLUSTER_NAMING_MAX_TOKENS: u32 = 1024;
/// Issues shown to the cluster-naming prompt (seed 000: 20 summaries, 10 quotes).
const NAMING_SUMMARIES: usize = 20;
const NAMING_QUOTES: usize = 10;

/// The extraction system prompt of seed 000, for `taxonomy`.
pub fn extraction_system_prompt(taxonomy: &Taxonomy) -> String {
    let mut p = format!(
        "You are a product analyst for {}.\n\
         Analyze support tickets to extract product issues for the PM team.\n\n\
         PRODUCT TAXONOMY:\nCategories: {}\n\nSubcategories:\n",
        taxonomy.product,
        taxonomy
            .categories
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for category in &taxonomy.categories {
        if category.label.is_empty() {
            p.push_str(&format!("- {}:\n", category.key));
        } else {
            p.push_str(&format!("- {} ({}):\n", category.key, category.label));
        }
        for sub in &category.subcategories {
            if sub.description.is_empty() {
                p.push_str(&format!("  - {}\n", sub.key));
            } else {
                p.push_str(&format!("  - {}: {}\n", sub.key, sub.description));
            }
        }
    }
    p.push_str("\nIssue types:\n");
    for t in IssueType::ALL {
        p.push_str(&format!("- {}: {}\n", t.as_str(), t.description()));
    }
    p.push_str("\nSeverity:\n");
    for s in Severity::ALL {
        p.push_str(&format!("- {}: {}\n", s.as_str(), s.description()));
    }
    p.push_str(
        "\nINSTRUCTIONS:\n\
         1. Read the ticket (subject, description, all comments including internal notes)\n\
         2. Identify DISTINCT product issues (0 if none, multiple if several issues)\n\
         3. Ignore pure support process issues (refund requests, account access, billing)\n\
         4. Use representative quotes that capture user pain\n\
         5. Use only the categories, subcategories, issue types and severities listed above; \
            the subcategory must belong to the category\n\
         6. Personal data in tickets was replaced by placeholders such as [EMAIL], [PHONE] or \
            [CARD]; keep the placeholders, never guess what they stood for\n\n\
         Answer with the JSON object of the response schema:\n\
         - issues: one entry per distinct product issue, each with category, subcategory, \
           issue_type, severity, summary (one specific sentence, at most 500 characters), \
           detail, representative_quote (the customer's own words) and confidence (0 to 1)\n\
         - no_product_issue: true when the ticket describes no product issue (issues is then \
           empty)\n\
         - skip_reason: why there is no product issue (e.g. \"Billing inquiry only\"), \
           otherwise null",
    );
    p
}

/// The JSON schema of the extraction answer, with the taxonomy's values as enums.
pub fn extraction_schema(taxonomy: &Taxonomy) -> Value {
    let mut subcategories: Vec<&str> = taxonomy.pairs().map(|(_, s)| s.key.as_str()).collect();
    subcategories.sort_unstable();
    subcategories.dedup();
    let nullable_string = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
    json!({
        "type": "object",
        "properties": {
            "issues": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "category": {
                            "type": "string",
                            "enum": taxonomy.categories.iter().map(|c| c.key.as_str()).collect::<Vec<_>>()
                        },
                        "subcategory": {"type": "string", "enum": subcategories},
                        "issue_type": {
                            "type": "string",
                            "enum": IssueType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>()
                        },
                        "severity": {
                            "type": "string",
                            "enum": Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()
                        },
                        "summary": {"type": "string"},
                        "detail": nullable_string,
                        "representative_quote": nullable_string,
                        "confidence": {"type": "number"}
                    },
                    "required": ["category", "subcategory", "issue_type", "severity", "summary",
                                 "detail", "representative_quote", "confidence"],
                    "additionalProperties": false
                }
            },
            "no_product_issue": {"type": "boolean"},
            "skip_reason": nullable_string
        },
        "required": ["issues", "no_product_issue", "skip_reason"],
        "additionalProperties": false
    })
}

/// The user message of seed 000 for one ticket, PII-scrubbed.
pub fn extraction_user_prompt(ticket: &IncomingTicket) -> String {
    let redactor = crate::pii::Redactor::for_ticket(ticket);
    let or = |v: &Option<String>, default: &str| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| redactor.scrub(s))
            .unwrap_or_else(|| default.to_string())
    };
    let requester = match (&ticket.requester_email, &ticket.requester_org_name) {
        (None, None) => "Unknown".to_string(),
        (email, _) => format!(
            "{} ({})",
            email.as_deref().map_or("no email".into(), scrub),
            redactor.org().unwrap_or("No org")
        ),
    };
    // Personal source ids (a WhatsApp number, a Slack user) are not sent; the kind is.
    let source_id = match ticket.source {
        domain::SourceKind::Whatsapp | domain::SourceKind::Slack => "[ID]".to_string(),
        _ => redactor.scrub(&ticket.source_id),
    };
    format!(
        "Analyze this ticket:\n\n\
         TICKET ID: {}:{source_id}\n\
         SUBJECT: {}\n\
         CREATED: {}\n\
         REQUESTER: {requester}\n\
         TAGS: {}\n\n\
         DESCRIPTION:\n{}\n\n\
         PUBLIC COMMENTS:\n{}\n\n\
         INTERNAL NOTES:\n{}",
        ticket.source.as_str(),
        or(&ticket.subject, "No subject"),
        ticket.created_at.to_rfc3339(),
        if ticket.tags.is_empty() {
            "None".to_string()
        } else {
            ticket
                .tags
                .iter()
                .map(|t| redactor.tag(t))
                .collect::<Vec<_>>()
                .join(", ")
        },
        or(&ticket.description, "No description"),
        or(&ticket.public_comments, "None"),
        or(&ticket.internal_notes, "None"),
    )
}

/// The cluster-naming system prompt of seed 000.
pub const CLUSTER_NAMING_PROMPT: &str = "Given a group of related product issues, generate a \
specific cluster name and summary.\n\n\
Good names are specific and actionable:\n\
✓ \"Android 14 clock-in button tap delay\"\n\
✓ \"CA state tax withholding errors\"\n\n\
Bad names are vague:\n\
✗ \"Mobile app issues\"\n\
✗ \"Tax problems\"\n\n\
Answer with the JSON object of the response schema: cluster_name (specific, at most 100 \
characters) and cluster_summary (2-3 sentences on the issue pattern and its business impact).";

/// One issue of a cluster to be named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterIssue {
    pub category: String,
    pub subcategory: String,
    pub summary: String,
    pub representative_quote: Option<String>,
}

/// A cluster's name and summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterName {
    pub cluster_name: String,
    pub cluster_summary: String,
}

/// The cluster-naming user message of seed 000 (PII-scrubbed); `None` for no issues.
pub fn cluster_naming_user_prompt(issues: &[ClusterIssue]) -> Option<String> {
    let first = issues.first()?;
    let summaries = issues
        .iter()
        .take(NAMING_SUMMARIES)
        .map(|i| format!("- {}", scrub(&i.summary)))
        .collect::<Vec<_>>()
        .join("\n");
    let quotes = issues
        .iter()
        .take(NAMING_QUOTES)
        .filter_map(|i| i.representative_quote.as_deref())
        .filter(|q| !q.trim().is_empty())
        .map(|q| format!("- \"{}\"", scrub(q)))
        .collect::<Vec<_>>()
        .join("\n");
    Some(format!(
        "Category: {}\nSubcategory: {}\nNumber of tickets: {}\n\n\
         Issue summaries:\n{summaries}\n\nRepresentative quotes:\n{quotes}",
        first.category,
        first.subcategory,
        issues.len()
    ))
}

/// The JSON schema of the cluster-naming answer.
pub fn cluster_naming_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "cluster_name": {"type": "string"},
            "cluster_summary": {"type": "string"}
        },
        "required": ["cluster_name", "cluster_summary"],
        "additionalProperties": false
    })
}

/// Parses and checks a cluster-naming answer; a name over 100 characters is cut at a word.
pub fn parse_cluster_name(response: &MessageResponse) -> Result<ClusterName, AnalyzerError> {
    let text = answer_text(response)?;
    let mut name: ClusterName = serde_json::from_str(&text).map_err(|e| {
        AnalyzerError::InvalidOutput(format!("not the cluster-naming JSON: {e}; got {text:?}"))
    })?;
    name.cluster_name = name.cluster_name.trim().to_string();
    name.cluster_summary = name.cluster_summary.trim().to_string();
    if name.cluster_name.is_empty() {
        return Err(AnalyzerError::InvalidOutput("empty cluster_name".into()));
    }
    if name.cluster_name.chars().count() > MAX_CLUSTER_NAME_CHARS {
        name.cluster_name =
            domain::text::truncate_words(&name.cluster_name, MAX_CLUSTER_NAME_CHARS);
    }
    Ok(name)
}

/// The answer's text, or why there is no usable one.
fn answer_text(response: &MessageResponse) -> Result<String, AnalyzerError> {
    match response.stop_reason {
        Some(StopReason::Refusal) => {
            return Err(AnalyzerError::Permanent(
                "Claude refused to analyze this ticket (stop_reason \"refusal\")".into(),
            ))
        }
        Some(StopReason::MaxTokens) => {
            return Err(AnalyzerError::InvalidOutput(
                "the answer was cut off at max_tokens".into(),
            ))
        }
        _ => {}
    }
    let text = response.text();
    if text.trim().is_empty() {
        return Err(AnalyzerError::InvalidOutput(
            "the answer has no text".into(),
        ));
    }
    Ok(text)
}

/// Token usage and cost of a response.
pub fn usage_of(response: &MessageResponse, batch: bool) -> TokenUsage {
    let u = response.usage;
    TokenUsage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens.unwrap_or(0),
        cache_read_input_tokens: u.cache_read_input_tokens.unwrap_or(0),
        batch,
        cost_usd: anthropic::pricing::cost_usd(&response.model, &u, batch),
    }
}

/// The Claude analyzer.
pub struct ClaudeAnalyzer {
    client: Client,
    model: String,
    max_tokens: u32,
    taxonomy: Taxonomy,
    system_prompt: String,
    schema: Value,
    disabled: Mutex<Option<String>>,
}

impl std::fmt::Debug for ClaudeAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaudeAnalyzer")
            .field("model", &self.model)
            .field("client", &self.client)
            .finish()
    }
}

impl ClaudeAnalyzer {
    /// An analyzer calling `model` through `client`, with prompts for `taxonomy`.
    pub fn new(client: Client, taxonomy: Taxonomy, model: &str, max_tokens: u32) -> Self {
        ClaudeAnalyzer {
            system_prompt: extraction_system_prompt(&taxonomy),
            schema: extraction_schema(&taxonomy),
            client,
            model: model.to_string(),
            max_tokens,
            taxonomy,
            disabled: Mutex::new(None),
        }
    }

    pub fn system_prompt(&self) -> &str {
        &self.system_prompt
    }

    /// The client (the batch path calls the Message Batches endpoints through it).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The configured model id.
    pub fn model_id(&self) -> &str {
        &self.model
    }

    /// The Messages request for one ticket (also what a batch sends per ticket).
    pub fn request_for(&self, ticket: &IncomingTicket) -> MessagesRequest {
        MessagesRequest {
            model: self.model.clone(),
            max_tokens: self.max_tokens,
            system: vec![SystemBlock::cached(self.system_prompt.clone())],
            messages: vec![Message::user(extraction_user_prompt(ticket))],
            output_config: Some(OutputConfig::json_schema(self.schema.clone())),
        }
    }

    /// Why Claude is switched off for this process, if it is.
    pub fn disabled_reason(&self) -> Option<String> {
        self.disabled.lock().map(|d| d.clone()).unwrap_or(None)
    }

    fn disable(&self, reason: String) {
        tracing::error!(%reason, "Claude analyzer disabled");
        if let Ok(mut d) = self.disabled.lock() {
            d.get_or_insert(reason);
        }
    }

    /// Turns a client error into the analyzer's, disabling Claude when it cannot recover.
    fn api_error(&self, error: anthropic::Error) -> AnalyzerError {
        use anthropic::Error as E;
        match error {
            E::SpendLimit { .. } | E::Authentication { .. } => {
                let reason = error.to_string();
                self.disable(reason.clone());
                AnalyzerError::Permanent(reason)
            }
            E::InvalidRequest { .. } => AnalyzerError::Permanent(error.to_string()),
            E::Malformed { .. } => AnalyzerError::InvalidOutput(error.to_string()),
            E::RateLimited { .. }
            | E::Overloaded { .. }
            | E::Server { .. }
            | E::Timeout(_)
            | E::Transport(_) => AnalyzerError::Transient(error.to_string()),
        }
    }

    /// Parses and validates an extraction answer.
    pub fn parse_response(
        &self,
        response: &MessageResponse,
    ) -> Result<AnalysisOutcome, AnalyzerError> {
        let text = answer_text(response)?;
        let outcome: AnalysisOutcome = serde_json::from_str(&text).map_err(|e| {
            AnalyzerError::InvalidOutput(format!("not the extraction JSON: {e}; got {text:?}"))
        })?;
        outcome
            .validate(&self.taxonomy)
            .map_err(|e| AnalyzerError::InvalidOutput(e.to_string()))?;
        Ok(outcome)
    }

    /// Analyzes one ticket with one Messages call. An answer that cannot be used still
    /// reports its usage ([`RunFailure::paid`]): it was billed.
    pub async fn extract(&self, ticket: &IncomingTicket) -> Result<AnalysisRun, RunFailure> {
        if let Some(reason) = self.disabled_reason() {
            return Err(AnalyzerError::Permanent(reason).into());
        }
        let response = self
            .client
            .messages(&self.request_for(ticket))
            .await
            .map_err(|e| self.api_error(e))?;
        let usage = usage_of(&response, false);
        tracing::debug!(
            input = usage.input_tokens,
            output = usage.output_tokens,
            cache_read = usage.cache_read_input_tokens,
            cache_write = usage.cache_creation_input_tokens,
            "Claude usage"
        );
        let model = Some(response.model.clone());
        match self.parse_response(&response) {
            Ok(outcome) => Ok(AnalysisRun {
                outcome,
                analyzer: NAME.to_string(),
                model,
                usage: Some(usage),
            }),
            Err(error) => Err(RunFailure {
                error,
                paid: Some(PaidCall {
                    analyzer: NAME.to_string(),
                    model,
                    usage,
                }),
            }),
        }
    }

    /// Names a cluster from its issues (seed 000's cluster-naming prompt, structured output).
    pub async fn name_cluster(
        &self,
        issues: &[ClusterIssue],
    ) -> Result<(ClusterName, TokenUsage), AnalyzerError> {
        if let Some(reason) = self.disabled_reason() {
            return Err(AnalyzerError::Permanent(reason));
        }
        let prompt = cluster_naming_user_prompt(issues)
            .ok_or_else(|| AnalyzerError::Permanent("a cluster without issues".into()))?;
        let request = MessagesRequest {
            model: self.model.clone(),
            max_tokens: CLUSTER_NAMING_MAX_TOKENS,
            system: vec![SystemBlock::cached(CLUSTER_NAMING_PROMPT)],
            messages: vec![Message::user(prompt)],
            output_config: Some(OutputConfig::json_schema(cluster_naming_schema())),
        };
        let response = self
            .client
            .messages(&request)
            .await
            .map_err(|e| self.api_error(e))?;
        Ok((parse_cluster_name(&response)?, usage_of(&response, false)))
    }
}

impl Analyzer for ClaudeAnalyzer {
    fn name(&self) -> &'static str {
        NAME
    }

    fn model(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn analyze<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisOutcome, AnalyzerError>> {
        Box::pin(async move {
            self.extract(ticket)
                .await
                .map(|run| run.outcome)
                .map_err(|f| f.error)
        })
    }

    fn analyze_run<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisRun, RunFailure>> {
        Box::pin(self.extract(ticket))
    }

    fn status(&self) -> Option<String> {
        self.disabled_reason()
            .map(|r| format!("Claude disabled: {r}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::SourceKind;

    fn ticket() -> IncomingTicket {
        let t = "2026-11-01T10:00:00Z".parse().unwrap();
        IncomingTicket {
            source: SourceKind::Zendesk,
            source_id: "40001".into(),
            subject: Some("Clock offline".into()),
            description: Some(
                "Call me at 916-555-0123 or brenda@keystone.com; card 4111 1111 1111 1111.".into(),
            ),
            public_comments: None,
            internal_notes: Some("SSN 000-12-3456 on file".into()),
            requester_email: Some("brenda.castillo@keystonefulfillment.com".into()),
            requester_org_name: Some("Keystone Fulfillment".into()),
            source_org_id: None,
            tags: vec!["hardware".into()],
            status: None,
            priority: None,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn the_prompt_lists_the_default_taxonomy_with_its_descriptions() {
        let p = extraction_system_prompt(&Taxonomy::default());
        assert!(p.starts_with(
            "You are a product analyst for a time & attendance + payroll SaaS company."
        ));
        assert!(p.contains("Categories: TIME_AND_ATTENDANCE, PAYROLL, SETTINGS"));
        assert!(p.contains("  - punch_in_out: Clock actions, missed punches\n"));
        assert!(p.contains("- ux_confusion: User doesn't understand how\n"));
        assert!(p.contains("- critical: Money/compliance issues, complete blockers\n"));
    }

    #[test]
    fn a_company_taxonomy_changes_the_prompt_and_the_schema() {
        let custom = Taxonomy::from_toml(
            r#"
            product = "a food delivery app"
            [[categories]]
            key = "ORDERS"
            label = "Orders"
            [[categories.subcategories]]
            key = "late_delivery"
            description = "Orders arriving late or cold"
            [[categories]]
            key = "PAYMENTS"
            [[categories.subcategories]]
            key = "refunds"
            "#,
        )
        .unwrap();
        let p = extraction_system_prompt(&custom);
        assert!(p.starts_with("You are a product analyst for a food delivery app."));
        assert!(p.contains("Categories: ORDERS, PAYMENTS"));
        assert!(p.contains("- ORDERS (Orders):\n  - late_delivery: Orders arriving late or cold\n"));
        assert!(p.contains("- PAYMENTS:\n  - refunds\n"));
        assert!(!p.contains("punch_in_out"));
        assert_ne!(p, extraction_system_prompt(&Taxonomy::default()));

        let schema = extraction_schema(&custom);
        let item = &schema["properties"]["issues"]["items"]["properties"];
        assert_eq!(item["category"]["enum"], json!(["ORDERS", "PAYMENTS"]));
        assert_eq!(
            item["subcategory"]["enum"],
            json!(["late_delivery", "refunds"])
        );
        assert_eq!(
            item["severity"]["enum"],
            json!(["critical", "high", "medium", "low"])
        );
        assert_eq!(item["issue_type"]["enum"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn the_user_prompt_follows_the_seed_and_carries_no_pii() {
        let p = extraction_user_prompt(&ticket());
        assert!(p.starts_with(
            "Analyze this ticket:\n\nTICKET ID: zendesk:40001\nSUBJECT: Clock offline\n"
        ));
        assert!(p.contains("REQUESTER: [EMAIL] ([ORG])"));
        assert!(p.contains("Call me at [PHONE] or [EMAIL]; card [CARD]."));
        assert!(p.contains("INTERNAL NOTES:\nSSN [SSN] on file"));
        assert!(p.contains("PUBLIC COMMENTS:\nNone"));
        for leaked in ["916-555", "brenda", "4111", "000-12"] {
            assert!(!p.contains(leaked), "{leaked} leaked: {p}");
        }
    }

    #[test]
    fn the_cluster_naming_prompt_lists_summaries_and_quotes() {
        let issue = |s: &str, q: Option<&str>| ClusterIssue {
            category: "TIME_AND_ATTENDANCE".into(),
            subcategory: "punch_in_out".into(),
            summary: s.into(),
            representative_quote: q.map(Into::into),
        };
        let p = cluster_naming_user_prompt(&[
            issue(
                "Clock-in button needs several taps on Android 14",
                Some("I tap 4 times"),
            ),
            issue("Android punches not registering; call 916-555-0123", None),
        ])
        .unwrap();
        assert_eq!(
            p,
            "Category: TIME_AND_ATTENDANCE\nSubcategory: punch_in_out\nNumber of tickets: 2\n\n\
             Issue summaries:\n- Clock-in button needs several taps on Android 14\n\
             - Android punches not registering; call [PHONE]\n\n\
             Representative quotes:\n- \"I tap 4 times\""
        );
        assert_eq!(cluster_naming_user_prompt(&[]), None);
    }

    #[test]
    fn the_request_caches_the_system_prompt_and_sets_no_rejected_parameters() {
        let client = Client::new(anthropic::Config::new(runtime::Secret::new("k"))).unwrap();
        let claude = ClaudeAnalyzer::new(client, Taxonomy::default(), "claude-sonnet-5-5", 4096);
        let body = serde_json::to_value(claude.request_for(&ticket())).unwrap();
        assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(body["output_config"]["format"]["type"], "json_schema");
        assert_eq!(
            body["messages"].as_array().unwrap().len(),
            1,
            "no assistant prefill"
        );
        for rejected in ["temperature", "tool_choice", "tools", "top_p"] {
            assert!(body.get(rejected).is_none(), "{rejected} must not be sent");
        }
    }
}
