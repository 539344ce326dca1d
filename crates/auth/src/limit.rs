//! Rate limits, per credential and per address, with 429 + Retry-After.
//!
//! Each limit is a GCRA bucket per key (`governor`): `per_minute` requests a minute, any of them
//! at once. The buckets live in the process, so each replica enforces its own; with N replicas
//! behind a balancer a client gets at most N times the limit. A limit of 0 is off.
//!
//! Keys: a request with a bearer counts against its credential (the hash of the token, so
//! each API token and each person's session has its own budget; the dashboard's server sends
//! many people's requests from one address); every request also counts against its peer
//! address, with a budget several people fit in. Sign-ins count per email and per address,
//! so guessing one person's password is slow however many addresses try, and one address
//! cannot spray many emails.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Checks between two sweeps of idle buckets (bounds memory under many keys).
const SWEEP_EVERY: u64 = 10_000;

/// The per-minute budgets; 0 turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// `RATE_LIMIT_API_PER_MIN`: requests per credential (default 1,200).
    pub api_per_credential: u32,
    /// `RATE_LIMIT_ADDRESS_PER_MIN`: requests per peer address (default 6,000).
    pub per_address: u32,
    /// `RATE_LIMIT_LOGIN_PER_MIN`: sign-in attempts per email (default 10); per address it is
    /// five times that.
    pub login_per_email: u32,
    /// `RATE_LIMIT_TRUSTED_PROXIES`: peers (the dashboard's server, a balancer) whose
    /// `X-Forwarded-For` names the client; from anyone else it is ignored.
    pub trusted_proxies: Vec<Network>,
}

/// An address or a CIDR block (`10.0.0.0/8`, `fd00::/8`): a private network's addresses change
/// with every deploy, its range does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (a, b, bits) = match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
            _ => return false,
        };
        let prefix = u32::from(self.prefix);
        if prefix == 0 {
            return true;
        }
        let shift = bits - prefix;
        (a >> shift) == (b >> shift)
    }
}

impl std::str::FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|e| format!("{s:?}: {e}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Network { addr, prefix })
    }
}

impl LimitSettings {
    /// No limits (tests and benchmarks).
    pub const OFF: LimitSettings = LimitSettings {
        api_per_credential: 0,
        per_address: 0,
        login_per_email: 0,
        trusted_proxies: Vec::new(),
    };
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            api_per_credential: 1_200,
            per_address: 6_000,
            login_per_email: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A request over its budget.
#[derive(Debug, thiserror::Error)]
#[error("too many requests {what}: try again in {retry_after} s")]
pub struct Limited {
    pub what: &'static str,
    /// Whole seconds until the next request would pass (at least 1).
    pub retry_after: u64,
}

impl ResponseError for Limited {
    fn status_code(&self) -> StatusCode {
        StatusCode::TOO_MANY_REQUESTS
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, self.retry_after.to_string()))
            .json(serde_json::json!({ "error": "too_many_requests", "message": self.to_string() }))
    }
}

/// One keyed limit.
struct Bucket {
    limiter: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
    what: &'static str,
}

impl Bucket {
    fn new(per_minute: u32, what: &'static str) -> Option<Self> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(Bucket {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            checks: AtomicU64::new(0),
            what,
        })
    }

    fn check(&self, key: &str) -> Result<(), Limited> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&key.to_string())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Limited {
                    what: self.what,
                    retry_after: wait.max(Duration::from_secs(1)).as_secs_f64().ceil() as u64,
                }
            })
    }
}

