//! Registry tables: survival rows ([`Cohort`]) and binary-response rows ([`BinaryTable`]), built
//! in code or parsed from CSV text (the caller reads the file) with caller-chosen column names.

use serde::Serialize;

/// Unit of the durations in a registry. Durations are kept as numbers in this unit; it is named
/// in every output (axis labels, medians) and never converted (a month is not a fixed span).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Days since the origin (for example the SIRT session).
    Days,
    /// Weeks since the origin.
    Weeks,
    /// Months since the origin.
    Months,
    /// Years since the origin.
    Years,
}

impl TimeUnit {
    /// The plural word used in labels: "days", "weeks", "months", "years".
    pub fn label(self) -> &'static str {
        match self {
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
            TimeUnit::Months => "months",
            TimeUnit::Years => "years",
        }
    }
}

impl std::fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for TimeUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "days" | "day" | "d" => Ok(TimeUnit::Days),
            "weeks" | "week" | "wk" => Ok(TimeUnit::Weeks),
            "months" | "month" | "mo" => Ok(TimeUnit::Months),
            "years" | "year" | "yr" | "y" => Ok(TimeUnit::Years),
            other => Err(format!(
                "expected a time unit (days, weeks, months or years), found \"{other}\""
            )),
        }
    }
}

/// One subject of a survival registry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subject {
    /// Follow-up from the origin to the event or to censoring, in the cohort's [`TimeUnit`].
    pub duration: f64,
    /// `true` when the event (death, progression) was observed at `duration`; `false` when the
    /// subject was censored there.
    pub event: bool,
    /// Group label (arm, dose class), when the cohort has one.
    pub group: Option<String>,
    /// Covariate values, in the order of [`Cohort::covariate_names`].
    pub covariates: Vec<f64>,
}

/// Missing-value handling when reading a CSV table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingValues {
    /// A missing cell in a used column is an error naming the line and column (default).
    #[default]
    Reject,
    /// Rows with a missing cell in a used column are left out (complete-case analysis); their
    /// line numbers are kept in the table.
    DropRow,
}

/// Cells read as missing: empty, `NA` (R), `NaN`/`nan` (pandas), `.` (SAS).
pub const MISSING_TOKENS: [&str; 5] = ["", "NA", "NaN", "nan", "."];

/// A survival registry: durations with their unit, event flags, optional groups and covariates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cohort {
    time_unit: TimeUnit,
    covariate_names: Vec<String>,
    subjects: Vec<Subject>,
    source: String,
    dropped_lines: Vec<usize>,
}

/// Why a cohort built in code was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CohortError {
    /// A duration is negative or not finite.
    #[error(
        "cohort {source_name}: subject {index}: expected a duration of 0 {unit} or more, found {found}"
    )]
    Duration {
        /// Table name.
        source_name: String,
        /// Zero-based subject index.
        index: usize,
        /// Unit of the durations.
        unit: TimeUnit,
        /// The value found.
        found: f64,
    },
    /// A subject's covariate count differs from the names given.
    #[error(
        "cohort {source_name}: subject {index}: expected {expected} covariate values, found {found}"
    )]
    CovariateCount {
        /// Table name.
        source_name: String,
        /// Zero-based subject index.
        index: usize,
        /// Number of covariate names.
        expected: usize,
        /// Number of values found.
        found: usize,
    },
    /// A covariate value is not finite.
    #[error(
        "cohort {source_name}: subject {index}: covariate \"{covariate}\": expected a finite number, found {found}"
    )]
    Covariate {
        /// Table name.
        source_name: String,
        /// Zero-based subject index.
        index: usize,
        /// Covariate name.
        covariate: String,
        /// The value found.
        found: f64,
    },
}

