//! Errors of reading and evaluating a measurement file, and baseline findings.

use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Severity {
    /// The series does not meet the criteria; it is not evaluated.
    #[serde(rename = "error")]
    Error,
    /// Evaluated, but a reader should know.
    #[serde(rename = "warning")]
    Warning,
}

/// One baseline or follow-up check that did not pass, with the rule it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Where: "baseline (2025-01-06), lesion `T1`".
    pub place: String,
    /// What, in one sentence.
    pub message: String,
    /// The rule: guideline, section and source.
    pub rule: &'static str,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.place, self.message, self.rule)
    }
}

fn location(place: &str, field: &str) -> String {
    match (place.is_empty(), field.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("field `{field}`: "),
        (false, true) => format!("{place}: "),
        (false, false) => format!("{place}, field `{field}`: "),
    }
}

fn join(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A measurement file that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecistError {
    /// TOML syntax, an unknown key, or a value of the wrong TOML type.
    #[error("recist file {file}: {message}")]
    Syntax {
        /// File name as given.
        file: String,
        /// The TOML reader's message, with line and column.
        message: String,
    },
    /// A value that reads but cannot be used.
    #[error(
        "recist file {file}: {}expected {expected}, found {found}",
        location(place, field)
    )]
    Invalid {
        /// File name as given.
        file: String,
        /// Visit and lesion ("follow-up 2 (2025-04-10), lesion `T1`"), or empty for the top level.
        place: String,
        /// Field name ("diameter_mm").
        field: String,
        /// What was expected.
        expected: String,
        /// What was found, as written.
        found: String,
    },
    /// The baseline does not meet the criteria (every error-severity finding is listed).
    #[error(
        "recist file {file}: the baseline does not meet {criteria}: {}",
        join(findings)
    )]
    Baseline {
        /// File name as given.
        file: String,
        /// Criteria name.
        criteria: String,
        /// The error findings.
        findings: Vec<Finding>,
    },
}
