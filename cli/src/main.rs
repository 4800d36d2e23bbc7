//! The `clerkauth` command.

mod demo;

use clerkauth_cli::vectors;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use clerkauth::{Authenticator, Options, Request};
use serde_json::Value;

const EXIT_CODES: &str = "Exit codes:
  0  success (every vector passed; a request state was printed; the demo ran)
  1  a check failed: a vector failed or is missing from the results, the configuration was
     refused, or a file or the loopback server could not be used
  2  usage error: unknown subcommand or flag, a missing or malformed argument";

const CHECK_ABOUT: &str = "Compare another implementation's results with the vectors by FORMAT.md's rules.

RESULTS is JSON Lines, one object per vector:
  {\"name\": \"<vector id>\", \"result\": {\"status\": ..., \"reason\": ..., \"isAuthenticated\": ...,
                                    \"tokenType\": ..., \"headers\": ..., \"auth\": ..., \"has\": ...}}
`result` has the shape of the vectors' `expected` (extra keys are ignored), or is
{\"error\": \"...\"} when the implementation refused the request. An optional
\"unlisted_requests\": [\"GET /path\", ...] in `result` lists requests the host's Backend API saw
that the vector does not list; any fails the vector. FORMAT.md's flat lines ({\"id\", \"status\",
...}, as `vectors run --out` writes them) are read too. A vector without a result, a result
naming no vector and a second result for a vector are failures.";

#[derive(Parser)]
#[command(name = "clerkauth", version, about = "Clerk's authenticateRequest, offline: conformance vectors, one-off authentication, demo", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Conformance vectors: replay them through the core, or check another implementation's results
    #[command(subcommand, after_help = EXIT_CODES)]
    Vectors(VectorsCommand),
    /// Authenticate one request and print the request state as JSON
    #[command(after_help = EXIT_CODES)]
    Authenticate(AuthenticateArgs),
    /// A local development instance and real scenarios authenticated through the core (offline)
    #[command(after_help = EXIT_CODES)]
    Demo,
}

#[derive(Subcommand)]
enum VectorsCommand {
    /// Replay every vector through the core against a loopback Backend API and compare by FORMAT.md
    #[command(after_help = EXIT_CODES)]
    Run {
        /// Directory of vectors (searched recursively)
        #[arg(env = "CLERKAUTH_VECTORS", default_value = "tests/conformance/vectors")]
        dir: PathBuf,
        /// Write the results file (FORMAT.md's shape, one JSON object per line) here
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Compare another implementation's results with the vectors by FORMAT.md's rules
    #[command(after_help = EXIT_CODES, long_about = CHECK_ABOUT)]
    Check {
        /// Directory of vectors (searched recursively)
        dir: PathBuf,
        /// The implementation's results, JSON Lines
        #[arg(value_name = "RESULTS.jsonl")]
        results: PathBuf,
    },
}

#[derive(Args)]
struct AuthenticateArgs {
    /// The request's absolute URL
    #[arg(long, value_name = "URL")]
    url: String,
    /// The request's method
    #[arg(long, short = 'X', value_name = "M", default_value = "GET")]
    method: String,
    /// A request header (repeatable)
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// The instance's secret key, sk_...
    #[arg(long, value_name = "K", env = "CLERK_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// The instance's publishable key, pk_...
    #[arg(long, value_name = "K", env = "CLERK_PUBLISHABLE_KEY", hide_env_values = true)]
    publishable_key: Option<String>,
    /// The instance's PEM public key, or @FILE to read it from FILE
    #[arg(long, value_name = "PEM|@FILE", env = "CLERK_JWT_KEY", hide_env_values = true, value_parser = parse_jwt_key)]
    jwt_key: Option<String>,
    /// Further options as JSON, named as @clerk/backend names them (repeatable; merged in order over the keys above)
    #[arg(long, value_name = "JSON", value_parser = parse_options)]
    options: Vec<Options>,
    /// The clock, ms since the Unix epoch (default: now)
    #[arg(long, value_name = "MS")]
    now_ms: Option<f64>,
    /// Print the decision trace to stderr
    #[arg(long)]
    explain: bool,
}

fn parse_header(h: &str) -> Result<(String, String), String> {
    let (k, v) = h.split_once(':').ok_or("expected 'name: value'")?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

fn parse_jwt_key(v: &str) -> Result<String, String> {
    match v.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}")),
        None => Ok(v.to_string()),
    }
}

fn parse_options(json: &str) -> Result<Options, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Options::from_json(&v).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let code = match Cli::parse().command {
        Command::Vectors(VectorsCommand::Run { dir, out }) => vectors::run(&dir, out.as_deref()),
        Command::Vectors(VectorsCommand::Check { dir, results }) => vectors::check(&dir, &results),
        Command::Authenticate(args) => authenticate(args),
        Command::Demo => demo::run(),
    };
    ExitCode::from(code as u8)
}

fn authenticate(args: AuthenticateArgs) -> i32 {
    // An empty environment variable counts as unset.
    let set = |v: Option<String>| v.filter(|v| !v.is_empty());
    let base = Options { secret_key: set(args.secret_key), publishable_key: set(args.publishable_key), jwt_key: set(args.jwt_key), ..Options::default() };
    let mut options = args.options.iter().fold(base, |acc, o| acc.merged(o));
    options.explain = Some(args.explain);
    let request = Request { method: args.method, url: args.url, headers: args.headers };
    let auth = match Authenticator::new(options) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code().as_str());
            return 1;
        }
    };
    match auth.authenticate_with(&request, &Options::default(), args.now_ms) {
        Ok(state) => {
            if args.explain {
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
