//! The scrubber over every text of the bundled sample tickets: none of their (fake) personal
//! data survives, and the facts an analyst needs do.

use analysis::pii::scrub;
use regex::Regex;

const SAMPLES: &str = include_str!("../../../services/ingest/data/sample_tickets.jsonl");

/// Every string value of every ticket (subjects, descriptions, comment bodies, emails …).
fn texts() -> Vec<String> {
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for line in SAMPLES.lines().filter(|l| !l.trim().is_empty()) {
        collect(
            &serde_json::from_str(line).expect("sample line is JSON"),
            &mut out,
        );
    }
    out
}

#[test]
fn no_personal_data_of_the_samples_survives_scrubbing() {
    let leaks = [
        (
            "phone",
            Regex::new(r"\b\d{3}[-. ]555[-. ]01\d{2}\b").unwrap(),
        ),
        ("ssn", Regex::new(r"\b\d{3}-\d{2}-\d{4}\b").unwrap()),
        (
            "card",
            Regex::new(r"4111[ -]?1111[ -]?1111[ -]?1111").unwrap(),
        ),
        ("email", Regex::new(r"[\w.+-]+@[\w-]+\.[\w.]+").unwrap()),
        (
            "routing",
            Regex::new(r"(?i)routing\D{0,30}110000000").unwrap(),
        ),
    ];
    let texts = texts();
    let mut found = 0;
    for text in &texts {
        let clean = scrub(text);
        for (what, re) in &leaks {
            if re.is_match(text) {
                found += 1;
            }
            assert!(!re.is_match(&clean), "{what} survived in {clean:?}");
        }
    }
    assert!(
        found > 50,
        "the samples do contain such data ({found} texts)"
    );
}

#[test]
fn invoice_numbers_amounts_and_dates_of_the_samples_survive() {
    let facts = Regex::new(r"INV-2026-\d{5}|\$\d[\d,]*\.\d{2}|\b2026-\d{2}-\d{2}\b").unwrap();
    let mut kept = 0;
    for text in texts() {
        let clean = scrub(&text);
        for m in facts.find_iter(&text) {
            assert!(
                clean.contains(m.as_str()),
                "{:?} lost from {clean:?}",
                m.as_str()
            );
            kept += 1;
        }
    }
    assert!(kept > 20, "checked {kept} facts");
}
