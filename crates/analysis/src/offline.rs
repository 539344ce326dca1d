//! The offline analyzer: keyword evidence from the taxonomy, no network.
//!
//! For each subcategory it counts the taxonomy's keyword hints in the customer's own words
//! (subject and description; agent replies and internal notes are left out because agents use
//! the product's vocabulary for unrelated suggestions). The best-supported subcategory becomes
//! an issue when its evidence clears a threshold; a second one is kept when it is supported by
//! different sentences (a ticket with two distinct problems). Issue type and severity come
//! from cue phrases. Summaries and quotes are the customer's most telling sentence.

use crate::{Analyzer, AnalyzerError};
use domain::issue::{AnalysisOutcome, IssueDraft};
use domain::taxonomy::{IssueType, Severity, Taxonomy};
use domain::text::truncate_words;
use domain::IncomingTicket;
use futures::future::BoxFuture;

/// Evidence a subcategory needs before it becomes an issue.
const MIN_SCORE: f64 = 2.0;
/// A second issue needs at least this share of the first one's evidence.
const SECOND_ISSUE_SHARE: f64 = 0.5;
/// Keyword hits in the subject weigh this much more than in the body.
const SUBJECT_WEIGHT: f64 = 1.5;

/// Phrases of tickets that are about the account, not the product.
pub(crate) const NOT_PRODUCT_CUES: &[(&str, &str)] = &[
    ("invoice", "Billing inquiry"),
    ("billing", "Billing inquiry"),
    ("refund", "Billing inquiry"),
    ("subscription", "Billing inquiry"),
    ("password reset", "Account access"),
    ("reset my password", "Account access"),
    ("locked out", "Account access"),
    ("out of office", "Auto-reply"),
    ("auto-reply", "Auto-reply"),
    ("automatic reply", "Auto-reply"),
    ("pricing", "Sales inquiry"),
    ("quote for", "Sales inquiry"),
    ("demo of", "Sales inquiry"),
    ("account owner", "Account administration"),
    ("primary contact", "Account administration"),
    ("account admin", "Account administration"),
    ("unlock my account", "Account access"),
    ("charged twice", "Billing inquiry"),
    ("duplicate charge", "Billing inquiry"),
    ("card on file", "Billing inquiry"),
    ("sales tax", "Billing inquiry"),
    ("tax exempt", "Billing inquiry"),
    ("w-9", "Vendor paperwork"),
    ("remittance", "Vendor paperwork"),
    ("soc 1", "Compliance document request"),
    ("soc 2", "Compliance document request"),
    ("soc report", "Compliance document request"),
    ("security questionnaire", "Compliance document request"),
    ("volume pricing", "Sales inquiry"),
    ("support hours", "Support hours"),
];

/// Replies that only confirm a fix or thank ("Confirmed, it's working now").
pub(crate) const CLOSING_CUES: &[&str] = &[
    "thank",
    "thanks",
    "working now",
    "works now",
    "fixed it",
    "did the trick",
    "looks good now",
    "all good",
    "resolved",
    "perfect",
    "appreciate",
    "confirmed",
    "that worked",
    "great",
    "awesome",
    "sorted",
];