impl Cohort {
    /// Builds a cohort, checking durations (finite, ≥ 0) and covariates (count, finite).
    pub fn new(
        source_name: &str,
        time_unit: TimeUnit,
        covariate_names: Vec<String>,
        subjects: Vec<Subject>,
    ) -> Result<Self, CohortError> {
        for (index, s) in subjects.iter().enumerate() {
            if !(s.duration.is_finite() && s.duration >= 0.0) {
                return Err(CohortError::Duration {
                    source_name: source_name.to_string(),
                    index,
                    unit: time_unit,
                    found: s.duration,
                });
            }
            if s.covariates.len() != covariate_names.len() {
                return Err(CohortError::CovariateCount {
                    source_name: source_name.to_string(),
                    index,
                    expected: covariate_names.len(),
                    found: s.covariates.len(),
                });
            }
            if let Some((k, v)) = s
                .covariates
                .iter()
                .enumerate()
                .find(|(_, v)| !v.is_finite())
            {
                return Err(CohortError::Covariate {
                    source_name: source_name.to_string(),
                    index,
                    covariate: covariate_names[k].clone(),
                    found: *v,
                });
            }
        }
        Ok(Cohort {
            time_unit,
            covariate_names,
            subjects,
            source: source_name.to_string(),
            dropped_lines: Vec::new(),
        })
    }

    /// Unit of the durations.
    pub fn time_unit(&self) -> TimeUnit {
        self.time_unit
    }
    /// Covariate names, in column order.
    pub fn covariate_names(&self) -> &[String] {
        &self.covariate_names
    }
    /// The subjects.
    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }
    /// Where the table came from (file name or the name given to [`Cohort::new`]).
    pub fn source(&self) -> &str {
        &self.source
    }
    /// CSV line numbers left out under [`MissingValues::DropRow`].
    pub fn dropped_lines(&self) -> &[usize] {
        &self.dropped_lines
    }
    /// Durations, in subject order.
    pub fn durations(&self) -> Vec<f64> {
        self.subjects.iter().map(|s| s.duration).collect()
    }
    /// Event flags, in subject order.
    pub fn events(&self) -> Vec<bool> {
        self.subjects.iter().map(|s| s.event).collect()
    }
    /// Covariate rows, in subject order.
    pub fn covariate_rows(&self) -> Vec<Vec<f64>> {
        self.subjects.iter().map(|s| s.covariates.clone()).collect()
    }
    /// Distinct group labels in display order (numerically when every label is a number,
    /// otherwise lexicographically); empty when no subject has a group.
    pub fn group_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self
            .subjects
            .iter()
            .filter_map(|s| s.group.clone())
            .collect();
        sort_labels(&mut labels);
        labels.dedup();
        labels
    }
    /// A copy with every duration multiplied by `factor` (> 0) in the same unit label; for
    /// sensitivity checks.
    pub fn with_durations_scaled(&self, factor: f64) -> Self {
        let mut c = self.clone();
        for s in &mut c.subjects {
            s.duration *= factor;
        }
        c
    }
}

/// Sorts labels numerically when all parse as numbers, otherwise lexicographically.
pub(crate) fn sort_labels(labels: &mut [String]) {
    let numeric: Option<Vec<f64>> = labels
        .iter()
        .map(|l| l.trim().parse::<f64>().ok())
        .collect();
    if numeric.is_some() {
        labels.sort_by(|a, b| {
            let x = a.trim().parse::<f64>().unwrap_or(0.0);
            let y = b.trim().parse::<f64>().unwrap_or(0.0);
            x.total_cmp(&y).then_with(|| a.cmp(b))
        });
    } else {
        labels.sort();
    }
}

/// Column names of a survival CSV table, chosen by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct CohortColumns {
    /// Column holding the duration.
    pub duration: String,
    /// Column holding the event flag (1 = event, 0 = censored).
    pub event: String,
    /// Column holding the group label, if any.
    pub group: Option<String>,
    /// Covariate columns (numbers), in model order.
    pub covariates: Vec<String>,
    /// Unit of the duration column.
    pub time_unit: TimeUnit,
    /// Missing-value handling.
    pub missing: MissingValues,
}

impl CohortColumns {
    /// Duration and event columns only; no group, no covariates, missing values rejected.
    pub fn new(duration: &str, event: &str, time_unit: TimeUnit) -> Self {
        CohortColumns {
            duration: duration.to_string(),
            event: event.to_string(),
            group: None,
            covariates: Vec::new(),
            time_unit,
            missing: MissingValues::Reject,
        }
    }
    /// Adds a group column.
    pub fn with_group(mut self, group: &str) -> Self {
        self.group = Some(group.to_string());
        self
    }
    /// Sets the covariate columns.
    pub fn with_covariates<S: AsRef<str>>(mut self, covariates: &[S]) -> Self {
        self.covariates = covariates.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }
    /// Sets the missing-value handling.
    pub fn with_missing(mut self, missing: MissingValues) -> Self {
        self.missing = missing;
        self
    }
}

