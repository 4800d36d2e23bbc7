//! Every public conformance vector through the core, one test per family, against a real
//! loopback Backend API, on the normal and the no-network-first paths (same answers).

use std::path::PathBuf;

use clerkauth_cli::mockbapi::MockBapi;
use clerkauth_cli::vectors::{compare, find_vectors, run_vector_both};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    let dir = std::env::var("CLERKAUTH_VECTORS").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/vectors"));
    assert!(dir.is_dir(), "conformance vectors not found at {} (set CLERKAUTH_VECTORS)", dir.display());
    dir
}

fn family(name: &str) {
    let files = find_vectors(&vectors_dir().join(name));
    assert!(!files.is_empty(), "no vectors in family {name}");
    let bapi = MockBapi::start().expect("loopback server");
    let mut failures = Vec::new();
    for f in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        if let Err(e) = run_vector_both(&v, &bapi).and_then(|got| compare(&got, &v["expected"])) {
            failures.push(format!("{}: {e}", v["id"]));
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}

macro_rules! families {
    ($($name:ident),*) => { $( #[test] fn $name() { family(stringify!($name)); } )* };
}

families!(accepts, config, cookie, dev, eligibility, handshake, has, header, machine, orgsync, satellite, suffixed, toauth);