pub(crate) const FEATURE_CUES: &[&str] = &[
    "feature request",
    "would be great",
    "would be nice",
    "would love",
    "wish",
    "is there a way",
    "any plans",
    "please add",
    "could you add",
    "suggestion",
    "roadmap",
    "ability to",
    "option to",
];
pub(crate) const CONFUSION_CUES: &[&str] = &[
    "how do i",
    "how do we",
    "how can i",
    "how to",
    "confused",
    "confusing",
    "not sure how",
    "where do i",
    "where can i",
    "unclear",
    "doesn't make sense",
    "does not make sense",
];
pub(crate) const DOCS_CUES: &[&str] = &[
    "documentation",
    "help article",
    "help center",
    "knowledge base",
    "couldn't find",
    "could not find",
    "can't find any",
    "no instructions",
    "guide",
];
pub(crate) const DATA_CUES: &[&str] = &[
    "sync",
    "import",
    "export",
    "csv",
    "missing data",
    "duplicate",
    "duplicated",
    "integration",
    "column",
    "mismatch",
    "out of sync",
];
pub(crate) const FRICTION_CUES: &[&str] = &[
    "takes forever",
    "too many clicks",
    "tedious",
    "slow",
    "every time",
    "have to manually",
    "manually",
    "cumbersome",
    "annoying",
    "painful",
    "workaround",
];
pub(crate) const CRITICAL_CUES: &[&str] = &[
    "not paid",
    "haven't been paid",
    "didn't get paid",
    "did not get paid",
    "paychecks",
    "missed payroll",
    "payroll is stuck",
    "can't run payroll",
    "cannot run payroll",
    "penalty",
    "irs",
    "compliance",
    "lawsuit",
    "wrong amount",
    "underpaid",
    "overpaid",
    "garnishment",
    "tax",
    "deposit",
    "urgent",
    "asap",
    "nobody can clock",
    "no one can clock",
    "entire company",
    "all employees",
];
pub(crate) const HIGH_CUES: &[&str] = &[
    "can't",
    "cannot",
    "unable",
    "not working",
    "doesn't work",
    "does not work",
    "broken",
    "fails",
    "failed",
    "failing",
    "error",
    "blocked",
    "stuck",
    "won't",
    "keeps crashing",
    "crash",
];
pub(crate) const LOW_CUES: &[&str] = &[
    "minor",
    "cosmetic",
    "not a big deal",
    "small thing",
    "no rush",
    "when you get a chance",
    "typo",
    "would be nice",
];

/// The embedded default analyzer.
#[derive(Debug, Clone)]
pub struct KeywordAnalyzer {
    taxonomy: Taxonomy,
}

impl KeywordAnalyzer {
    pub fn new(taxonomy: Taxonomy) -> Self {
        KeywordAnalyzer { taxonomy }
    }

