//! Every PostgreSQL advisory lock the services take, in one list.
//!
//! Advisory locks are one key space per database: two jobs that pick the same number wait for
//! each other without either meaning to (a Claude batch once waited for every Zendesk sync,
//! because both used 7242872). So no query names a lock by a literal: the fixed locks are the
//! variants of [`Lock`], whose keys are the enum's discriminants (the compiler refuses two
//! variants with one discriminant), and the per-subcategory locks of the clusterer live in
//! their own space, the two-key form `(SUBCATEGORY_SPACE, hashtext(..))`, which PostgreSQL
//! keeps apart from single bigint keys.
//!
//! A key may never change once released: a replica still running the old build would take
//! the old key and no longer exclude the new one. Add variants; do not renumber.

/// A lock held by one process (or transaction) at a time across every replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i64)]
pub enum Lock {
    /// Applying migrations (every service migrates at start-up).
    Migrations = 7_242_871,
    /// A Zendesk incremental sync; the API reads it to tell a running sync from an
    /// interrupted one.
    ZendeskSync = 7_242_872,
    /// Choosing the tickets of a new Claude Message Batch, so two analyzer replicas never
    /// put one ticket in two batches.
    ClaudeBatchOpen = 7_242_873,
}

impl Lock {
    /// Every lock, for the test that checks their keys and for operators reading `pg_locks`.
    pub const ALL: [Lock; 3] = [Lock::Migrations, Lock::ZendeskSync, Lock::ClaudeBatchOpen];

    /// The bigint key passed to `pg_advisory_lock` and friends.
    pub const fn key(self) -> i64 {
        self as i64
    }

    /// What holds it, for logs and for `pg_locks` readers.
    pub fn purpose(self) -> &'static str {
        match self {
            Lock::Migrations => "migrations",
            Lock::ZendeskSync => "zendesk sync",
            Lock::ClaudeBatchOpen => "opening a Claude batch",
        }
    }
}

/// The first key of the two-key form used for a subcategory's clusters; the second is
/// `hashtext('cluster:{category}/{subcategory}')`.
pub const SUBCATEGORY_SPACE: i32 = 7_242_880;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_lock_has_its_own_key() {
        let keys: HashSet<i64> = Lock::ALL.iter().map(|l| l.key()).collect();
        assert_eq!(keys.len(), Lock::ALL.len());
        // ALL names every variant: this match stops compiling when one is added without it.
        for lock in Lock::ALL {
            match lock {
                Lock::Migrations | Lock::ZendeskSync | Lock::ClaudeBatchOpen => {}
            }
        }
        assert_eq!(
            Lock::ALL
                .iter()
                .map(|l| l.purpose())
                .collect::<HashSet<_>>()
                .len(),
            Lock::ALL.len()
        );
    }

    /// No query takes an advisory lock by a literal number: each names a [`Lock`] (or the
    /// subcategory space), so a new lock cannot silently reuse a key.
    #[test]
    fn no_source_file_takes_an_advisory_lock_by_number() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut offenders = Vec::new();
        for dir in ["crates", "services"] {
            visit(&root.join(dir), &mut |path, text| {
                for (n, line) in text.lines().enumerate() {
                    if let Some(at) = line.find("advisory_") {
                        let rest = &line[at..];
                        let literal = rest
                            .find('(')
                            .map(|p| &rest[p + 1..])
                            .is_some_and(|args| args.starts_with(|c: char| c.is_ascii_digit()));
                        if literal {
                            offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            });
        }
        assert!(
            offenders.is_empty(),
            "advisory locks by number (use db::locks):\n{}",
            offenders.join("\n")
        );
    }

    fn visit(dir: &std::path::Path, f: &mut dyn FnMut(&std::path::Path, &str)) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    visit(&path, f);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    f(&path, &text);
                }
            }
        }
    }
}
