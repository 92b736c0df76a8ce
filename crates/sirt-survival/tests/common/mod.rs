//! Reading the test data files: sirt-survival parses text and reads no files, so the tests (and
//! the CLI's follow-up tests, through `#[path]`) read them here.

#![allow(dead_code, clippy::unwrap_used)]

/// Reads a registry CSV file and parses it.
pub fn read_cohort_csv(
    path: &std::path::Path,
    columns: &sirt_survival::CohortColumns,
) -> Result<sirt_survival::Cohort, sirt_survival::ReadError> {
    let text = std::fs::read_to_string(path).unwrap();
    sirt_survival::parse_cohort_csv(&text, &path.display().to_string(), columns)
}

/// Reads a binary-response CSV file and parses it.
pub fn read_binary_csv(
    path: &std::path::Path,
    columns: &sirt_survival::BinaryColumns,
) -> Result<sirt_survival::BinaryTable, sirt_survival::ReadError> {
    let text = std::fs::read_to_string(path).unwrap();
    sirt_survival::parse_binary_csv(&text, &path.display().to_string(), columns)
}