    /// The analysis, synchronously (it does no I/O).
    pub fn extract(&self, ticket: &IncomingTicket) -> AnalysisOutcome {
        let text = customer_text(ticket);
        if text.auto_reply {
            return AnalysisOutcome::no_issue(AUTO_REPLY);
        }
        let (subject, body) = (text.subject, text.body);
        let sentences = sentences(&format!("{subject}.\n{body}"));
        let subject_lower = normalize(&subject);

        let mut candidates: Vec<Candidate> = self
            .taxonomy
            .pairs()
            .filter_map(|(category, sub)| {
                let mut score = 0.0;
                let mut best_sentence: Option<(usize, f64)> = None;
                let mut supporting = Vec::new();
                for (i, s) in sentences.iter().enumerate() {
                    let hits = weighted_hits(&s.normalized, &sub.keywords);
                    if hits > 0.0 {
                        score += hits;
                        supporting.push(i);
                        if best_sentence.is_none_or(|(_, h)| hits > h) {
                            best_sentence = Some((i, hits));
                        }
                    }
                }
                score += weighted_hits(&subject_lower, &sub.keywords) * (SUBJECT_WEIGHT - 1.0);
                let (best, _) = best_sentence?;
                Some(Candidate {
                    category: category.key.clone(),
                    subcategory: sub.key.clone(),
                    score,
                    best,
                    supporting,
                })
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score));

        let text_lower = normalize(&format!("{subject} {body}"));
        let skip = NOT_PRODUCT_CUES
            .iter()
            .find(|(cue, _)| contains_phrase(&text_lower, cue))
            .map(|(_, reason)| *reason);

        let top_score = candidates.first().map_or(0.0, |c| c.score);
        // Account questions mention the product in passing; they need much stronger evidence.
        let needed = if skip.is_some() {
            MIN_SCORE * 2.0
        } else {
            MIN_SCORE
        };
        if top_score < needed {
            return AnalysisOutcome {
                issues: vec![],
                no_product_issue: true,
                skip_reason: Some(skip.unwrap_or("No product issue described").to_string()),
            };
        }

        let mut chosen: Vec<&Candidate> = vec![&candidates[0]];
        if let Some(second) = candidates.iter().skip(1).find(|c| {
            c.score >= MIN_SCORE
                && c.score >= top_score * SECOND_ISSUE_SHARE
                && c.best != candidates[0].best
                && c.subcategory != candidates[0].subcategory
                && !c
                    .supporting
                    .iter()
                    .all(|s| candidates[0].supporting.contains(s))
        }) {
            chosen.push(second);
        }

        let issues = chosen
            .into_iter()
            .map(|c| {
                let sentence = &sentences[c.best];
                let own_text = c
                    .supporting
                    .iter()
                    .map(|&i| sentences[i].normalized.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let confidence = (0.35 + 0.1 * c.score).min(0.85);
                IssueDraft {
                    category: c.category.clone(),
                    subcategory: c.subcategory.clone(),
                    issue_type: issue_type(&own_text).as_str().to_string(),
                    severity: severity(&own_text, &text_lower).as_str().to_string(),
                    summary: domain::cleaning::problem_statement(&sentence.original, 140),
                    detail: Some(truncate_words(
                        &c.supporting
                            .iter()
                            .map(|&i| sentences[i].original.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                        600,
                    )),
                    representative_quote: Some(truncate_words(&sentence.original, 300)),
                    confidence: Some((confidence * 100.0_f64).round() / 100.0),
                }
            })
            .collect();
        AnalysisOutcome {
            issues,
            no_product_issue: false,
            skip_reason: None,
        }
    }
}

impl Analyzer for KeywordAnalyzer {
    fn name(&self) -> &'static str {
        "offline-keywords"
    }

    fn analyze<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisOutcome, AnalyzerError>> {
        Box::pin(async move { Ok(self.extract(ticket)) })
    }
}

struct Candidate {
    category: String,
    subcategory: String,
    score: f64,
    best: usize,
    supporting: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub(crate) original: String,
    pub(crate) normalized: String,
    /// Which part of the message it belongs to: paragraphs are apart by a blank line, and a
    /// sentence that opens with "Also", "P.S.", "Second issue" … starts a new one. One problem
    /// is told in one place; two problems are told apart.
    pub(crate) paragraph: usize,
}

/// Why an automatic reply yields no issue.
pub(crate) const AUTO_REPLY: &str = "Auto-reply";

/// The customer's own words: the subject and the description (or, without a description, the
/// public comments), without quoted history, transcript apparatus, form headers, greetings and
/// signatures ([`domain::cleaning`]). Agent replies and internal notes are left out: agents use
/// the product's vocabulary for unrelated suggestions.
pub(crate) fn customer_text(ticket: &IncomingTicket) -> domain::cleaning::CustomerText {
    domain::cleaning::customer_text(
        ticket.subject.as_deref(),
        ticket.description.as_deref(),
        ticket.public_comments.as_deref(),
    )
}

/// Splits text into sentences, dropping greetings, sign-offs and signature lines.
pub(crate) fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut paragraph = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            paragraph += 1;
            continue;
        }
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            let next_is_space = chars.get(k + 1).is_none_or(|(_, n)| n.is_whitespace());
            if matches!(c, '.' | '!' | '?') && next_is_space {
                push_sentence(&mut out, &line[start..i + c.len_utf8()], &mut paragraph);
                start = i + c.len_utf8();
            }
        }
        push_sentence(&mut out, &line[start..], &mut paragraph);
    }
    out
}

/// Labels that open lines of forwarded mail and chat transcripts ("Re: …", "Message: …").
const LINE_LABELS: &[&str] = &[
    "re:",
    "fw:",
    "fwd:",
    "message:",
    "subject:",
    "customer:",
    "note:",
];

