//! The embedding analyzer: the default offline analyzer, built on a sentence-embedding model.
//!
//! A ticket's customer text is split into sentences, each sentence is embedded
//! (all-MiniLM-L6-v2) and classified by logistic regression among the taxonomy's subcategories
//! (learnt from each subcategory's `examples`) and a "no product issue" class (the taxonomy's
//! `no_issue_examples`). Sentences close enough to a subcategory are its evidence; the
//! best-supported subcategory becomes an issue, and another one becomes a second (third …)
//! issue when a different sentence lands in it clearly. Issue type and severity come from
//! cue-phrase rules first (money and compliance words make an issue critical, seed 000) and
//! otherwise from example sentences the same way. Summaries and quotes are the ticket's own
//! sentences; confidence grows with the probability margin between the best and the
//! second-best class.
//!
//! Logistic regression picks the class: `make eval` measured it ahead of nearest centroid with
//! ten examples per class (Banking77: 84.2 % vs 81.0 %) and with full training data. Whether a
//! sentence is about its class at all is judged by its cosine similarity to that class's
//! examples (nearest-centroid scores), which means the same in every taxonomy, where softmax
//! probabilities depend on how many classes there are.

use crate::classifier::{
    normalize, Classifier, LogisticRegression, LrParams, NearestCentroid, Prediction, TrainError,
};
use crate::offline::{self, Sentence};
use crate::{Analyzer, AnalyzerError};
use domain::issue::{AnalysisOutcome, IssueDraft, MAX_ISSUES_PER_TICKET};
use domain::taxonomy::{IssueType, Severity, Taxonomy};
use domain::text::truncate_words;
use domain::IncomingTicket;
use embed::{EmbedError, Embedder};
use futures::future::BoxFuture;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// When sentences count as evidence for a subcategory, and when a ticket yields more than one
/// issue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Cosine similarity a sentence needs to a subcategory's examples to count as evidence.
    pub min_similarity: f32,
    /// A further issue needs one sentence at least this close to its subcategory…
    pub extra_similarity: f32,
    /// …and a class probability at least this far ahead of that sentence's second-best class.
    pub extra_margin: f32,
    /// How much of its paragraph's mean vector is added to a sentence's before it is
    /// classified: "Social security wages are off by $605.85" is about tax in a paragraph on
    /// Form 941, about pay runs in one on a pay run.
    pub paragraph_context: f32,
    /// How much of the whole message's mean vector is added the same way.
    pub ticket_context: f32,
}

impl Thresholds {
    /// The thresholds for an embedder: each kind's were chosen on the tuning half of the demo
    /// tickets (`make eval`, `eval samples`; a 315-point grid) and checked on the held-out half —
    /// F1 there 0.739 → 0.775 for the encoder, 0.685 → 0.723 for the static table, against the
    /// a-priori 0.40/0.50/0.2. The encoder's were chosen again (issue #16) once further issues
    /// had to be told apart in the message ("P.S. …", a paragraph of their own): 0.25/0.45/0.1,
    /// held-out F1 0.842 → 0.845 (0.833 before the rule). Sentences are classified in their
    /// paragraph's context since: on the tuning half (odd ticket ids, as `make eval-grouping`
    /// splits them) F1 0.808 → 0.882 with the paragraph's mean vector added at weight 1.0 (0.3:
    /// 0.860, 2.0: 0.877; the whole message's instead: 0.851), held-out half 0.874 → 0.872; for
    /// the static table at weight 0.6 with 0.35/0.45/0.1, tuning half 0.767 → 0.825, held-out
    /// half 0.767 → 0.820.
    pub fn for_kind(kind: embed::Kind) -> Self {
        match kind {
            embed::Kind::Encoder => Thresholds {
                min_similarity: 0.20,
                extra_similarity: 0.45,
                extra_margin: 0.1,
                paragraph_context: 1.0,
                ticket_context: 0.0,
            },
            embed::Kind::Static => Thresholds {
                min_similarity: 0.35,
                extra_similarity: 0.45,
                extra_margin: 0.1,
                paragraph_context: 0.6,
                ticket_context: 0.0,
            },
        }
    }
}

impl Default for Thresholds {
    /// The encoder's.
    fn default() -> Self {
        Thresholds::for_kind(embed::Kind::Encoder)
    }
}

