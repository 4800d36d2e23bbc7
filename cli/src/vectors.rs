//! `clerkauth vectors run`: replay recorded reference vectors through the core; `clerkauth
//! vectors check`: read another implementation's results. Both compare with [`compare`], the
//! one implementation of FORMAT.md's rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clerkauth::jwks::{JwksPolicy, RetryPolicy};
use clerkauth::{Authenticator, HasCheck, Options, Request};
use serde_json::{json, Value};

use crate::mockbapi::{MockBapi, Route};

/// Every `*.json` under `dir` (recursively), sorted.
pub fn find_vectors(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// How a vector is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `authenticate_with`, which may use the Backend API.
    Normal,
    /// `authenticate_without_network` first, `authenticate_with` only when it answers `None`
    /// (what the event-loop hosts do). The first attempt must not reach the Backend API.
    NoNetworkFirst,
}

/// Runs one vector both ways ([`Mode`]) and returns the results-file line, or why the two
/// paths answered differently, or why the no-network path did not decide a vector whose
/// normal path sent nothing to the Backend API.
pub fn run_vector_both(v: &Value, bapi: &MockBapi) -> Result<Value, String> {
    let (normal, sent_nothing) = run_vector(v, bapi, Mode::Normal);
    let (fast, decided_first) = run_vector(v, bapi, Mode::NoNetworkFirst);
    if fast != normal {
        return Err(format!("the no-network-first path answered {fast}\nthe normal path answered {normal}"));
    }
    if sent_nothing && !decided_first {
        return Err("the normal path sent nothing to the Backend API, yet the no-network path did not decide".into());
    }
    Ok(normal)
}

/// Runs one vector one way and returns the results-file line, and whether no network was
/// used ([`Mode::Normal`]: nothing reached the Backend API; [`Mode::NoNetworkFirst`]: the
/// first attempt decided).
pub fn run_vector(v: &Value, bapi: &MockBapi, mode: Mode) -> (Value, bool) {
    let decided_first = std::cell::Cell::new(false);
    let id = v["id"].clone();
    let routes = v["backend_api"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| Route {
            method: r["method"].as_str().unwrap_or("GET").to_string(),
            path: r["path"].as_str().unwrap_or("/").to_string(),
            status: r["status"].as_u64().unwrap_or(200) as u16,
            body: r["body"].clone(),
        })
        .collect();
    bapi.reset(routes);
    let options_text = v["options"].to_string().replace("{{BAPI}}", bapi.url());
    let result = (|| -> Result<Value, String> {
        let options: Value = serde_json::from_str(&options_text).map_err(|e| e.to_string())?;
        let options = Options::from_json(&options).map_err(|e| e.to_string())?;
        // The reference's retry schedule, shortened: same attempts, faster backoff.
        let policy = JwksPolicy { retry: RetryPolicy { attempts: 5, base_delay: Duration::from_millis(5) }, ..JwksPolicy::default() };
        let auth = Authenticator::builder(options).jwks_policy(policy).build().map_err(|e| e.to_string())?;
        let r = &v["request"];
        let request = Request {
            method: r["method"].as_str().unwrap_or("GET").to_string(),
            url: r["url"].as_str().unwrap_or("").to_string(),
            headers: r["headers"].as_array().map(|hs| hs.iter().map(|h| (h[0].as_str().unwrap_or("").to_string(), h[1].as_str().unwrap_or("").to_string())).collect()).unwrap_or_default(),
        };
        let now = v["now_ms"].as_f64();
        let first = match mode {
            Mode::Normal => None,
            Mode::NoNetworkFirst => {
                let first = auth.authenticate_without_network(&request, &Options::default(), now);
                if let Some(s) = bapi.seen().first() {
                    return Err(format!("the no-network path reached the Backend API: {} {}", s.method, s.target));
                }
                // An error is an answer too.
                decided_first.set(!matches!(first, Ok(None)));
                first.map_err(|e| e.to_string())?
            }
        };
        let state = match first {
            Some(s) => s,
            None => auth.authenticate_with(&request, &Options::default(), now).map_err(|e| e.to_string())?,
        };
        let auth_obj = state.to_auth();
        let checks: Vec<HasCheck> = v["has_checks"].as_array().map(|a| a.iter().map(HasCheck::from_json).collect()).unwrap_or_default();
        let has = auth_obj.as_ref().map(|a| Value::from(checks.iter().map(|c| a.has(c)).collect::<Vec<_>>())).unwrap_or(Value::Null);
        Ok(json!({
            "status": state.status.as_str(),
            "reason": state.reason,
            "isAuthenticated": state.is_authenticated(),
            "tokenType": state.token_type.map(|t| t.as_str()),
            "headers": state.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "auth": auth_obj.map(|a| a.to_json()).unwrap_or(Value::Null),
            "has": has,
        }))
    })();
    let mut line = match result {
        Ok(Value::Object(mut m)) => {
            m.insert("id".into(), id);
            Value::Object(m)
        }
        Ok(_) => unreachable!("results are objects"),
        Err(e) => json!({"id": id, "error": e}),
    };
    let seen = bapi.seen();
    let unlisted: Vec<String> = seen.iter().filter(|s| !s.matched).map(|s| format!("{} {}", s.method, s.target)).collect();
    if !unlisted.is_empty() {
        line["unlisted_requests"] = Value::from(unlisted);
    }
    let no_network = match mode {
        Mode::Normal => seen.is_empty(),
        Mode::NoNetworkFirst => decided_first.get(),
    };
    (line, no_network)
}