fn push_sentence(out: &mut Vec<Sentence>, raw: &str, paragraph: &mut usize) {
    let bare = raw.trim().trim_start_matches(['-', '*', '>', ' ']);
    let mut s = domain::cleaning::strip_opener(bare);
    if s.len() < bare.len() && !out.is_empty() {
        // "Also, …", "P.S. …", "Second issue - …": something else begins.
        *paragraph += 1;
    }
    while let Some(label) = LINE_LABELS
        .iter()
        .find(|l| s.len() > l.len() && s.get(..l.len()).is_some_and(|p| p.eq_ignore_ascii_case(l)))
    {
        s = s[label.len()..].trim_start();
    }
    let normalized = normalize(s);
    let words = normalized.split_whitespace().count();
    let boilerplate = [
        "hi",
        "hello",
        "thanks",
        "thank you",
        "regards",
        "best",
        "cheers",
        "sent from",
    ]
    .iter()
    .any(|b| normalized.starts_with(b) && words <= 4);
    if words >= 2 && !boilerplate && !domain::cleaning::is_pleasantry(s) {
        out.push(Sentence {
            original: s.trim_end_matches('.').to_string(),
            normalized,
            paragraph: *paragraph,
        });
    }
}

/// Lower case, with every run of non-word characters (except those inside terms like "w-2",
/// "401(k)" and "wi-fi") collapsed to one space and a space at both ends, so phrases match on
/// word boundaries with a plain substring search.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || matches!(c, '-' | '(' | ')' | '\'' | '&') {
            out.push(if c == '\u{2019}' { '\'' } else { c });
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

pub(crate) fn contains_phrase(normalized: &str, phrase: &str) -> bool {
    normalized.contains(&format!(" {} ", phrase.to_lowercase()))
}

/// Keyword evidence in one normalized sentence: multi-word phrases count double, since they
/// are more specific than single words.
fn weighted_hits(normalized: &str, keywords: &[String]) -> f64 {
    keywords
        .iter()
        .filter(|k| contains_phrase(normalized, k))
        .map(|k| if k.contains(' ') { 2.0 } else { 1.0 })
        .sum()
}

pub(crate) fn any_cue(text: &str, cues: &[&str]) -> bool {
    cues.iter().any(|c| contains_phrase(text, c))
}

pub(crate) fn issue_type(text: &str) -> IssueType {
    if any_cue(text, FEATURE_CUES) {
        IssueType::FeatureRequest
    } else if any_cue(text, DOCS_CUES) {
        IssueType::DocumentationGap
    } else if any_cue(text, CONFUSION_CUES) {
        IssueType::UxConfusion
    } else if any_cue(text, DATA_CUES) {
        IssueType::DataIssue
    } else if any_cue(text, FRICTION_CUES) {
        IssueType::Friction
    } else {
        IssueType::Bug
    }
}

