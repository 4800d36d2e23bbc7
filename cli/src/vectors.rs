//! `clerkauth vectors run`: replay recorded reference vectors through the core and compare
//! by the rules of FORMAT.md.

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

/// Runs one vector and returns the results-file line.
pub fn run_vector(v: &Value, bapi: &MockBapi) -> Value {
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
        let state = auth.authenticate_with(&request, &Options::default(), v["now_ms"].as_f64()).map_err(|e| e.to_string())?;
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
    let unlisted: Vec<String> = bapi.seen().iter().filter(|s| !s.matched).map(|s| format!("{} {}", s.method, s.target)).collect();
    if !unlisted.is_empty() {
        line["unlisted_requests"] = Value::from(unlisted);
    }
    line
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

/// The `vectors run` command. Returns the process exit code.
pub fn run(dir: &Path, out: Option<&Path>) -> i32 {
    let files = find_vectors(dir);
    if files.is_empty() {
        eprintln!("no vectors under {}", dir.display());
        return 1;
    }
    let bapi = match MockBapi::start() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot start the loopback Backend API: {e}");
            return 1;
        }
    };
    let mut lines = Vec::new();
    let mut families: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        let v: Value = match std::fs::read_to_string(f).ok().and_then(|t| serde_json::from_str(&t).ok()) {
            Some(v) => v,
            None => {
                println!("FAIL {}: unreadable vector", f.display());
                failed += 1;
                continue;
            }
        };
        let line = run_vector(&v, &bapi);
        let family = v["id"].as_str().unwrap_or("").split('/').next().unwrap_or("").to_string();
        let entry = families.entry(family).or_default();
        match compare(&line, &v["expected"]) {
            Ok(()) => {
                passed += 1;
                entry.0 += 1;
            }
            Err(e) => {
                failed += 1;
                entry.1 += 1;
                println!("FAIL {}: {e}", v["id"].as_str().unwrap_or("?"));
            }
        }
        lines.push(line.to_string());
    }
    if let Some(out) = out {
        if let Err(e) = std::fs::write(out, lines.join("\n") + "\n") {
            eprintln!("cannot write {}: {e}", out.display());
            return 1;
        }
    }
    for (fam, (p, f)) in &families {
        println!("  {fam:<14} {p:>4} passed {f:>3} failed");
    }
    println!("{passed} passed, {failed} failed");
    i32::from(failed > 0)
}
