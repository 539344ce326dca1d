//! Recall per PII type on a labelled corpus written for this project
//! (tests/data/pii_corpus.jsonl: one text per line, its type and the exact personal spans;
//! type NONE lines hold none), and the false-positive rate on the PII-free lines. A span is
//! caught when no word of it survives in the scrubbed text.

use analysis::pii::Redactor;
use std::collections::BTreeMap;

const CORPUS: &str = include_str!("data/pii_corpus.jsonl");

#[derive(serde::Deserialize)]
struct Case {
    #[serde(rename = "type")]
    kind: String,
    text: String,
    pii: Vec<String>,
    #[serde(default)]
    requester_email: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Whether `span`, or any piece of it (an alphanumeric run of 3+ characters) as a whole
/// word, is still in `scrubbed`.
fn survives(span: &str, scrubbed: &str) -> bool {
    if scrubbed.contains(span) {
        return true;
    }
    let words: Vec<&str> = scrubbed.split(|c: char| !c.is_alphanumeric()).collect();
    span.replace('\u{FF20}', "@")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| p.len() >= 3)
        .any(|p| words.contains(&p))
}

#[test]
fn every_pii_type_is_caught_with_recall_of_at_least_95_percent() {
    let mut per_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut clean, mut altered) = (0usize, Vec::new());
    let mut misses = Vec::new();
    for line in CORPUS.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).expect("corpus line is JSON");
        let redactor = Redactor::new(case.requester_email.as_deref(), None, &case.tags);
        let scrubbed = redactor.scrub(&case.text);
        if case.kind == "NONE" {
            clean += 1;
            if scrubbed != case.text {
                altered.push(format!("{:?} -> {:?}", case.text, scrubbed));
            }
            continue;
        }
        let entry = per_type.entry(case.kind.clone()).or_default();
        for span in &case.pii {
            entry.1 += 1;
            if survives(span, &scrubbed) {
                misses.push(format!("{}: {span:?} survives in {scrubbed:?}", case.kind));
            } else {
                entry.0 += 1;
            }
        }
    }
    let fp_rate = altered.len() as f64 / clean as f64;
    println!(
        "PII recall per type on {} labelled texts:",
        per_type.values().map(|v| v.1).sum::<usize>()
    );
    for (kind, (caught, total)) in &per_type {
        println!(
            "  {kind:<12} {caught}/{total} = {:.3}",
            *caught as f64 / *total as f64
        );
    }
    println!(
        "false positives: {}/{clean} PII-free texts altered = {fp_rate:.3}",
        altered.len()
    );
    for a in &altered {
        println!("  altered: {a}");
    }
    for m in &misses {
        println!("  missed: {m}");
    }
    for (kind, (caught, total)) in &per_type {
        let recall = *caught as f64 / *total as f64;
        assert!(
            recall >= 0.95,
            "{kind} recall {recall:.3} < 0.95:\n{}",
            misses.join("\n")
        );
    }
    assert!(
        fp_rate <= 0.10,
        "false-positive rate {fp_rate:.3}:\n{}",
        altered.join("\n")
    );
}

#[test]
fn no_field_of_a_ticket_reaches_the_prompt_with_personal_data() {
    let at = chrono::Utc::now();
    let ticket = domain::IncomingTicket {
        source: domain::SourceKind::Whatsapp,
        source_id: "16505551234".into(),
        subject: Some("Call 4155550134 about Brenda's clock".into()),
        description: Some(
            "Hi, SSN 123 45 6789, pw: hunter2, IBAN gb82 west 1234 5698 7654 32.".into(),
        ),
        public_comments: Some("Thanks,\nBrenda Castillo".into()),
        internal_notes: Some("aws key AKIAIOSFODNN7EXAMPLE, lives at 1234 Maple Grove Ave".into()),
        requester_email: Some("brenda.castillo@keystone.example".into()),
        requester_org_name: Some("Keystone Fulfillment".into()),
        source_org_id: None,
        tags: vec![
            "ssn:123-45-6789".into(),
            "customer:Brenda Castillo".into(),
            "whatsapp_profile:Sheena Nelson".into(),
            "slack_user:U024BE7LH".into(),
            "hardware".into(),
        ],
        status: None,
        priority: None,
        created_at: at,
        updated_at: at,
    };
    let prompt = analysis::claude::extraction_user_prompt(&ticket);
    for leaked in [
        "16505551234",
        "4155550134",
        "Brenda",
        "Castillo",
        "6789",
        "hunter2",
        "gb82",
        "AKIA",
        "Maple",
        "Keystone",
        "Sheena",
        "U024BE7LH",
        "brenda.castillo",
    ] {
        assert!(!prompt.contains(leaked), "{leaked} leaked:\n{prompt}");
    }
    assert!(prompt.contains("hardware"), "{prompt}");
}
