//! The `clerkauth` command.

mod demo;

use clerkauth_cli::vectors;

use std::path::PathBuf;
use std::process::ExitCode;

use clerkauth::{Authenticator, Options, Request};
use serde_json::Value;

const DEFAULT_VECTORS: &str = "tests/conformance/vectors";

const USAGE: &str = "usage:
  clerkauth vectors run [DIR] [--out FILE]     (DIR: $CLERKAUTH_VECTORS, else tests/conformance/vectors)
  clerkauth authenticate --url URL [--method M] [-H 'name: value']... [--secret-key K] [--publishable-key K]
                         [--jwt-key PEM|@FILE] [--options JSON] [--now-ms MS] [--explain]
  clerkauth demo";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("vectors") if args.get(1).map(String::as_str) == Some("run") => vectors_run(&args[2..]),
        Some("authenticate") => authenticate(&args[1..]),
        Some("demo") => demo::run(),
        _ => usage(),
    };
    ExitCode::from(code as u8)
}

/// `vectors run [DIR] [--out FILE]`; DIR defaults to $CLERKAUTH_VECTORS, else
/// tests/conformance/vectors (the vendored vectors, from the repository root).
fn vectors_run(args: &[String]) -> i32 {
    let (dir, rest) = match args.first() {
        Some(d) if !d.starts_with("--") => (PathBuf::from(d), &args[1..]),
        _ => (std::env::var_os("CLERKAUTH_VECTORS").map_or_else(|| PathBuf::from(DEFAULT_VECTORS), PathBuf::from), args),
    };
    let out = match rest {
        [] => None,
        [flag, file] if flag == "--out" => Some(PathBuf::from(file)),
        _ => return usage(),
    };
    vectors::run(&dir, out.as_deref())
}

fn usage() -> i32 {
    eprintln!("{USAGE}");
    2
}

fn authenticate(args: &[String]) -> i32 {
    let mut request = Request::new("GET", "");
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut options = Options { secret_key: env("CLERK_SECRET_KEY"), publishable_key: env("CLERK_PUBLISHABLE_KEY"), jwt_key: env("CLERK_JWT_KEY"), ..Options::default() };
    let mut now = None;
    let mut explain = false;
    let mut i = 0;
    while i < args.len() {
        let val = args.get(i + 1).cloned();
        let need = |v: Option<String>| v.ok_or_else(|| format!("{} needs a value", args[i]));
        let r: Result<(), String> = (|| {
            match args[i].as_str() {
                "--url" => request.url = need(val)?,
                "--method" | "-X" => request.method = need(val)?,
                "-H" | "--header" => {
                    let h = need(val)?;
                    let (k, v) = h.split_once(':').ok_or(format!("bad header {h:?}"))?;
                    request.headers.push((k.trim().to_string(), v.trim().to_string()));
                }
                "--secret-key" => options.secret_key = Some(need(val)?),
                "--publishable-key" => options.publishable_key = Some(need(val)?),
                "--jwt-key" => {
                    let v = need(val)?;
                    options.jwt_key = Some(match v.strip_prefix('@') {
                        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
                        None => v,
                    });
                }
                "--options" => {
                    let extra: Value = serde_json::from_str(&need(val)?).map_err(|e| format!("--options: {e}"))?;
                    options = options.merged(&Options::from_json(&extra).map_err(|e| e.to_string())?);
                }
                "--now-ms" => now = Some(need(val)?.parse::<f64>().map_err(|e| format!("--now-ms: {e}"))?),
                "--explain" => {
                    explain = true;
                    return Ok(());
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            eprintln!("{e}\n{USAGE}");
            return 2;
        }
        i += if explain && args[i] == "--explain" { 1 } else { 2 };
    }
    options.explain = Some(explain);
    let auth = match Authenticator::new(options.clone()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code().as_str());
            return 1;
        }
    };
    match auth.authenticate_with(&request, &Options::default(), now) {
        Ok(state) => {
            if explain {
                if let Some(t) = &state.trace {
                    eprint!("decision trace:\n{}", t.render());
                }
            }
            let mut json = state.to_json();
            if let Some(m) = json.as_object_mut() {
                m.remove("trace");
            }
            println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
            0
        }
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code().as_str());
            1
        }
    }
}