pub(crate) fn severity(own: &str, whole: &str) -> Severity {
    if any_cue(own, LOW_CUES) {
        Severity::Low
    } else if any_cue(own, CRITICAL_CUES) || any_cue(whole, &["urgent", "asap", "penalty"]) {
        Severity::Critical
    } else if any_cue(own, HIGH_CUES) {
        Severity::High
    } else {
        Severity::Medium
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use domain::SourceKind;

    /// Found by `make fuzz-api`: a sentence starting with a character of more than one byte
    /// was sliced inside it while looking for "Re:"-style labels, and the panic dropped the
    /// API connection. Every short text of multi-byte characters must analyze cleanly.
    #[test]
    fn multi_byte_characters_anywhere_do_not_break_sentence_splitting() {
        let analyzer = KeywordAnalyzer::new(Taxonomy::default());
        for text in [
            "𐀀",
            "é",
            "éé:",
            "日本語",
            "🙂x",
            "ré: 🙂 hello",
            "fw:é",
            "\u{200f}re: x",
            "ß. 𐀀! ü?",
        ] {
            let found = sentences(text);
            assert!(
                found.iter().all(|s| text.contains(s.original.as_str())),
                "{text}"
            );
            let outcome = analyzer.extract(&ticket(text, text));
            assert!(
                outcome.issues.len() <= domain::issue::MAX_ISSUES_PER_TICKET,
                "{text}"
            );
        }
    }

    /// A ticket with the customer's words, plus an agent reply that mentions other
    /// subcategories (which an analyzer must not turn into issues). Shared by the analyzers'
    /// unit tests.
    pub(crate) fn ticket(subject: &str, description: &str) -> IncomingTicket {
        let t = "2026-11-01T10:00:00Z".parse().unwrap();
        IncomingTicket {
            source: SourceKind::Zendesk,
            source_id: "1".into(),
            subject: Some(subject.into()),
            description: Some(description.into()),
            public_comments: Some("Agent: have you tried the export and the PTO report?".into()),
            internal_notes: None,
            requester_email: None,
            requester_org_name: None,
            source_org_id: None,
            tags: vec![],
            status: None,
            priority: None,
            created_at: t,
            updated_at: t,
        }
    }

    fn analyze(subject: &str, description: &str) -> AnalysisOutcome {
        let outcome =
            KeywordAnalyzer::new(Taxonomy::default()).extract(&ticket(subject, description));
        // Whatever the offline analyzer says must pass the same validation as Claude's output.
        outcome
            .validate(&Taxonomy::default())
            .expect("valid against the taxonomy");
        outcome
    }

    #[test]
    fn a_clock_in_problem_is_a_punch_issue_with_the_customers_words() {
        let o = analyze(
            "Android app clock in not working",
            "Hi team,\nSince the update our employees can't clock in from the Android app. \
             They tap the button 3-4 times before the punch registers.\nThanks, Dana",
        );
        assert!(!o.no_product_issue);
        assert_eq!(o.issues[0].subcategory, "punch_in_out");
        assert_eq!(o.issues[0].severity, "high");
        assert!(
            o.issues[0].summary.contains("clock in"),
            "{}",
            o.issues[0].summary
        );
    }

    #[test]
    fn a_billing_question_is_not_a_product_issue() {
        let o = analyze(
            "Invoice for October",
            "Can you resend our October invoice? Our AP team needs it.",
        );
        assert!(o.no_product_issue);
        assert!(o.issues.is_empty());
        assert_eq!(o.skip_reason.as_deref(), Some("Billing inquiry"));
    }

    #[test]
    fn two_distinct_problems_become_two_issues() {
        let o = analyze(
            "Two problems",
            "Our time clock terminal keeps dropping off the wifi and needs a reboot every morning. \
             Separately, PTO accrual balances did not update after the anniversary date for three employees.",
        );
        let subs: Vec<_> = o.issues.iter().map(|i| i.subcategory.as_str()).collect();
        assert_eq!(subs, ["hardware_issues", "pto"], "{o:?}");
    }

    #[test]
    fn money_at_stake_is_critical_and_wishes_are_feature_requests() {
        let o = analyze(
            "Direct deposit",
            "Two employees were not paid: the direct deposit was returned by the bank.",
        );
        assert_eq!(o.issues[0].subcategory, "direct_deposits");
        assert_eq!(o.issues[0].severity, "critical");

        let o = analyze(
            "Idea",
            "It would be great to have an option to export the timesheet report per department.",
        );
        assert_eq!(o.issues[0].issue_type, "feature_request");
    }

    #[test]
    fn agent_replies_do_not_create_issues() {
        let o = analyze(
            "Thank you!",
            "That fixed it, thanks so much for the quick help.",
        );
        assert!(o.no_product_issue, "{o:?}");
    }

    #[test]
    fn transcript_labels_are_not_part_of_the_summary() {
        let o = analyze(
            "Re: Fwd: punches",
            "Message: The Clock In button is unresponsive on Android.",
        );
        assert_eq!(
            o.issues[0].summary,
            "The Clock In button is unresponsive on Android"
        );
    }

    #[test]
    fn phrases_match_on_word_boundaries_only() {
        let n = normalize("The W-2 form; deposits!");
        assert!(contains_phrase(&n, "w-2"));
        assert!(contains_phrase(&n, "deposits"));
        assert!(!contains_phrase(&n, "deposit"));
        assert!(!contains_phrase(&normalize("reporting"), "report"));
    }
}