fn query_multiset(u: &url::Url) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    q.sort();
    q
}

fn same_location(a: &str, b: &str) -> Result<(), String> {
    let (Ok(x), Ok(y)) = (url::Url::parse(a), url::Url::parse(b)) else {
        return if a == b { Ok(()) } else { Err(format!("location {a:?} != {b:?}")) };
    };
    if x.scheme() != y.scheme() || x.host_str() != y.host_str() || x.port_or_known_default() != y.port_or_known_default() || x.path() != y.path() {
        return Err(format!("location {a} != {b}"));
    }
    let (qa, qb) = (query_multiset(&x), query_multiset(&y));
    if qa != qb {
        let diff: Vec<_> = qa.iter().filter(|p| !qb.contains(p)).chain(qb.iter().filter(|p| !qa.contains(p))).collect();
        return Err(format!("location query differs: {diff:?}"));
    }
    Ok(())
}

fn parse_set_cookie(s: &str) -> (String, String, Vec<String>) {
    let mut parts = s.split(';');
    let first = parts.next().unwrap_or("");
    let (name, value) = first.split_once('=').unwrap_or((first, ""));
    let mut attrs: Vec<String> = parts
        .map(|p| {
            let p = p.trim();
            match p.split_once('=') {
                Some((k, v)) => format!("{}={}", k.trim().to_ascii_lowercase(), v.trim()),
                None => p.to_ascii_lowercase(),
            }
        })
        .filter(|p| !p.is_empty())
        .collect();
    attrs.sort();
    (name.trim().to_string(), value.trim().to_string(), attrs)
}

fn compare_headers(got: &Value, want: &Value) -> Result<(), String> {
    let group = |v: &Value| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for h in v.as_array().cloned().unwrap_or_default() {
            m.entry(h[0].as_str().unwrap_or("").to_ascii_lowercase()).or_default().push(h[1].as_str().unwrap_or("").to_string());
        }
        m
    };
    let (g, w) = (group(got), group(want));
    let names = |m: &BTreeMap<String, Vec<String>>| m.iter().map(|(k, v)| (k.clone(), v.len())).collect::<Vec<_>>();
    if names(&g) != names(&w) {
        return Err(format!("header names {:?} != {:?}", names(&g), names(&w)));
    }
    for (name, wv) in &w {
        let gv = &g[name];
        match name.as_str() {
            "location" => {
                for (a, b) in gv.iter().zip(wv) {
                    same_location(a, b)?;
                }
            }
            "set-cookie" => {
                let mut a: Vec<_> = gv.iter().map(|s| parse_set_cookie(s)).collect();
                let mut b: Vec<_> = wv.iter().map(|s| parse_set_cookie(s)).collect();
                a.sort();
                b.sort();
                if a != b {
                    return Err(format!("set-cookie {gv:?} != {wv:?}"));
                }
            }
            "x-clerk-auth-message" => {}
            _ => {
                if gv != wv {
                    return Err(format!("header {name}: {gv:?} != {wv:?}"));
                }
            }
        }
    }
    Ok(())
}

/// Compares a result line with a vector's `expected`; `Err` names the first difference.
pub fn compare(got: &Value, expected: &Value) -> Result<(), String> {
    if let Some(u) = got.get("unlisted_requests") {
        return Err(format!("requests not listed in backend_api: {u}"));
    }
    if expected.get("error").is_some() {
        return match got.get("error") {
            Some(_) => Ok(()),
            None => Err(format!("expected an error, got status {}", got["status"])),
        };
    }
    if let Some(e) = got.get("error") {
        return Err(format!("error: {e}"));
    }
    for k in ["status", "reason", "isAuthenticated", "tokenType"] {
        if got[k] != expected[k] {
            return Err(format!("{k}: got {} expected {}", got[k], expected[k]));
        }
    }
    compare_headers(&got["headers"], &expected["headers"])?;
    if let Some(want) = expected.get("auth") {
        if &got["auth"] != want {
            let detail = match (got["auth"].as_object(), want.as_object()) {
                (Some(g), Some(w)) => {
                    let keys: std::collections::BTreeSet<&String> = g.keys().chain(w.keys()).collect();
                    keys.into_iter().find(|k| g.get(*k) != w.get(*k)).map(|k| format!("auth.{k}: got {:?} expected {:?}", g.get(k), w.get(k))).unwrap_or_default()
                }
                _ => format!("auth: got {} expected {}", got["auth"], want),
            };
            return Err(detail);
        }
    }
    if let Some(want) = expected.get("has") {
        if &got["has"] != want {
            return Err(format!("has: got {} expected {}", got["has"], want));
        }
    }
    Ok(())
}