/// One ticket's sentences and their embeddings, ready for [`EmbeddingAnalyzer::decide`].
#[derive(Debug, Clone)]
pub struct EmbeddedTicket {
    sentences: Vec<Sentence>,
    vectors: Vec<Vec<f32>>,
    /// The customer's text, normalized, for cue phrases.
    whole: String,
    /// The message is an automatic reply: no issue, whatever its sentences say.
    auto_reply: bool,
    /// The message only thanks or confirms a fix ("Confirmed, it's working now"): a subject
    /// that still names the old problem is no new evidence of it.
    closing: bool,
    /// How many of the sentences come from the subject (they come first).
    from_subject: usize,
}

/// Words a reply that only thanks or confirms a fix has at most.
const CLOSING_WORDS: usize = 30;
/// How much closer than usual a sentence must be to a subcategory when the ticket is about
/// billing, access, paperwork or sales: such tickets name the product in passing.
const NOT_PRODUCT_MARGIN: f32 = 0.25;

/// Whether a message body only thanks or confirms that something works now.
fn closing_note(body: &str) -> bool {
    let normalized = offline::normalize(body);
    normalized.split_whitespace().count() <= CLOSING_WORDS
        && offline::any_cue(&normalized, offline::CLOSING_CUES)
}

impl EmbeddedTicket {
    /// The sentences that were embedded, in ticket order.
    pub fn sentences(&self) -> impl Iterator<Item = &str> {
        self.sentences.iter().map(|s| s.original.as_str())
    }
}

/// Logistic-regression settings: the ones chosen on Banking77's validation split.
const LR_PARAMS: LrParams = LrParams {
    weight_decay: 0.3,
    epochs: 400,
    learning_rate: 0.05,
};
/// Issues one ticket yields at most (tickets rarely describe more distinct problems).
const MAX_ISSUES: usize = 3;
/// Sentences of one ticket that are embedded at most: the first ones (subject, opening
/// paragraph) carry the problem; long threads would otherwise dominate the cost.
const MAX_SENTENCES: usize = 16;
/// Tokens of one sentence the encoder reads at most. The encoder's cost grows with tokens
/// (and attention with their square); a run-on sentence says what it is about early.
pub const MAX_SENTENCE_TOKENS: usize = 64;
/// Classifier rules must beat the example-based severity by this margin to be overridden.
const SEVERITY_MARGIN: f32 = 0.03;

/// Example sentences for issue types and severities (the same for every company).
const EXAMPLES_TOML: &str = include_str!("embedding_examples.toml");

#[derive(Deserialize)]
struct Examples {
    issue_types: HashMap<String, Vec<String>>,
    severities: HashMap<String, Vec<String>>,
}

/// Why the embedding analyzer could not be built or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingAnalyzerError {
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("could not learn from the examples: {0}")]
    Train(#[from] TrainError),
    #[error("the built-in examples are invalid: {0}")]
    Examples(String),
}

/// The embedding analyzer. Build it once (it embeds every example); share it behind an `Arc`.
pub struct EmbeddingAnalyzer {
    embedder: Arc<Embedder>,
    /// Class `i < pairs.len()` is this (category, subcategory); class `pairs.len()` is "no
    /// product issue".
    pairs: Vec<(String, String)>,
    /// Cosine similarity to each class's examples: "is this about that class at all".
    subcategories: NearestCentroid,
    /// Which class a sentence belongs to (measured ahead of nearest centroid, `make eval`).
    subcategory_lr: LogisticRegression,
    issue_types: (NearestCentroid, Vec<IssueType>),
    severities: (NearestCentroid, Vec<Severity>),
    thresholds: Thresholds,
}

impl std::fmt::Debug for EmbeddingAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddingAnalyzer")
            .field("classes", &self.pairs.len())
            .finish_non_exhaustive()
    }
}

