//! Opt-in decision trace: the ordered steps the state machine took.

use std::cell::RefCell;

use serde_json::{json, Value};

/// One step: a short name and what was seen or decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceStep {
    /// Step name, e.g. `token-source`.
    pub step: &'static str,
    /// Detail, e.g. `cookie __session (suffixed: false)`.
    pub detail: String,
}

/// The ordered steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Steps in order.
    pub steps: Vec<TraceStep>,
}

impl Trace {
    /// JSON: a list of `{step, detail}`.
    pub fn to_json(&self) -> Value {
        Value::Array(self.steps.iter().map(|s| json!({"step": s.step, "detail": s.detail})).collect())
    }

    /// Human-readable, one numbered line per step.
    pub fn render(&self) -> String {
        self.steps.iter().enumerate().map(|(i, s)| format!("{:>2}. {:<22} {}\n", i + 1, s.step, s.detail)).collect()
    }
}

/// Collects steps when enabled; a disabled recorder never runs the detail closure.
#[derive(Debug, Default)]
pub(crate) struct Recorder(Option<RefCell<Trace>>);

impl Recorder {
    pub(crate) fn new(enabled: bool) -> Self {
        Recorder(enabled.then(RefCell::default))
    }

    #[inline]
    pub(crate) fn step(&self, step: &'static str, detail: impl FnOnce() -> String) {
        if let Some(t) = &self.0 {
            let detail = detail(); // before borrowing: the closure may read the call
            t.borrow_mut().steps.push(TraceStep { step, detail });
        }
    }

    pub(crate) fn take(&self) -> Option<Trace> {
        self.0.as_ref().map(RefCell::take)
    }
}