/// Column names of a binary-response CSV table (response vs covariates).
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryColumns {
    /// Column holding the response (1 = responder / positive, 0 = not).
    pub response: String,
    /// Covariate columns (for example the tumour absorbed dose in Gy).
    pub covariates: Vec<String>,
    /// Missing-value handling.
    pub missing: MissingValues,
}

/// A binary response with covariates, for logistic regression and ROC analysis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BinaryTable {
    response_name: String,
    covariate_names: Vec<String>,
    responses: Vec<bool>,
    covariates: Vec<Vec<f64>>,
    source: String,
    dropped_lines: Vec<usize>,
}

/// Why a binary table built in code was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BinaryTableError {
    /// Row count differs between responses and covariates, or a row's width differs.
    #[error("binary table {source_name}: row {index}: expected {expected} values, found {found}")]
    Shape {
        /// Table name.
        source_name: String,
        /// Zero-based row (or `usize::MAX` for the response vector).
        index: usize,
        /// Expected count.
        expected: usize,
        /// Count found.
        found: usize,
    },
    /// A covariate value is not finite.
    #[error(
        "binary table {source_name}: row {index}: covariate \"{covariate}\": expected a finite number, found {found}"
    )]
    Covariate {
        /// Table name.
        source_name: String,
        /// Zero-based row.
        index: usize,
        /// Covariate name.
        covariate: String,
        /// Value found.
        found: f64,
    },
}

impl BinaryTable {
    /// Builds a table; `covariates[i]` is row i, in the order of `covariate_names`.
    pub fn new(
        source_name: &str,
        response_name: &str,
        covariate_names: Vec<String>,
        responses: Vec<bool>,
        covariates: Vec<Vec<f64>>,
    ) -> Result<Self, BinaryTableError> {
        if covariates.len() != responses.len() {
            return Err(BinaryTableError::Shape {
                source_name: source_name.to_string(),
                index: usize::MAX,
                expected: responses.len(),
                found: covariates.len(),
            });
        }
        for (index, row) in covariates.iter().enumerate() {
            if row.len() != covariate_names.len() {
                return Err(BinaryTableError::Shape {
                    source_name: source_name.to_string(),
                    index,
                    expected: covariate_names.len(),
                    found: row.len(),
                });
            }
            if let Some((k, v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(BinaryTableError::Covariate {
                    source_name: source_name.to_string(),
                    index,
                    covariate: covariate_names[k].clone(),
                    found: *v,
                });
            }
        }
        Ok(BinaryTable {
            response_name: response_name.to_string(),
            covariate_names,
            responses,
            covariates,
            source: source_name.to_string(),
            dropped_lines: Vec::new(),
        })
    }
    /// Name of the response column.
    pub fn response_name(&self) -> &str {
        &self.response_name
    }
    /// Covariate names.
    pub fn covariate_names(&self) -> &[String] {
        &self.covariate_names
    }
    /// Responses (true = positive).
    pub fn responses(&self) -> &[bool] {
        &self.responses
    }
    /// Covariate rows.
    pub fn covariates(&self) -> &[Vec<f64>] {
        &self.covariates
    }
    /// One covariate column by name.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let k = self.covariate_names.iter().position(|n| n == name)?;
        Some(self.covariates.iter().map(|r| r[k]).collect())
    }
    /// Where the table came from.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// CSV line numbers left out under [`MissingValues::DropRow`].
    pub fn dropped_lines(&self) -> &[usize] {
        &self.dropped_lines
    }
}

