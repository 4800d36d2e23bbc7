//! Every host documents and types exactly the core's option names (`OPTION_NAMES`): the Node
//! typings and JS layer, the Python typed dicts, the C documentation. A name added to the core
//! only (or to a host only) fails here with the difference.

use std::collections::BTreeSet;
use std::path::Path;

use clerkauth::{KeyCase, OptionKind, OPTION_NAMES, ORGANIZATION_SYNC_OPTION_NAMES};

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The lines between `start` (a line starting with it) and the first line starting with `end`.
fn block<'a>(text: &'a str, file: &str, start: &str, end: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(start));
    assert!(lines.next().is_some(), "{file}: no line starting with {start:?}");
    lines.take_while(|l| !l.starts_with(end)).collect()
}

/// The member names of a block: lines `<indent><name>?:` or `<indent><name>:`.
fn members(lines: &[&str], indent: &str) -> BTreeSet<String> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(indent))
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim_end_matches('?')))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// The `backticked` words of a text.
fn backticked(text: &str) -> BTreeSet<String> {
    text.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn names(filter: impl Fn(OptionKind) -> bool, case: KeyCase) -> BTreeSet<String> {
    OPTION_NAMES.iter().filter(|o| filter(o.kind)).map(|o| case.spell(o.name)).collect()
}

fn nested(case: KeyCase) -> BTreeSet<String> {
    ORGANIZATION_SYNC_OPTION_NAMES.iter().map(|n| case.spell(n)).collect()
}

fn not_host(k: OptionKind) -> bool {
    !matches!(k, OptionKind::Host(_))
}

#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    fn compare(&mut self, what: &str, host: &BTreeSet<String>, core: &BTreeSet<String>) {
        let missing: Vec<_> = core.difference(host).collect();
        let extra: Vec<_> = host.difference(core).collect();
        if !missing.is_empty() || !extra.is_empty() {
            self.0.push(format!("{what}:\n    in the core's list, missing here: {missing:?}\n    here, not in the core's list: {extra:?}"));
        }
    }
}

#[test]
fn every_host_lists_the_cores_option_names() {
    let mut report = Report::default();

    let dts = read("bindings-node/index.d.ts");
    let file = "bindings-node/index.d.ts";
    let mut node = members(&block(&dts, file, "export interface AuthenticateRequestOptions {", "}"), "  ");
    node.extend(members(&block(&dts, file, "export interface ClerkMiddlewareOptions ", "}"), "  "));
    report.compare("bindings-node/index.d.ts AuthenticateRequestOptions + ClerkMiddlewareOptions", &node, &names(|_| true, KeyCase::Camel));
    report.compare("bindings-node/index.d.ts OrganizationSyncOptions", &members(&block(&dts, file, "export interface OrganizationSyncOptions {", "}"), "  "), &nested(KeyCase::Camel));

    let js = read("bindings-node/lib/options.js");
    let js_only = js.lines().find(|l| l.starts_with("const JS_ONLY = ")).expect("bindings-node/lib/options.js: const JS_ONLY");
    let js_only: BTreeSet<String> = js_only.split('\'').skip(1).step_by(2).map(str::to_string).collect();
    report.compare("bindings-node/lib/options.js JS_ONLY (the core's host keys)", &js_only, &names(|k| matches!(k, OptionKind::Host(_)), KeyCase::Camel));

    let py = read("bindings-python/python/clerkauth/_options.py");
    let file = "bindings-python/python/clerkauth/_options.py";
    report.compare("bindings-python _options.py AuthenticateOptions", &members(&block(&py, file, "class AuthenticateOptions(", "def "), "    "), &names(not_host, KeyCase::Snake));
    report.compare("bindings-python _options.py OrganizationSyncOptions", &members(&block(&py, file, "class OrganizationSyncOptions(", "class "), "    "), &nested(KeyCase::Snake));

    let readme = read("ffi/README.md");
    let rows = block(&readme, "ffi/README.md", "### Options", "###");
    let (mut top, mut sync) = (BTreeSet::new(), BTreeSet::new());
    for row in rows.iter().filter(|l| l.starts_with("| ") && !l.starts_with("| |")) {
        let cells: Vec<&str> = row.split('|').collect();
        let (label, list) = (cells[1], cells[2]);
        if label.contains("inside `organizationSyncOptions`") { &mut sync } else { &mut top }.extend(backticked(list));
    }
    report.compare("ffi/README.md Options table", &top, &names(not_host, KeyCase::Camel));
    report.compare("ffi/README.md Options table, inside organizationSyncOptions", &sync, &nested(KeyCase::Camel));

    assert!(report.0.is_empty(), "option names differ from clerkauth::OPTION_NAMES:\n  {}", report.0.join("\n  "));
}
