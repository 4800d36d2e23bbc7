//! Concurrency stress: one `Authenticator` shared by many threads, against a loopback JWKS
//! endpoint that rotates its keys every few dozen milliseconds and fails intermittently
//! (HTTP 500/503, slow replies, dropped connections), with a JWKS policy that refetches
//! constantly. Invariants:
//!
//! * attacker-signed, expired and garbage tokens are never signed in;
//! * a signed-in result always carries the user, session and token that were sent (every
//!   thread has its own user, so cross-talk between threads would show);
//! * a genuine token signed with a key the server serves during the whole request is signed
//!   in, or fails only for a network-ish reason (`backend-api-unreachable`,
//!   `jwk-remote-failed-to-load`, `jwk-kid-mismatch` while rotating), and the success rate
//!   stays above a floor;
//! * no deadlock: the workers finish under a watchdog.
//!
//! Set `CLERKAUTH_STRESS_REPORT=1` (with `--nocapture`) to print the counts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::transport::HttpTransport;
use clerkauth::{AuthObject, AuthStatus, Authenticator, Options, Request, RequestState};
use serde_json::{json, Value};

mod support;
use support::{Reply, Server};

const FAPI: &str = "stress-rotation-3.clerk.accounts.dev";
const APP: &str = "https://app.example.com";
/// Keys in the rotation cycle; generation `g` serves keys `g % KEYS` and `(g - 1) % KEYS`.
const KEYS: usize = 8;
const ROTATE_EVERY_MS: u64 = 80;
const THREADS: usize = 12;
const REQUESTS_PER_THREAD: usize = 500;
const WATCHDOG: Duration = Duration::from_secs(60);
/// Reasons a genuine token may fail with while the Backend API misbehaves or rotates.
const NETWORKISH: [&str; 3] = ["backend-api-unreachable", "jwk-remote-failed-to-load", "jwk-kid-mismatch"];
const EXPIRED: &str = "session-token-expired-refresh-non-eligible-no-refresh-cookie";

struct SigningKey {
    pair: KeyPair,
    kid: String,
    jwk: Value,
}

impl SigningKey {
    fn generate(kid: String) -> SigningKey {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA keygen");
        let pk = pair.public_key();
        let jwk = json!({
            "use": "sig", "kty": "RSA", "kid": kid, "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(pk.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(pk.exponent().big_endian_without_leading_zero()),
        });
        SigningKey { pair, kid, jwk }
    }

    /// An RS256 token with this key's private key and `kid` in the header.
    fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "kid": kid, "typ": "JWT"});
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).expect("RSA sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

// ----- a rotating, flaky JWKS endpoint -----

#[derive(Default)]
struct ServerStats {
    hits: AtomicUsize,
    ok: AtomicUsize,
    http_500: AtomicUsize,
    http_503: AtomicUsize,
    dropped: AtomicUsize,
    slow: AtomicUsize,
}

struct RotatingJwks {
    url: String,
    started: Instant,
    stats: Arc<ServerStats>,
    _server: Server,
}

fn generation_at(started: Instant) -> usize {
    (started.elapsed().as_millis() as u64 / ROTATE_EVERY_MS) as usize
}

/// The key indexes served in generation `g`.
fn served(g: usize) -> [usize; 2] {
    [g % KEYS, (g + KEYS - 1) % KEYS]
}

impl RotatingJwks {
    fn start(keys: Arc<Vec<SigningKey>>) -> RotatingJwks {
        let started = Instant::now();
        let stats = Arc::new(ServerStats::default());
        let st = stats.clone();
        let server = Server::start(move |_, target| {
            st.hits.fetch_add(1, Ordering::SeqCst);
            let mut delay = Duration::ZERO;
            if rand::random::<f64>() < 0.2 {
                st.slow.fetch_add(1, Ordering::SeqCst);
                delay = Duration::from_millis(rand::random_range(10..=200));
            }
            let roll = rand::random::<f64>();
            let (status, body) = if target != "/v1/jwks" {
                (404, json!({}))
            } else if roll < 0.10 {
                st.http_500.fetch_add(1, Ordering::SeqCst);
                (500, json!({"errors": [{"code": "internal_error", "message": "boom"}]}))
            } else if roll < 0.20 {
                st.http_503.fetch_add(1, Ordering::SeqCst);
                (503, json!({}))
            } else if roll < 0.25 {
                st.dropped.fetch_add(1, Ordering::SeqCst);
                return Reply { delay, hang_up: true, ..Reply::default() };
            } else {
                st.ok.fetch_add(1, Ordering::SeqCst);
                let ks: Vec<&Value> = served(generation_at(started)).iter().map(|&i| &keys[i].jwk).collect();
                (200, json!({"keys": ks}))
            };
            Reply { delay, ..Reply::json(status, body) }
        });
        RotatingJwks { url: server.url().to_string(), started, stats, _server: server }
    }

    fn generation(&self) -> usize {
        generation_at(self.started)
    }
}

// ----- workload -----

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Signed with the newest served key.
    Current,
    /// Signed with the previous key (still served).
    Previous,
    /// Signed with a key rotated out two generations ago (may still be cached).
    Old,
    /// Signed by the attacker with the kid of the newest key.
    Attacker,
    /// Genuine but expired.
    Expired,
    /// Not a usable token at all.
    Garbage,
}