/// Why a CSV registry table could not be read. Every message names the file, and where it
/// applies the line (1 = header) and the column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    /// The file has no header line.
    #[error("registry file {file}: expected a header line with column names, found an empty file")]
    NoHeader {
        /// File name.
        file: String,
    },
    /// A requested column is not in the header.
    #[error(
        "registry file {file}, line 1: expected a column named \"{column}\" ({role}), found only {available}"
    )]
    MissingColumn {
        /// File name.
        file: String,
        /// Column asked for.
        column: String,
        /// What the column was to hold (duration, event, group, covariate, response).
        role: &'static str,
        /// Header names, quoted and comma-separated.
        available: String,
    },
    /// A header name appears twice.
    #[error("registry file {file}, line 1: expected unique column names, found \"{column}\" twice")]
    DuplicateColumn {
        /// File name.
        file: String,
        /// The repeated name.
        column: String,
    },
    /// A row has a different number of fields from the header.
    #[error(
        "registry file {file}, line {line}: expected {expected} fields as in the header, found {found}"
    )]
    FieldCount {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Header width.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A quoted field is not closed on its line.
    #[error(
        "registry file {file}, line {line}: expected a closing quote, found the end of the line"
    )]
    Quote {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// A cell does not hold what its column needs.
    #[error(
        "registry file {file}, line {line}, column \"{column}\": expected {expected}, found \"{found}\""
    )]
    Value {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// What was expected.
        expected: String,
        /// The cell text.
        found: String,
    },
    /// No data rows (or every row dropped for missing values).
    #[error("registry file {file}: expected at least one data row, found {what}")]
    NoRows {
        /// File name.
        file: String,
        /// "none" or "only rows with missing values".
        what: &'static str,
    },
}

/// Splits one CSV line into fields (comma-separated, RFC 4180 double quotes with `""` escapes).
fn split_csv_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c == ',' {
            fields.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if in_quotes {
        return None;
    }
    fields.push(cur);
    Some(fields)
}

struct Csv {
    header: Vec<String>,
    /// (1-based line number, fields)
    rows: Vec<(usize, Vec<String>)>,
}

fn parse_csv(text: &str, file: &str) -> Result<Csv, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((hline, header)) = lines.next() else {
        return Err(ReadError::NoHeader {
            file: file.to_string(),
        });
    };
    let header: Vec<String> = split_csv_line(header)
        .ok_or(ReadError::Quote {
            file: file.to_string(),
            line: hline,
        })?
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(ReadError::DuplicateColumn {
                file: file.to_string(),
                column: h.clone(),
            });
        }
    }
    let mut rows = Vec::new();
    for (line, l) in lines {
        let fields = split_csv_line(l).ok_or(ReadError::Quote {
            file: file.to_string(),
            line,
        })?;
        if fields.len() != header.len() {
            return Err(ReadError::FieldCount {
                file: file.to_string(),
                line,
                expected: header.len(),
                found: fields.len(),
            });
        }
        rows.push((line, fields));
    }
    Ok(Csv { header, rows })
}

fn column_index(
    csv: &Csv,
    file: &str,
    column: &str,
    role: &'static str,
) -> Result<usize, ReadError> {
    csv.header
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| ReadError::MissingColumn {
            file: file.to_string(),
            column: column.to_string(),
            role,
            available: csv
                .header
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn is_missing(cell: &str) -> bool {
    MISSING_TOKENS.contains(&cell.trim())
}

/// Parses a 0/1 cell.
fn parse_flag(cell: &str) -> Option<bool> {
    let v = cell.trim().parse::<f64>().ok()?;
    if v == 0.0 {
        Some(false)
    } else if v == 1.0 {
        Some(true)
    } else {
        None
    }
}

/// Parses survival registry CSV text (`file` names it in errors): a header line, then one
/// subject per line. Durations must be numbers ≥ 0 in `columns.time_unit`; events 0 or 1;
/// covariates numbers; a group cell is taken as text.
pub fn parse_cohort_csv(
    text: &str,
    file: &str,
    columns: &CohortColumns,
) -> Result<Cohort, ReadError> {
    let csv = parse_csv(text, file)?;
    let id = column_index(&csv, file, &columns.duration, "duration")?;
    let ie = column_index(&csv, file, &columns.event, "event")?;
    let ig = match &columns.group {
        Some(g) => Some(column_index(&csv, file, g, "group")?),
        None => None,
    };
    let ic: Vec<usize> = columns
        .covariates
        .iter()
        .map(|c| column_index(&csv, file, c, "covariate"))
        .collect::<Result<_, _>>()?;
    let unit = columns.time_unit;
    let mut subjects = Vec::with_capacity(csv.rows.len());
    let mut dropped = Vec::new();
    'rows: for (line, f) in &csv.rows {
        let value_err = |col: &str, expected: String, found: &str| ReadError::Value {
            file: file.to_string(),
            line: *line,
            column: col.to_string(),
            expected,
            found: found.to_string(),
        };
        let mut used: Vec<(usize, &str)> = vec![(id, &columns.duration), (ie, &columns.event)];
        if let (Some(i), Some(g)) = (ig, &columns.group) {
            used.push((i, g));
        }
        used.extend(
            ic.iter()
                .zip(&columns.covariates)
                .map(|(&i, c)| (i, c.as_str())),
        );
        for (i, name) in &used {
            if is_missing(&f[*i]) {
                match columns.missing {
                    MissingValues::DropRow => {
                        dropped.push(*line);
                        continue 'rows;
                    }
                    MissingValues::Reject => {
                        return Err(value_err(
                            name,
                            "a value (missing cells are refused; drop incomplete rows to allow them)"
                                .to_string(),
                            &f[*i],
                        ));
                    }
                }
            }
        }
        let dcell = f[id].trim();
        let duration = match dcell.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => v,
            _ => {
                return Err(value_err(
                    &columns.duration,
                    format!("a duration of 0 {unit} or more"),
                    dcell,
                ));
            }
        };
        let event = parse_flag(&f[ie]).ok_or_else(|| {
            value_err(
                &columns.event,
                "an event flag 0 (censored) or 1 (event)".to_string(),
                f[ie].trim(),
            )
        })?;
        let group = ig.map(|i| f[i].trim().to_string());
        let mut covariates = Vec::with_capacity(ic.len());
        for (&i, name) in ic.iter().zip(&columns.covariates) {
            let cell = f[i].trim();
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => covariates.push(v),
                _ => return Err(value_err(name, "a finite number".to_string(), cell)),
            }
        }
        subjects.push(Subject {
            duration,
            event,
            group,
            covariates,
        });
    }
    if subjects.is_empty() {
        return Err(ReadError::NoRows {
            file: file.to_string(),
            what: if dropped.is_empty() {
                "none"
            } else {
                "only rows with missing values"
            },
        });
    }
    Ok(Cohort {
        time_unit: unit,
        covariate_names: columns.covariates.clone(),
        subjects,
        source: file.to_string(),
        dropped_lines: dropped,
    })
}