/// A vector file, parsed.
fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

/// A vector's id (`family/case/...`), or "" when it has none.
fn vector_id(v: &Value) -> &str {
    v["id"].as_str().unwrap_or("")
}

/// Pass and fail counts per family (the id's first segment), shared by `vectors run` and
/// `vectors check`: prints one `FAIL id: difference` line per failure, then the summary.
#[derive(Default)]
struct Tally {
    families: BTreeMap<String, (usize, usize)>,
    passed: usize,
    failed: usize,
}

impl Tally {
    fn record(&mut self, id: &str, outcome: Result<(), String>) {
        let entry = self.families.entry(id.split('/').next().unwrap_or("").to_string()).or_default();
        match outcome {
            Ok(()) => {
                self.passed += 1;
                entry.0 += 1;
            }
            Err(e) => {
                self.failed += 1;
                entry.1 += 1;
                println!("FAIL {id}: {e}");
            }
        }
    }

    /// A failure that belongs to no vector (an unreadable vector file, a bad results line).
    fn fail(&mut self, what: &str) {
        self.failed += 1;
        println!("FAIL {what}");
    }

    /// Prints the per-family counts and the total; returns the exit code (1 on any failure).
    fn finish(self) -> i32 {
        for (fam, (p, f)) in &self.families {
            println!("  {fam:<14} {p:>4} passed {f:>3} failed");
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        i32::from(self.failed > 0)
    }
}

/// The vectors under `dir`, or the exit code when there are none.
fn vector_files(dir: &Path) -> Result<Vec<PathBuf>, i32> {
    let files = find_vectors(dir);
    if files.is_empty() {
        eprintln!("no vectors under {}", dir.display());
        return Err(1);
    }
    Ok(files)
}

/// The `vectors run` command: every vector through the core both ways ([`run_vector_both`]),
/// compared by [`compare`]; `out`
/// receives the results file (FORMAT.md's shape). Returns the process exit code.
pub fn run(dir: &Path, out: Option<&Path>) -> i32 {
    let files = match vector_files(dir) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let bapi = match MockBapi::start() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot start the loopback Backend API: {e}");
            return 1;
        }
    };
    let mut lines = Vec::new();
    let mut tally = Tally::default();
    for f in &files {
        let v = match load(f) {
            Ok(v) => v,
            Err(e) => {
                tally.fail(&e);
                continue;
            }
        };
        let line = match run_vector_both(&v, &bapi) {
            Ok(line) => line,
            Err(e) => {
                tally.record(vector_id(&v), Err(e));
                continue;
            }
        };
        tally.record(vector_id(&v), compare(&line, &v["expected"]));
        lines.push(line.to_string());
    }
    if let Some(out) = out {
        if let Err(e) = std::fs::write(out, lines.join("\n") + "\n") {
            eprintln!("cannot write {}: {e}", out.display());
            return 1;
        }
    }
    tally.finish()
}

/// One line of a results file: `{"name": id, "result": {...}}`, or FORMAT.md's flat
/// `{"id": id, "status": ..., ...}` (what `vectors run --out` writes). Returns (id, result).
pub fn parse_result_line(line: &str) -> Result<(String, Value), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    match (&v["name"], &v["result"], &v["id"]) {
        (Value::String(name), Value::Object(_), _) => Ok((name.clone(), v["result"].clone())),
        (Value::Null, Value::Null, Value::String(id)) => Ok((id.clone(), v)),
        _ => Err("expected {\"name\": \"<vector id>\", \"result\": {...}}".into()),
    }
}

/// The `vectors check` command: compares another implementation's results (a JSON Lines file,
/// see [`parse_result_line`]) with the vectors under `dir`. Every vector must have exactly one
/// result; results naming no vector fail too. Returns the process exit code.
pub fn check(dir: &Path, results: &Path) -> i32 {
    let files = match vector_files(dir) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let text = match std::fs::read_to_string(results) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", results.display());
            return 1;
        }
    };
    let mut tally = Tally::default();
    let mut got: BTreeMap<String, Value> = BTreeMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match parse_result_line(line) {
            Ok((id, _)) if got.contains_key(&id) => tally.record(&id, Err(format!("more than one result (line {})", n + 1))),
            Ok((id, result)) => {
                got.insert(id, result);
            }
            Err(e) => tally.fail(&format!("{} line {}: {e}", results.display(), n + 1)),
        }
    }
    for f in &files {
        match load(f) {
            Ok(v) => {
                let id = vector_id(&v);
                let outcome = got.remove(id).ok_or_else(|| "missing from the results".to_string()).and_then(|r| compare(&r, &v["expected"]));
                tally.record(id, outcome);
            }
            Err(e) => tally.fail(&e),
        }
    }
    for id in got.keys() {
        tally.record(id, Err(format!("no such vector under {}", dir.display())));
    }
    tally.finish()
}
