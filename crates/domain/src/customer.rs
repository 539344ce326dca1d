//! Who a customer is, for counting the customers a problem touches.

/// Public mailbox providers: a requester at one of these says nothing about their company.
const PERSONAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
];

/// The key a ticket's customer is counted by: the organization name when the source knows it,
/// otherwise the requester's email domain, otherwise (a personal mailbox) the address itself.
///
/// Keys are lower-cased and trimmed so "Acme Corp" and "acme corp " count once.
pub fn customer_key(org_name: Option<&str>, requester_email: Option<&str>) -> Option<String> {
    if let Some(org) = org_name.map(str::trim).filter(|o| !o.is_empty()) {
        return Some(format!("org:{}", org.to_lowercase()));
    }
    let email = requester_email.map(str::trim).filter(|e| e.contains('@'))?;
    let email = email.to_lowercase();
    let domain = email.rsplit('@').next().unwrap_or_default();
    if domain.is_empty() || PERSONAL_DOMAINS.contains(&domain) {
        Some(format!("email:{email}"))
    } else {
        Some(format!("domain:{domain}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_wins_over_email_and_ignores_case_and_spaces() {
        assert_eq!(
            customer_key(Some(" Acme Corp "), Some("a@b.com")).as_deref(),
            Some("org:acme corp")
        );
    }

    #[test]
    fn without_organization_the_company_domain_identifies_the_customer() {
        assert_eq!(
            customer_key(None, Some("Dana@BrightPath.com")).as_deref(),
            Some("domain:brightpath.com")
        );
        assert_eq!(
            customer_key(Some("  "), Some("x@brightpath.com")).as_deref(),
            Some("domain:brightpath.com")
        );
    }

    #[test]
    fn personal_mailboxes_count_per_address_not_per_provider() {
        assert_eq!(
            customer_key(None, Some("joe@gmail.com")).as_deref(),
            Some("email:joe@gmail.com")
        );
    }

    #[test]
    fn no_organization_and_no_usable_email_is_unknown() {
        assert_eq!(customer_key(None, None), None);
        assert_eq!(customer_key(None, Some("not-an-email")), None);
    }
}
