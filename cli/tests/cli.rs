//! The `clerkauth` binary as a user runs it: help, version, usage errors and exit codes,
//! `authenticate` with every flag, and `vectors check` on results files written from the core's
//! own results, intact and corrupted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use clerkauth::devinstance::DevInstance;
use serde_json::{json, Value};

const APP: &str = "https://app.example.com";

fn clerkauth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkauth"))
        .args(args)
        .env_remove("CLERK_SECRET_KEY")
        .env_remove("CLERK_PUBLISHABLE_KEY")
        .env_remove("CLERK_JWT_KEY")
        .env_remove("CLERKAUTH_VECTORS")
        .output()
        .expect("run clerkauth")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}-{name}", std::process::id()))
}

#[test]
fn help_goes_to_stdout_and_exits_zero() {
    for args in [&["--help"][..], &["help"], &["vectors", "--help"], &["vectors", "run", "--help"], &["vectors", "check", "--help"], &["authenticate", "--help"], &["demo", "--help"]] {
        let o = clerkauth(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage: clerkauth"), "{args:?}: {}", stdout(&o));
    }
    let top = stdout(&clerkauth(&["--help"]));
    for word in ["vectors", "authenticate", "demo", "Exit codes:", "usage error"] {
        assert!(top.contains(word), "--help lacks {word:?}:\n{top}");
    }
    let check = stdout(&clerkauth(&["vectors", "check", "--help"]));
    assert!(check.contains("RESULTS.jsonl") && check.contains("\"name\"") && check.contains("Exit codes:"), "{check}");
    let auth = stdout(&clerkauth(&["authenticate", "--help"]));
    for flag in ["--url", "--method", "-X", "--header", "-H", "--secret-key", "--publishable-key", "--jwt-key", "--options", "--now-ms", "--explain"] {
        assert!(auth.contains(flag), "authenticate --help lacks {flag}:\n{auth}");
    }
}

#[test]
fn version_is_the_package_version() {
    let o = clerkauth(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).trim(), format!("clerkauth {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2() {
    for args in [&[][..], &["bogus"], &["vectors"], &["vectors", "check", "only-a-dir"], &["authenticate", "--url", APP, "--nope"], &["authenticate", "--url", APP, "-H", "no colon"]] {
        let o = clerkauth(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    let o = clerkauth(&["authenticate", "--url", APP, "--options", "{\"noSuchOption\": 1}"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("noSuchOption"), "{}", stderr(&o));
}

#[test]
fn authenticate_without_url_says_url_is_required() {
    let o = clerkauth(&["authenticate", "--secret-key", "sk_test_x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--url") && err.contains("required"), "{err}");
    assert!(!err.to_lowercase().contains("publishable"), "{err}");
}

#[test]
fn authenticate_refused_configuration_exits_1() {
    let o = clerkauth(&["authenticate", "--url", APP]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error ["), "{}", stderr(&o));
}

/// Every flag with its existing spelling: a signed-in cookie request, keys from flags and a
/// file, and the same with keys from the environment.
#[test]
fn authenticate_signs_in_with_every_flag() {
    let dev = DevInstance::generate("cli-test-1.clerk.accounts.dev");
    let iat = 1_767_225_600;
    let token = dev.session_token("user_alice", "sess_alice", iat, APP, json!({}));
    let key_file = tmp("jwt-key.pem");
    std::fs::write(&key_file, &dev.jwt_key).unwrap();
    let cookie = format!("cookie: __session={token}; __client_uat={}; __clerk_db_jwt=dvb_test", iat - 60);
    let bearer = format!("authorization: Bearer {token}");
    let now = ((iat + 5) * 1000).to_string();
    let jwt_key = format!("@{}", key_file.display());
    let url = format!("{APP}/dashboard");
    let args = [
        "authenticate",
        "--url",
        &url,
        "-X",
        "GET",
        "-H",
        &cookie,
        "--header",
        "sec-fetch-dest: document",
        "--secret-key",
        &dev.secret_key,
        "--publishable-key",
        &dev.publishable_key,
        "--jwt-key",
        &jwt_key,
        "--options",
        r#"{"authorizedParties": ["https://app.example.com"]}"#,
        "--now-ms",
        &now,
        "--explain",
    ];
    let o = clerkauth(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let state: Value = serde_json::from_slice(&o.stdout).expect("state JSON on stdout");
    assert_eq!(state["status"], "signed-in", "{state}");
    assert_eq!(state["auth"]["userId"], "user_alice");
    assert!(state.get("trace").is_none());
    assert!(stderr(&o).starts_with("decision trace:\n"), "{}", stderr(&o));

    // Keys from the environment, the token as a Bearer; a wrong authorized party signs out.
    let o = Command::new(env!("CARGO_BIN_EXE_clerkauth"))
        .args(["authenticate", "--url", &url, "--method", "GET", "-H", &bearer, "--now-ms", &now, "--options", r#"{"authorizedParties": ["https://other.example.com"]}"#])
        .env("CLERK_SECRET_KEY", &dev.secret_key)
        .env("CLERK_PUBLISHABLE_KEY", &dev.publishable_key)
        .env("CLERK_JWT_KEY", &dev.jwt_key)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let state: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(state["status"], "signed-out", "{state}");
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

fn vectors_dir() -> PathBuf {
    let dir = std::env::var("CLERKAUTH_VECTORS").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/vectors"));
    assert!(dir.is_dir(), "conformance vectors not found at {} (set CLERKAUTH_VECTORS)", dir.display());
    dir
}

/// The core's results for every vector, as `vectors run --out` writes them (run once).
fn core_results() -> &'static [Value] {
    static RESULTS: OnceLock<Vec<Value>> = OnceLock::new();
    RESULTS.get_or_init(|| {
        let out = tmp("core-results.jsonl");
        let o = clerkauth(&["vectors", "run", vectors_dir().to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "vectors run:\n{}{}", stdout(&o), stderr(&o));
        std::fs::read_to_string(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    })
}

/// The core's results as `{"name", "result"}` lines, the shape other hosts write.
fn named_results() -> Vec<Value> {
    core_results()
        .iter()
        .map(|line| {
            let mut result = line.clone();
            let name = result.as_object_mut().unwrap().remove("id").unwrap();
            json!({"name": name, "result": result})
        })
        .collect()
}

/// Writes `lines` and runs `vectors check` on them.
fn check(name: &str, lines: &[Value]) -> Output {
    let path = tmp(name);
    std::fs::write(&path, lines.iter().map(|l| l.to_string() + "\n").collect::<String>()).unwrap();
    clerkauth(&["vectors", "check", vectors_dir().to_str().unwrap(), path.to_str().unwrap()])
}

fn summary(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or("").to_string()
}

/// The index of the first result whose name satisfies `pick`.
fn find(lines: &[Value], pick: impl Fn(&Value) -> bool) -> usize {
    lines.iter().position(pick).expect("a vector of that kind")
}

#[test]
fn check_passes_the_cores_results_in_both_shapes() {
    let n = core_results().len();
    assert!(n >= 200, "{n} vectors");
    let o = check("flat.jsonl", core_results());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(summary(&o), format!("{n} passed, 0 failed"));
    assert!(stdout(&o).contains("  cookie "), "per-family counts:\n{}", stdout(&o));

    let o = check("named.jsonl", &named_results());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(summary(&o), format!("{n} passed, 0 failed"));
}

/// What FORMAT.md leaves free stays free: header order and name case, set-cookie attribute
/// order and name case, location query order, the auth message, extra keys.
#[test]
fn check_ignores_what_format_md_does_not_compare() {
    let mut lines = named_results();
    let mut touched = 0;
    for line in &mut lines {
        let r = &mut line["result"];
        let Some(headers) = r["headers"].as_array_mut() else { continue };
        headers.reverse();
        for h in headers.iter_mut() {
            let (name, value) = (h[0].as_str().unwrap().to_string(), h[1].as_str().unwrap().to_string());
            let value = match name.as_str() {
                "set-cookie" => {
                    let mut parts: Vec<&str> = value.split("; ").collect();
                    parts[1..].reverse();
                    let upper_name = |p: &str| match p.split_once('=') {
                        Some((k, v)) => format!("{}={v}", k.to_uppercase()),
                        None => p.to_uppercase(),
                    };
                    parts.iter().enumerate().map(|(i, p)| if i == 0 { p.to_string() } else { upper_name(p) }).collect::<Vec<_>>().join("; ")
                }
                "location" => match value.split_once('?') {
                    Some((base, q)) => format!("{base}?{}", q.split('&').rev().collect::<Vec<_>>().join("&")),
                    None => value,
                },
                "x-clerk-auth-message" => "another message".into(),
                _ => value,
            };
            *h = json!([name.to_uppercase(), value]);
            touched += 1;
        }
        r["message"] = json!("not compared");
        r["token"] = json!("extra keys are ignored");
    }
    assert!(touched > 100);
    let o = check("reordered.jsonl", &lines);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn check_fails_a_corrupted_result_and_names_it() {
    let mut lines = named_results();
    let i = find(&lines, |l| l["result"]["status"] == "signed-in");
    lines[i]["result"]["status"] = json!("signed-out");
    let j = find(&lines, |l| l["result"]["has"].as_array().is_some_and(|h| !h.is_empty()));
    let flipped = !lines[j]["result"]["has"][0].as_bool().unwrap();
    lines[j]["result"]["has"][0] = json!(flipped);
    let k = find(&lines, |l| l["result"]["headers"].as_array().unwrap().iter().any(|h| h[0] == "location"));
    for h in lines[k]["result"]["headers"].as_array_mut().unwrap() {
        if h[0] == "location" {
            h[1] = json!(h[1].as_str().unwrap().replacen("https://", "http://", 1));
        }
    }
    let o = check("corrupted.jsonl", &lines);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    let name = |i: usize| lines[i]["name"].as_str().unwrap().to_string();
    assert!(out.contains(&format!("FAIL {}: status: got \"signed-out\" expected \"signed-in\"", name(i))), "{out}");
    assert!(out.contains(&format!("FAIL {}: has: got", name(j))), "{out}");
    assert!(out.contains(&format!("FAIL {}: location", name(k))), "{out}");
    assert_eq!(summary(&o), format!("{} passed, 3 failed", lines.len() - 3));
}

#[test]
fn check_fails_missing_unknown_duplicate_and_unlisted_results() {
    let mut lines = named_results();
    let dropped = lines.remove(5)["name"].as_str().unwrap().to_string();
    lines.push(json!({"name": "cookie/no-such-vector", "result": {"status": "signed-out"}}));
    lines.push(lines[0].clone());
    let u = find(&lines, |l| l["result"]["status"] == "handshake");
    lines[u]["result"]["unlisted_requests"] = json!(["GET /v1/elsewhere"]);
    let o = check("incomplete.jsonl", &lines);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("FAIL {dropped}: missing from the results")), "{out}");
    assert!(out.contains("FAIL cookie/no-such-vector: no such vector under"), "{out}");
    assert!(out.contains(&format!("FAIL {}: more than one result", lines[0]["name"].as_str().unwrap())), "{out}");
    assert!(out.contains(&format!("FAIL {}: requests not listed in backend_api", lines[u]["name"].as_str().unwrap())), "{out}");
}

#[test]
fn check_fails_errors_where_a_state_was_expected_and_the_reverse() {
    let mut lines = named_results();
    let e = find(&lines, |l| l["result"].get("error").is_some());
    let s = find(&lines, |l| l["result"]["status"] == "signed-out");
    lines[e]["result"] = lines[s]["result"].clone();
    lines[s]["result"] = json!({"error": "refused"});
    let o = check("errors.jsonl", &lines);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("FAIL {}: expected an error", lines[e]["name"].as_str().unwrap())), "{out}");
    assert!(out.contains(&format!("FAIL {}: error: \"refused\"", lines[s]["name"].as_str().unwrap())), "{out}");
}

#[test]
fn check_fails_unreadable_input() {
    let mut lines = named_results();
    lines.insert(3, json!({"result": {}}));
    let o = check("bad-line.jsonl", &lines);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("line 4: expected {\"name\""), "{}", stdout(&o));

    let o = clerkauth(&["vectors", "check", vectors_dir().to_str().unwrap(), "/nonexistent/results.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot read /nonexistent/results.jsonl"), "{}", stderr(&o));

    let empty = tmp("empty-dir");
    std::fs::create_dir_all(&empty).unwrap();
    let o = clerkauth(&["vectors", "check", empty.to_str().unwrap(), "/dev/null"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no vectors under"), "{}", stderr(&o));
}