/// Every limit of a service.
pub struct Limits {
    credential: Option<Bucket>,
    address: Option<Bucket>,
    login_email: Option<Bucket>,
    login_address: Option<Bucket>,
    trusted_proxies: Vec<Network>,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        Limits {
            credential: Bucket::new(settings.api_per_credential, "for this credential"),
            address: Bucket::new(settings.per_address, "from this address"),
            login_email: Bucket::new(settings.login_per_email, "signing in as this email"),
            login_address: Bucket::new(
                settings.login_per_email.saturating_mul(5),
                "signing in from this address",
            ),
            trusted_proxies: settings.trusted_proxies,
        }
    }

    /// No limits (tests and benchmarks).
    pub fn off() -> Self {
        Limits::new(LimitSettings::OFF)
    }

    /// A request: against its credential when it has a bearer, and its address.
    pub fn check_request(&self, req: &HttpRequest) -> Result<(), Limited> {
        if let (Some(bucket), Some(token)) = (&self.credential, crate::bearer(req)) {
            bucket.check(&crate::hash_token(token))?;
        }
        self.check_address(req)
    }

    /// A request against its peer address only (webhooks, which carry no bearer).
    pub fn check_address(&self, req: &HttpRequest) -> Result<(), Limited> {
        match (&self.address, self.client(req)) {
            (Some(bucket), Some(ip)) => bucket.check(&ip.to_string()),
            _ => Ok(()),
        }
    }

    /// A sign-in attempt, against the email (when one is given) and the address.
    pub fn check_login(&self, req: &HttpRequest, email: &str) -> Result<(), Limited> {
        if let (Some(bucket), false) = (&self.login_email, email.is_empty()) {
            bucket.check(email)?;
        }
        match (&self.login_address, self.client(req)) {
            (Some(bucket), Some(ip)) => bucket.check(&ip.to_string()),
            _ => Ok(()),
        }
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last
    /// address its `X-Forwarded-For` names that is not itself a trusted proxy.
    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let trusted = |ip: IpAddr| self.trusted_proxies.iter().any(|n| n.contains(ip));
        if !trusted(peer) {
            return Some(peer);
        }
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !trusted(*ip))
                .unwrap_or(peer),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(ip: &str, bearer: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{ip}:5000").parse().unwrap());
        if let Some(b) = bearer {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {b}")));
        }
        req.to_http_request()
    }

    #[test]
    fn a_credential_over_its_budget_waits_and_others_do_not() {
        let limits = Limits::new(LimitSettings {
            api_per_credential: 3,
            ..LimitSettings::OFF
        });
        for _ in 0..3 {
            limits
                .check_request(&from("10.0.0.1", Some("imt_a")))
                .unwrap();
        }
        let refused = limits
            .check_request(&from("10.0.0.2", Some("imt_a")))
            .unwrap_err();
        assert!((1..=20).contains(&refused.retry_after), "{refused:?}");
        assert_eq!(
            refused.error_response().status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        limits
            .check_request(&from("10.0.0.1", Some("imt_b")))
            .unwrap();
        // No bearer and no address limit: nothing to count.
        limits.check_request(&from("10.0.0.1", None)).unwrap();
    }

    #[test]
    fn sign_ins_count_per_email_and_per_address() {
        let limits = Limits::new(LimitSettings {
            login_per_email: 2,
            ..LimitSettings::OFF
        });
        let req = from("10.0.0.1", None);
        limits.check_login(&req, "ana@example.com").unwrap();
        limits
            .check_login(&from("10.0.0.9", None), "ana@example.com")
            .unwrap();
        assert!(limits
            .check_login(&from("10.0.0.7", None), "ana@example.com")
            .is_err());
        // The address allows five times the per-email budget, across emails.
        for i in 0..9 {
            limits
                .check_login(&req, &format!("p{i}@example.com"))
                .unwrap();
        }
        assert!(limits.check_login(&req, "other@example.com").is_err());
        assert!(Limits::off().check_login(&req, "ana@example.com").is_ok());
    }

    #[test]
    fn only_a_trusted_proxy_says_who_the_client_is() {
        let limits = Limits::new(LimitSettings {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()],
            ..LimitSettings::default()
        });
        let via = |peer: &str, xff: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:5000").parse().unwrap())
                .insert_header(("x-forwarded-for", xff))
                .to_http_request()
        };
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(
            limits.client(&via("127.0.0.1", "198.51.100.7")),
            ip("198.51.100.7")
        );
        // A client cannot name itself through a trusted proxy: the proxy's own hop counts.
        assert_eq!(
            limits.client(&via("127.0.0.1", "1.2.3.4, 198.51.100.7")),
            ip("198.51.100.7")
        );
        assert_eq!(
            limits.client(&via("203.0.113.5", "198.51.100.7")),
            ip("203.0.113.5")
        );
        assert_eq!(limits.client(&via("127.0.0.1", "garbage")), ip("127.0.0.1"));
        // A range: the balancer at 10.1.2.3 forwards for the dashboard at 10.9.9.9.
        assert_eq!(
            limits.client(&via("10.1.2.3", "198.51.100.7, 10.9.9.9")),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn networks_hold_their_addresses() {
        let net = |s: &str| s.parse::<Network>().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(net("10.0.0.0/8").contains(ip("10.255.0.1")));
        assert!(!net("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(net("172.16.0.0/12").contains(ip("172.31.9.9")));
        assert!(!net("172.16.0.0/12").contains(ip("172.32.0.1")));
        assert!(net("fd00::/8").contains(ip("fd12:3456::1")));
        assert!(!net("fd00::/8").contains(ip("fe80::1")));
        assert!(net("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert!(!net("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(net("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("ten".parse::<Network>().is_err());
    }
}