impl EmbeddingAnalyzer {
    /// Learns the taxonomy's subcategories from their examples. A subcategory without examples
    /// is learnt from its label and description, so a company's own taxonomy works before
    /// anyone writes examples for it.
    pub fn new(
        embedder: Arc<Embedder>,
        taxonomy: &Taxonomy,
    ) -> Result<Self, EmbeddingAnalyzerError> {
        let mut texts: Vec<String> = Vec::new();
        let mut labels: Vec<usize> = Vec::new();
        let mut pairs = Vec::new();
        for (class, (category, sub)) in taxonomy.pairs().enumerate() {
            pairs.push((category.key.clone(), sub.key.clone()));
            if sub.examples.is_empty() {
                texts.push(format!("{}: {}", sub.label, sub.description));
                labels.push(class);
            }
            for e in &sub.examples {
                texts.push(e.clone());
                labels.push(class);
            }
        }
        let none_class = pairs.len();
        let mut classes = pairs.len();
        if !taxonomy.no_issue_examples.is_empty() {
            classes += 1;
            for e in &taxonomy.no_issue_examples {
                texts.push(e.clone());
                labels.push(none_class);
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed(&refs)?;
        let subcategories = NearestCentroid::fit(&vectors, &labels, classes)?;
        let subcategory_lr = LogisticRegression::fit(&vectors, &labels, classes, LR_PARAMS)?;

        let examples: Examples = toml::from_str(EXAMPLES_TOML)
            .map_err(|e| EmbeddingAnalyzerError::Examples(e.to_string()))?;
        let issue_types = fit_vocabulary(&embedder, &examples.issue_types, IssueType::ALL)?;
        let severities = fit_vocabulary(&embedder, &examples.severities, Severity::ALL)?;
        let thresholds = Thresholds::for_kind(embedder.kind());
        Ok(EmbeddingAnalyzer {
            embedder,
            pairs,
            subcategories,
            subcategory_lr,
            issue_types,
            severities,
            thresholds,
        })
    }

    /// The embedder, for callers that embed the resulting issues too.
    pub fn embedder(&self) -> &Arc<Embedder> {
        &self.embedder
    }

    /// Analyzes one ticket.
    pub fn extract(&self, ticket: &IncomingTicket) -> Result<AnalysisOutcome, EmbedError> {
        Ok(self.extract_batch(&[ticket])?.remove(0))
    }

    /// Analyzes several tickets with their sentences embedded together (much faster per
    /// ticket than one at a time).
    pub fn extract_batch(
        &self,
        tickets: &[&IncomingTicket],
    ) -> Result<Vec<AnalysisOutcome>, EmbedError> {
        Ok(self
            .embed_tickets(tickets)?
            .iter()
            .map(|t| self.decide(t))
            .collect())
    }

    /// The first half of [`EmbeddingAnalyzer::extract_batch`]: each ticket's sentences and
    /// their embeddings (the expensive part), to be turned into issues by
    /// [`EmbeddingAnalyzer::decide`].
    pub fn embed_tickets(
        &self,
        tickets: &[&IncomingTicket],
    ) -> Result<Vec<EmbeddedTicket>, EmbedError> {
        // Every ticket's sentences and flags first; the vectors are filled in below.
        let mut prepared: Vec<EmbeddedTicket> = tickets
            .iter()
            .map(|t| {
                let text = offline::customer_text(t);
                let (subject, body) = (&text.subject, &text.body);
                let mut sentences = offline::sentences(&format!("{subject}.\n{body}"));
                sentences.truncate(MAX_SENTENCES);
                EmbeddedTicket {
                    whole: offline::normalize(&format!("{subject} {body}")),
                    from_subject: offline::sentences(subject).len().min(sentences.len()),
                    closing: closing_note(body),
                    auto_reply: text.auto_reply,
                    sentences,
                    vectors: Vec::new(),
                }
            })
            .collect();
        // Each distinct sentence is embedded once: greetings that survive the filter, "this is
        // urgent", pasted error messages and forwarded text repeat across tickets.
        let mut distinct: HashMap<&str, usize> = HashMap::new();
        let mut texts: Vec<&str> = Vec::new();
        let slots: Vec<Vec<usize>> = prepared
            .iter()
            .map(|t| {
                t.sentences
                    .iter()
                    .map(|s| {
                        *distinct.entry(s.original.as_str()).or_insert_with(|| {
                            texts.push(s.original.as_str());
                            texts.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let vectors = self.embedder.embed_truncated(&texts, MAX_SENTENCE_TOKENS)?;
        for (t, slots) in prepared.iter_mut().zip(&slots) {
            t.vectors = slots.iter().map(|&i| vectors[i].clone()).collect();
        }
        Ok(prepared)
    }

    /// Changes the decision thresholds (`make eval` compares settings on the demo tickets).
    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
    }

    /// Turns the classified sentences of one ticket into its issues.
    pub fn decide(&self, ticket: &EmbeddedTicket) -> AnalysisOutcome {
        let EmbeddedTicket {
            sentences,
            vectors: vecs,
            whole,
            auto_reply,
            closing,
            from_subject,
        } = ticket;
        if *auto_reply {
            return AnalysisOutcome::no_issue(offline::AUTO_REPLY);
        }
        let not_product = offline::NOT_PRODUCT_CUES
            .iter()
            .find(|(cue, _)| offline::contains_phrase(whole, cue))
            .map(|(_, reason)| *reason);
        let t = self.thresholds;
        let contextual = in_context(vecs, sentences, t);
        // The class is logistic regression's; the score is the cosine to that class's
        // examples (comparable across taxonomies), the margin the probability margin.
        let predictions: Vec<Prediction> = contextual
            .iter()
            .map(|v| {
                let p = self.subcategory_lr.predict(v);
                Prediction {
                    score: self.subcategories.scores(v)[p.class],
                    ..p
                }
            })
            .collect();
        // Evidence per subcategory: the sentences that land in it closely enough.
        let needed = t.min_similarity
            + if not_product.is_some() {
                NOT_PRODUCT_MARGIN
            } else {
                0.0
            };
        let mut evidence: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, p) in predictions.iter().enumerate() {
            // A thank-you under the old subject: the subject is no new report.
            let stale_subject = *closing && i < *from_subject;
            if p.class < self.pairs.len() && p.score >= needed && !stale_subject {
                evidence.entry(p.class).or_default().push(i);
            }
        }
        let strength =
            |class: &usize| -> f32 { evidence[class].iter().map(|&i| predictions[i].score).sum() };
        let mut ranked: Vec<usize> = evidence.keys().copied().collect();
        ranked.sort_by(|a, b| strength(b).total_cmp(&strength(a)).then(a.cmp(b)));

        let Some(&primary) = ranked.first() else {
            let skip = not_product.unwrap_or(if *closing {
                "Thanks or confirmation"
            } else {
                "No product issue described"
            });
            return AnalysisOutcome {
                issues: vec![],
                no_product_issue: true,
                skip_reason: Some(skip.to_string()),
            };
        };
        let best = |class: usize| -> usize {
            *evidence[&class]
                .iter()
                .max_by(|&&a, &&b| predictions[a].score.total_cmp(&predictions[b].score))
                .expect("evidence is never empty")
        };
        // One problem is told in one place: a further issue needs evidence in the body, in a
        // part of the message where no chosen issue has any ("P.S. …", a paragraph of its
        // own) — not a consequence of the first problem told in its words.
        let told_apart = |class: usize, chosen: &[usize]| -> bool {
            let taken: Vec<usize> = chosen
                .iter()
                .flat_map(|c| &evidence[c])
                .filter(|&&j| j >= *from_subject)
                .map(|&j| sentences[j].paragraph)
                .collect();
            evidence[&class]
                .iter()
                .any(|&i| i >= *from_subject && !taken.contains(&sentences[i].paragraph))
        };
        let mut chosen = vec![primary];
        for &class in ranked.iter().skip(1) {
            let p = predictions[best(class)];
            if chosen.len() < MAX_ISSUES.min(MAX_ISSUES_PER_TICKET)
                && p.score >= t.extra_similarity
                && p.margin >= t.extra_margin
                && told_apart(class, &chosen)
            {
                chosen.push(class);
            }
        }

        let issues = chosen
            .into_iter()
            .map(|class| {
                let (category, subcategory) = &self.pairs[class];
                let top = best(class);
                let own: Vec<usize> = evidence[&class].clone();
                let own_text = own
                    .iter()
                    .map(|&i| sentences[i].normalized.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let margin = predictions[top].margin;
                let confidence = (0.5 + 0.45 * margin).clamp(0.3, 0.95);
                IssueDraft {
                    category: category.clone(),
                    subcategory: subcategory.clone(),
                    issue_type: self.issue_type(&own_text, &vecs[top]).as_str().to_string(),
                    severity: self
                        .severity(&own_text, whole, &vecs[top])
                        .as_str()
                        .to_string(),
                    summary: domain::cleaning::problem_statement(&sentences[top].original, 140),
                    detail: Some(truncate_words(
                        &own.iter()
                            .map(|&i| sentences[i].original.as_str())
                            .collect::<Vec<_>>()
                            .join(". "),
                        600,
                    )),
                    representative_quote: Some(truncate_words(&sentences[top].original, 300)),
                    confidence: Some((f64::from(confidence) * 100.0).round() / 100.0),
                }
            })
            .collect();
        AnalysisOutcome {
            issues,
            no_product_issue: false,
            skip_reason: None,
        }
    }

    /// The issue type the analyzer gives a text whose embedding is `vector` (cue phrases
    /// first, then the nearest built-in examples), for measuring it on whole texts.
    pub fn classify_issue_type(&self, text: &str, vector: &[f32]) -> IssueType {
        self.issue_type(&offline::normalize(text), vector)
    }

    /// Cue phrases decide when they are present ("would be great" is a feature request);
    /// otherwise the nearest issue-type examples do.
    fn issue_type(&self, own_text: &str, vector: &[f32]) -> IssueType {
        match offline::issue_type(own_text) {
            IssueType::Bug => {
                let (classifier, types) = &self.issue_types;
                types[classifier.predict(vector).class]
            }
            cued => cued,
        }
    }

    /// Seed 000's rules first (money and compliance words are critical, "minor" is low);
    /// without such words the nearest severity examples may raise or lower the rules' default.
    fn severity(&self, own_text: &str, whole: &str, vector: &[f32]) -> Severity {
        let by_rule = offline::severity(own_text, whole);
        if matches!(by_rule, Severity::Critical | Severity::Low) {
            return by_rule;
        }
        let (classifier, levels) = &self.severities;
        let p = classifier.predict(vector);
        match levels[p.class] {
            Severity::Critical | Severity::High if p.margin >= SEVERITY_MARGIN => Severity::High,
            _ => by_rule,
        }
    }
}

/// Each sentence's vector with its paragraph's and its message's mean vectors added (weights
/// from `t`), normalized: what the sentence means where it is said.
fn in_context(vectors: &[Vec<f32>], sentences: &[Sentence], t: Thresholds) -> Vec<Vec<f32>> {
    if t.paragraph_context == 0.0 && t.ticket_context == 0.0 {
        return vectors.to_vec();
    }
    let dim = vectors.first().map_or(0, Vec::len);
    // Unnormalized sums per paragraph and for the whole message, each computed once.
    let mut paragraphs: HashMap<usize, Vec<f32>> = HashMap::new();
    let mut whole = vec![0.0; dim];
    for (v, s) in vectors.iter().zip(sentences) {
        let sum = paragraphs
            .entry(s.paragraph)
            .or_insert_with(|| vec![0.0; dim]);
        sum.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        whole.iter_mut().zip(v).for_each(|(a, b)| *a += b);
    }
    paragraphs.values_mut().for_each(|m| normalize(m));
    normalize(&mut whole);
    vectors
        .iter()
        .zip(sentences)
        .map(|(v, s)| {
            let own = &paragraphs[&s.paragraph];
            let mut c: Vec<f32> = v
                .iter()
                .zip(own)
                .zip(&whole)
                .map(|((x, o), w)| x + t.paragraph_context * o + t.ticket_context * w)
                .collect();
            normalize(&mut c);
            c
        })
        .collect()
}

/// Embeds `texts` and learns their classes' centroids.
fn fit(
    embedder: &Embedder,
    texts: &[String],
    labels: &[usize],
    classes: usize,
) -> Result<NearestCentroid, EmbeddingAnalyzerError> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs)?;
    Ok(NearestCentroid::fit(&vectors, labels, classes)?)
}

/// Learns a closed vocabulary (issue types, severities) from the built-in examples, which must
/// cover every value.
fn fit_vocabulary<T: Copy + std::fmt::Display>(
    embedder: &Embedder,
    examples: &HashMap<String, Vec<String>>,
    all: &[T],
) -> Result<(NearestCentroid, Vec<T>), EmbeddingAnalyzerError> {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for (class, value) in all.iter().enumerate() {
        let list = examples
            .get(&value.to_string())
            .ok_or_else(|| EmbeddingAnalyzerError::Examples(format!("no examples for {value}")))?;
        texts.extend(list.iter().cloned());
        labels.extend(std::iter::repeat_n(class, list.len()));
    }
    Ok((fit(embedder, &texts, &labels, all.len())?, all.to_vec()))
}

impl Analyzer for EmbeddingAnalyzer {
    fn name(&self) -> &'static str {
        "offline-embeddings"
    }

    fn model(&self) -> Option<&str> {
        Some(self.embedder.model_name())
    }

    fn analyze<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisOutcome, AnalyzerError>> {
        Box::pin(async move {
            crate::cpu_bound(|| self.extract(ticket))
                .map_err(|e| AnalyzerError::Permanent(e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::tests::ticket;
    use std::sync::OnceLock;

    fn analyzer() -> &'static EmbeddingAnalyzer {
        static A: OnceLock<EmbeddingAnalyzer> = OnceLock::new();
        A.get_or_init(|| {
            let embedder = embed::shared().expect("model present: run `make model`");
            EmbeddingAnalyzer::new(embedder, &Taxonomy::default()).unwrap()
        })
    }

    fn analyze(subject: &str, description: &str) -> AnalysisOutcome {
        let outcome = analyzer().extract(&ticket(subject, description)).unwrap();
        outcome
            .validate(&Taxonomy::default())
            .expect("valid against the taxonomy");
        outcome
    }

    fn subcategories(o: &AnalysisOutcome) -> Vec<&str> {
        o.issues.iter().map(|i| i.subcategory.as_str()).collect()
    }

    #[test]
    fn a_clock_in_problem_is_a_punch_issue_in_the_customers_words() {
        let o = analyze(
            "App problem",
            "Hi team,\nSince Tuesday nobody on the night crew is able to register the start of \
             their shift from their phones. The screen just spins.\nThanks, Dana",
        );
        assert_eq!(subcategories(&o), ["punch_in_out"], "{o:?}");
        let issue = &o.issues[0];
        assert!(
            issue.summary.contains("start of their shift"),
            "{}",
            issue.summary
        );
        assert!(issue.confidence.unwrap() > 0.3);
    }

    #[test]
    fn a_thank_you_and_an_invoice_question_are_not_product_issues() {
        for (subject, body) in [
            ("Thanks!", "That sorted it out, much appreciated."),
            (
                "Invoice copy",
                "Could you email me a copy of the October invoice for our accountant?",
            ),
        ] {
            let o = analyze(subject, body);
            assert!(o.no_product_issue, "{subject}: {o:?}");
            assert!(o.issues.is_empty());
        }
    }

    #[test]
    fn two_distinct_problems_become_two_issues() {
        let o = analyze(
            "Two things",
            "The terminal by the loading dock drops off the wireless network every night and \
             only comes back after we power cycle it. Also, the vacation balances for three \
             people did not go up after their work anniversary.",
        );
        let mut subs = subcategories(&o);
        subs.sort();
        assert_eq!(subs, ["hardware_issues", "pto"], "{o:?}");
    }

    #[test]
    fn one_problem_told_with_its_consequences_is_one_issue() {
        let o = analyze(
            "Clock offline",
            "Since the firmware update the wall terminal drops off the wireless network every \
             night. The punches pile up on the device and managers see people as not clocked \
             in.\n\nThanks,\nDana",
        );
        assert_eq!(subcategories(&o), ["hardware_issues"], "{o:?}");
    }

    #[test]
    fn unpaid_employees_are_critical_and_wishes_are_feature_requests() {
        let o = analyze(
            "Money missing",
            "Two of our drivers never received their pay in their bank accounts this Friday; \
             the deposit bounced back.",
        );
        assert_eq!(subcategories(&o), ["direct_deposits"], "{o:?}");
        assert_eq!(o.issues[0].severity, "critical");

        let o = analyze(
            "Suggestion",
            "It would be great if the timesheet report could be grouped by department.",
        );
        assert_eq!(o.issues[0].issue_type, "feature_request", "{o:?}");
    }

    #[test]
    fn a_batch_gives_the_same_answers_as_one_ticket_at_a_time() {
        let a = ticket(
            "Overtime",
            "Overtime for the weekend shift was paid at the normal rate.",
        );
        let b = ticket("Hi", "Thanks for your help last week!");
        let batch = analyzer().extract_batch(&[&a, &b]).unwrap();
        let (one_a, one_b) = (
            analyzer().extract(&a).unwrap(),
            analyzer().extract(&b).unwrap(),
        );
        assert_eq!(subcategories(&batch[0]), subcategories(&one_a));
        assert_eq!(batch[0].issues[0].summary, one_a.issues[0].summary);
        assert_eq!(batch[1].no_product_issue, one_b.no_product_issue);
        assert_eq!(subcategories(&batch[0]), ["errors"], "{:?}", batch[0]);
    }
}