/// Parses binary-response CSV text: the response column holds 0 or 1, covariates numbers.
pub fn parse_binary_csv(
    text: &str,
    file: &str,
    columns: &BinaryColumns,
) -> Result<BinaryTable, ReadError> {
    let csv = parse_csv(text, file)?;
    let ir = column_index(&csv, file, &columns.response, "response")?;
    let ic: Vec<usize> = columns
        .covariates
        .iter()
        .map(|c| column_index(&csv, file, c, "covariate"))
        .collect::<Result<_, _>>()?;
    let mut responses = Vec::new();
    let mut rows = Vec::new();
    let mut dropped = Vec::new();
    'rows: for (line, f) in &csv.rows {
        let value_err = |col: &str, expected: &str, found: &str| ReadError::Value {
            file: file.to_string(),
            line: *line,
            column: col.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        };
        let used = std::iter::once((ir, columns.response.as_str())).chain(
            ic.iter()
                .zip(&columns.covariates)
                .map(|(&i, c)| (i, c.as_str())),
        );
        for (i, name) in used {
            if is_missing(&f[i]) {
                match columns.missing {
                    MissingValues::DropRow => {
                        dropped.push(*line);
                        continue 'rows;
                    }
                    MissingValues::Reject => {
                        return Err(value_err(
                            name,
                            "a value (missing cells are refused; drop incomplete rows to allow them)",
                            &f[i],
                        ));
                    }
                }
            }
        }
        let r = parse_flag(&f[ir])
            .ok_or_else(|| value_err(&columns.response, "a response flag 0 or 1", f[ir].trim()))?;
        let mut row = Vec::with_capacity(ic.len());
        for (&i, name) in ic.iter().zip(&columns.covariates) {
            let cell = f[i].trim();
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => row.push(v),
                _ => return Err(value_err(name, "a finite number", cell)),
            }
        }
        responses.push(r);
        rows.push(row);
    }
    if responses.is_empty() {
        return Err(ReadError::NoRows {
            file: file.to_string(),
            what: if dropped.is_empty() {
                "none"
            } else {
                "only rows with missing values"
            },
        });
    }
    Ok(BinaryTable {
        response_name: columns.response.clone(),
        covariate_names: columns.covariates.clone(),
        responses,
        covariates: rows,
        source: file.to_string(),
        dropped_lines: dropped,
    })
}