#[derive(Default)]
struct Tally {
    sent: usize,
    signed_in: usize,
    reasons: BTreeMap<String, usize>,
    /// Genuine tokens whose key was served for the whole request.
    served_sent: usize,
    served_signed_in: usize,
    violations: Vec<String>,
}

fn session_of(st: &RequestState) -> Option<(String, Option<String>)> {
    match st.to_auth() {
        Some(AuthObject::SignedIn(s)) => Some((s.user_id().to_string(), s.session_id().map(str::to_string))),
        _ => None,
    }
}

struct Worker {
    user: String,
    sid: String,
    /// Per key index: genuine token, expired token, attacker token with that key's kid.
    genuine: Vec<String>,
    expired: Vec<String>,
    forged: Vec<String>,
    garbage: Vec<String>,
}

fn worker_tokens(t: usize, keys: &[SigningKey], attacker: &SigningKey, now_s: i64) -> Worker {
    let user = format!("user_stress_{t:02}");
    let sid = format!("sess_stress_{t:02}");
    let claims = |iat: i64, exp: i64| json!({"sub": user, "sid": sid, "iat": iat, "exp": exp, "azp": APP, "iss": format!("https://{FAPI}"), "sts": "active", "v": 2});
    let genuine: Vec<String> = keys.iter().map(|k| k.sign(&k.kid, &claims(now_s - 5, now_s + 600))).collect();
    let expired = keys.iter().map(|k| k.sign(&k.kid, &claims(now_s - 400, now_s - 120))).collect();
    let forged = keys.iter().map(|k| attacker.sign(&k.kid, &claims(now_s - 5, now_s + 600))).collect();
    let g0 = &genuine[0];
    let (h, p, s) = {
        let v: Vec<&str> = g0.split('.').collect();
        (v[0].to_string(), v[1].to_string(), v[2].to_string())
    };
    let other_user = URL_SAFE_NO_PAD.encode(json!({"sub": "user_admin", "sid": "sess_admin", "iat": now_s, "exp": now_s + 600}).to_string());
    let garbage = vec![
        String::new(),
        "garbage".into(),
        "a.b.c".into(),
        format!("{h}.{other_user}.{s}"),
        format!("{}.{p}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#)),
        // A standard-alphabet character in the base64url signature (replacing every `-` with
        // `+` left about 1 signature in 200 unchanged: a genuine token among the garbage).
        format!("{h}.{p}.+{}", &s[1..]),
        format!("{h}.{p}"),
        "x".repeat(4096),
    ];
    Worker { user, sid, genuine, expired, forged, garbage }
}

fn request(token: &str, cookie: bool) -> Request {
    if cookie {
        Request::new("GET", format!("{APP}/dashboard")).header("cookie", format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_stress")).header("sec-fetch-dest", "empty")
    } else {
        Request::new("GET", format!("{APP}/api")).header("authorization", format!("Bearer {token}"))
    }
}

fn run_worker(auth: &Authenticator, server: &RotatingJwks, w: &Worker) -> BTreeMap<Kind, Tally> {
    let mut tallies: BTreeMap<Kind, Tally> = BTreeMap::new();
    for i in 0..REQUESTS_PER_THREAD {
        let g0 = server.generation();
        let kind = match rand::random_range(0..20) {
            0..=7 => Kind::Current,
            8..=9 => Kind::Previous,
            10..=11 => Kind::Old,
            12..=14 => Kind::Attacker,
            15..=16 => Kind::Expired,
            _ => Kind::Garbage,
        };
        // The generation in which the token's key became the newest one.
        let (key_gen, token) = match kind {
            Kind::Current => (g0 as i64, w.genuine[g0 % KEYS].clone()),
            Kind::Previous => (g0 as i64 - 1, w.genuine[(g0 + KEYS - 1) % KEYS].clone()),
            Kind::Old => (g0 as i64 - 3, w.genuine[(g0 + KEYS - 3) % KEYS].clone()),
            Kind::Attacker => (g0 as i64, w.forged[g0 % KEYS].clone()),
            Kind::Expired => (g0 as i64, w.expired[g0 % KEYS].clone()),
            Kind::Garbage => (g0 as i64, w.garbage[i % w.garbage.len()].clone()),
        };
        let cookie = rand::random::<bool>();
        let st = auth.authenticate_with(&request(&token, cookie), &Options::default(), None).expect("no configuration error");
        let g1 = server.generation();
        let tally = tallies.entry(kind).or_default();
        tally.sent += 1;
        let reason = st.reason.clone().unwrap_or_else(|| "(signed-in)".into());
        *tally.reasons.entry(reason.clone()).or_default() += 1;
        let ctx = || format!("{kind:?} via {} at generations {g0}..{g1}: {:?} {reason} {:.200}", if cookie { "cookie" } else { "bearer" }, st.status, st.message.as_deref().unwrap_or(""));
        if st.status == AuthStatus::SignedIn {
            tally.signed_in += 1;
            let who = session_of(&st);
            if who != Some((w.user.clone(), Some(w.sid.clone()))) || st.token.as_deref() != Some(token.as_str()) {
                tally.violations.push(format!("signed in as {who:?} with a token of {} / {}: {}", w.user, w.sid, ctx()));
            }
            if matches!(kind, Kind::Attacker | Kind::Expired | Kind::Garbage) {
                tally.violations.push(format!("must never sign in: {}", ctx()));
            }
        } else if st.status == AuthStatus::Handshake {
            tally.violations.push(format!("no request here is handshake-eligible: {}", ctx()));
        }
        // Genuine tokens whose key was served from before the request until after it.
        // A key is served in the generation it became the newest and the next one.
        let served_throughout = matches!(kind, Kind::Current | Kind::Previous) && g0 as i64 >= key_gen && g1 as i64 <= key_gen + 1;
        if served_throughout {
            tally.served_sent += 1;
            if st.status == AuthStatus::SignedIn {
                tally.served_signed_in += 1;
            } else if !NETWORKISH.contains(&reason.as_str()) {
                tally.violations.push(format!("a genuine token of a served key failed for a non-network reason: {}", ctx()));
            }
        }
        let ok_failures: &[&str] = match kind {
            Kind::Current | Kind::Previous | Kind::Old => &NETWORKISH,
            Kind::Attacker => &["token-invalid-signature", "backend-api-unreachable", "jwk-remote-failed-to-load", "jwk-kid-mismatch"],
            Kind::Expired => &[EXPIRED, "backend-api-unreachable", "jwk-remote-failed-to-load", "jwk-kid-mismatch"],
            // An empty cookie value is no session cookie at all (7 step 10).
            Kind::Garbage => {
                &["token-invalid", "token-invalid-signature", "client-uat-but-no-session-token", "token-invalid-algorithm", "backend-api-unreachable", "jwk-remote-failed-to-load", "jwk-kid-mismatch"]
            }
        };
        if st.status == AuthStatus::SignedOut && !ok_failures.contains(&reason.as_str()) {
            tally.violations.push(format!("unexpected reason: {}", ctx()));
        }
        if rand::random::<f64>() < 0.5 {
            thread::sleep(Duration::from_micros(rand::random_range(0..10_000)));
        }
    }
    tallies
}

#[test]
fn shared_authenticator_under_key_rotation_and_a_flaky_backend_api() {
    let wall = Instant::now();
    let keys: Arc<Vec<SigningKey>> = Arc::new((0..KEYS).map(|i| SigningKey::generate(format!("ins_stress_rotation_key_{i}"))).collect());
    let attacker = SigningKey::generate("ins_stress_attacker".into());
    let now_s = (clerkauth::now_ms() / 1000.0) as i64;
    let workers: Vec<Arc<Worker>> = (0..THREADS).map(|t| Arc::new(worker_tokens(t, &keys, &attacker, now_s))).collect();

    let server = Arc::new(RotatingJwks::start(keys.clone()));
    let opts = Options::from_json(&json!({
        "secretKey": "sk_test_stress00000000000000000000000000000",
        "publishableKey": format!("pk_test_{}", STANDARD.encode(format!("{FAPI}$"))),
        "apiUrl": server.url,
    }))
    .unwrap();
    let policy =
        JwksPolicy { ttl_ms: 60, kid_refetch_interval_ms: 10, stale_if_error_ms: 100, backoff_ms: 10, backoff_max_ms: 40, retry: RetryPolicy { attempts: 2, base_delay: Duration::from_millis(1) } };
    let auth = Arc::new(Authenticator::builder(opts).jwks_policy(policy).transport(Arc::new(HttpTransport::new(Duration::from_millis(500), Duration::from_millis(1000)))).build().unwrap());
    let setup = wall.elapsed();

    // Workers run under a coordinator; the test thread waits with a deadline.
    let started = Instant::now();
    let gen_start = server.generation();
    let (tx, rx) = mpsc::channel();
    {
        let (auth, server) = (auth.clone(), server.clone());
        thread::spawn(move || {
            let handles: Vec<_> = workers
                .into_iter()
                .map(|w| {
                    let (auth, server) = (auth.clone(), server.clone());
                    thread::spawn(move || run_worker(&auth, &server, &w))
                })
                .collect();
            let results: Vec<_> = handles
                .into_iter()
                .map(|h| h.join().map_err(|e| format!("worker panicked: {:?}", e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())))))
                .collect();
            let _ = tx.send(results);
        });
    }
    let results = match rx.recv_timeout(WATCHDOG) {
        Ok(r) => r,
        Err(_) => panic!("watchdog: {THREADS} workers × {REQUESTS_PER_THREAD} requests did not finish within {WATCHDOG:?} — deadlock or unbounded stall in the shared Authenticator"),
    };
    let elapsed = started.elapsed();
    let generations = server.generation() - gen_start;

    let mut total: BTreeMap<Kind, Tally> = BTreeMap::new();
    for r in results {
        for (kind, t) in r.unwrap_or_else(|e| panic!("{e}")) {
            let agg = total.entry(kind).or_default();
            agg.sent += t.sent;
            agg.signed_in += t.signed_in;
            agg.served_sent += t.served_sent;
            agg.served_signed_in += t.served_signed_in;
            for (k, v) in t.reasons {
                *agg.reasons.entry(k).or_default() += v;
            }
            agg.violations.extend(t.violations);
        }
    }

    let s = &server.stats;
    let mut report = format!(
        "stress: {} requests on {THREADS} threads in {:.2?} (setup {:.2?}), {generations} key rotations; JWKS server: {} hits ({} ok, {} × 500, {} × 503, {} dropped, {} slow)\n",
        THREADS * REQUESTS_PER_THREAD,
        elapsed,
        setup,
        s.hits.load(Ordering::SeqCst),
        s.ok.load(Ordering::SeqCst),
        s.http_500.load(Ordering::SeqCst),
        s.http_503.load(Ordering::SeqCst),
        s.dropped.load(Ordering::SeqCst),
        s.slow.load(Ordering::SeqCst),
    );
    for (kind, t) in &total {
        report.push_str(&format!("  {kind:?}: sent {}, signed-in {}, reasons {:?}", t.sent, t.signed_in, t.reasons));
        if t.served_sent > 0 {
            report.push_str(&format!(", served-throughout {} of which signed-in {}", t.served_sent, t.served_signed_in));
        }
        report.push('\n');
    }
    if std::env::var_os("CLERKAUTH_STRESS_REPORT").is_some() {
        eprintln!("{report}");
    }

    let violations: Vec<&String> = total.values().flat_map(|t| t.violations.iter()).collect();
    assert!(violations.is_empty(), "{} invariant violations, first 20:\n{}\n{report}", violations.len(), violations.iter().take(20).map(|v| v.as_str()).collect::<Vec<_>>().join("\n"));

    // The stress really happened: rotations, failures and many fetches.
    assert!(generations >= 5, "only {generations} rotations\n{report}");
    assert!(s.http_500.load(Ordering::SeqCst) + s.http_503.load(Ordering::SeqCst) + s.dropped.load(Ordering::SeqCst) > 0, "{report}");
    assert!(s.hits.load(Ordering::SeqCst) >= 10, "{report}");
    for kind in [Kind::Attacker, Kind::Expired, Kind::Garbage] {
        assert_eq!(total.get(&kind).map_or(0, |t| t.signed_in), 0, "{kind:?}\n{report}");
    }
    // Genuine tokens of served keys mostly get through despite the failures.
    let (sent, ok) = total.values().fold((0, 0), |(a, b), t| (a + t.served_sent, b + t.served_signed_in));
    assert!(sent >= 1000, "too few served genuine requests: {sent}\n{report}");
    let rate = ok as f64 / sent as f64;
    assert!(rate > 0.5, "genuine tokens of served keys signed in only {:.1}% of the time\n{report}", rate * 100.0);
    // Forged tokens with a real kid were actually checked against the key (not all lost to
    // network failures).
    assert!(total.get(&Kind::Attacker).and_then(|t| t.reasons.get("token-invalid-signature")).copied().unwrap_or(0) > 0, "{report}");
}
