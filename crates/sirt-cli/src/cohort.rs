//! `sirtplan cohort ...`: outcome statistics of a registry CSV (Kaplan–Meier with its plot,
//! log-rank, Cox, logistic regression, ROC). Thin shells over sirt-survival; docs/followup.md.

use crate::{Failure, Format, Result, input};
use anyhow::anyhow;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use sirt_i18n::{Lang, t};
use sirt_survival::{
    BinaryColumns, BinaryTable, CiTransform, Cohort as Table, CohortColumns, CoxOptions, KmOptions,
    KmPlotOptions, KmReport, LogisticOptions, MedianRule, MissingValues, PositiveSide, Ties,
    TimeUnit,
};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The registry file and what is common to every statistic.
#[derive(Args)]
pub(crate) struct Registry {
    /// The registry: a CSV file with a header line of column names, then one patient per line
    /// (docs/followup.md).
    file: PathBuf,
    /// Leave out rows with a missing cell (empty, NA, NaN, nan, .) in a column used
    /// (complete-case analysis). By default such a row is refused.
    #[arg(long)]
    drop_incomplete: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

impl Registry {
    fn missing(&self) -> MissingValues {
        if self.drop_incomplete {
            MissingValues::DropRow
        } else {
            MissingValues::Reject
        }
    }

    fn name(&self) -> String {
        self.file.display().to_string()
    }

    /// The registry file's text (the CLI reads files; sirt-survival parses text).
    fn text(&self) -> Result<String> {
        std::fs::read_to_string(&self.file).map_err(|e| {
            input(anyhow!(
                "registry file {}: cannot be read: {e}",
                self.name()
            ))
        })
    }
}

/// The survival columns.
#[derive(Args)]
pub(crate) struct Survival {
    /// Column of the follow-up time from the origin (e.g. the SIRT session) to the event or to
    /// censoring.
    #[arg(long, value_name = "COLUMN")]
    duration: String,
    /// Unit of the duration column: days, weeks, months or years. It is named in every output
    /// and never converted.
    #[arg(long, value_name = "UNIT")]
    unit: TimeUnit,
    /// Column of the event flag: 1 = event (death, progression), 0 = censored.
    #[arg(long, value_name = "COLUMN")]
    event: String,
}

/// Pointwise confidence-interval transform of the Kaplan–Meier curve.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Ci {
    /// S·exp(±z·√Σ), capped at 1 (R survfit's default).
    Log,
    /// Kalbfleisch–Prentice exponential Greenwood (lifelines; R conf.type = "log-log").
    LogLog,
    /// S ± z·SE, clipped to [0, 1].
    Plain,
}

/// Median rule when the curve lies exactly on 0.5 over an interval.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Median {
    /// The first time Ŝ(t) ≤ 0.5, equality to within √ε (lifelines' rule).
    FirstAtOrBelow,
    /// The midpoint of a flat at 0.5 (R quantile.survfit).
    MidpointOfFlat,
}

/// Ties in the Cox partial likelihood.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TiesArg {
    /// Efron 1977 (R coxph, lifelines).
    Efron,
    /// Breslow 1974 (SAS PHREG, Stata stcox).
    Breslow,
}

#[derive(Subcommand)]
pub(crate) enum Cohort {
    /// Kaplan–Meier curves (one per group, or of all patients): median with its interval;
    /// --svg writes the plot with the numbers at risk.
    Km {
        #[command(flatten)]
        survival: Survival,
        /// Column of the group label (arm, device, dose class): one curve per group.
        #[arg(long, value_name = "COLUMN")]
        group: Option<String>,
        /// Pointwise confidence-interval transform (it also sets the median's interval).
        #[arg(long, value_enum, default_value = "log-log")]
        ci: Ci,
        /// Two-sided level: 100·(1 − alpha) % intervals.
        #[arg(long, default_value = "0.05", value_parser = alpha)]
        alpha: f64,
        /// Median rule on a flat at exactly 0.5.
        #[arg(long, value_enum, default_value = "first-at-or-below")]
        median_rule: Median,
        /// Write the Kaplan–Meier plot (SVG, with the numbers-at-risk table) to this file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Draw the pointwise confidence band in the plot.
        #[arg(long, requires = "svg")]
        band: bool,
        /// Title of the plot.
        #[arg(long, value_name = "TEXT", requires = "svg")]
        title: Option<String>,
        /// Times of the numbers-at-risk table (and plot ticks), comma-separated, in the
        /// duration's unit; also printed (default in the plot: 4–8 round ticks).
        #[arg(long, value_name = "T1,T2,...", value_delimiter = ',', value_parser = time)]
        risk_times: Option<Vec<f64>>,
        #[command(flatten)]
        registry: Registry,
    },
    /// Log-rank test between the groups (χ² on k − 1 df), with each group's Kaplan–Meier median
    /// (log-log interval, first time Ŝ ≤ 0.5).
    Logrank {
        #[command(flatten)]
        survival: Survival,
        /// Column of the group label.
        #[arg(long, value_name = "COLUMN")]
        group: String,
        #[command(flatten)]
        registry: Registry,
    },
    /// Cox proportional-hazards model: hazard ratios with intervals, Wald and likelihood-ratio
    /// tests, concordance.
    Cox {
        #[command(flatten)]
        survival: Survival,
        /// Covariate columns (numbers), repeatable or comma-separated.
        #[arg(
            long = "covariate",
            value_name = "COLUMN",
            value_delimiter = ',',
            required = true
        )]
        covariates: Vec<String>,
        /// Handling of tied event times.
        #[arg(long, value_enum, default_value = "efron")]
        ties: TiesArg,
        /// Two-sided level of the hazard-ratio intervals.
        #[arg(long, default_value = "0.05", value_parser = alpha)]
        alpha: f64,
        #[command(flatten)]
        registry: Registry,
    },
    /// Logistic regression of a 0/1 response (e.g. objective response) on covariates (e.g. the
    /// tumour absorbed dose): odds ratios with intervals, likelihood-ratio test.
    Logistic {
        /// Column of the response: 1 = responder, 0 = not.
        #[arg(long, value_name = "COLUMN")]
        response: String,
        /// Covariate columns (numbers), repeatable or comma-separated.
        #[arg(
            long = "covariate",
            visible_alias = "score",
            value_name = "COLUMN",
            value_delimiter = ',',
            required = true
        )]
        covariates: Vec<String>,
        /// Two-sided level of the odds-ratio intervals.
        #[arg(long, default_value = "0.05", value_parser = alpha)]
        alpha: f64,
        #[command(flatten)]
        registry: Registry,
    },
    /// ROC curve of a score (e.g. the tumour absorbed dose) against a 0/1 response: AUC and
    /// Youden's threshold.
    Roc {
        /// Column of the response: 1 = positive, 0 = negative.
        #[arg(long, value_name = "COLUMN")]
        response: String,
        /// Column of the score (numbers).
        #[arg(long, value_name = "COLUMN")]
        score: String,
        /// Call a patient positive when the score is at or below the threshold (default: at or
        /// above).
        #[arg(long)]
        lower_is_positive: bool,
        /// The score in words with its unit, for the report, e.g. "tumour absorbed dose (Gy)"
        /// (default: the column name).
        #[arg(long, value_name = "TEXT")]
        score_label: Option<String>,
        #[command(flatten)]
        registry: Registry,
    },
}

fn alpha(s: &str) -> std::result::Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(a) if a > 0.0 && a < 1.0 => Ok(a),
        _ => Err(format!(
            "expected a number between 0 and 1 (exclusive), e.g. 0.05, found \"{s}\""
        )),
    }
}

fn time(s: &str) -> std::result::Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!("expected a time of 0 or more, found \"{s}\"")),
    }
}

fn read_cohort(
    registry: &Registry,
    survival: &Survival,
    group: Option<&str>,
    covariates: &[String],
) -> Result<Table> {
    let mut columns = CohortColumns::new(&survival.duration, &survival.event, survival.unit)
        .with_covariates(covariates)
        .with_missing(registry.missing());
    if let Some(g) = group {
        columns = columns.with_group(g);
    }
    sirt_survival::parse_cohort_csv(&registry.text()?, &registry.name(), &columns).map_err(input)
}

fn read_binary(registry: &Registry, response: &str, covariates: &[String]) -> Result<BinaryTable> {
    let columns = BinaryColumns {
        response: response.to_owned(),
        covariates: covariates.to_vec(),
        missing: registry.missing(),
    };
    sirt_survival::parse_binary_csv(&registry.text()?, &registry.name(), &columns).map_err(input)
}

/// A model error on the registry's data: the user's input, named by the file.
fn model_error(registry: &Registry, e: impl std::fmt::Display) -> Failure {
    input(anyhow!("registry file {}: {e}", registry.name()))
}

/// The lines left out under --drop-incomplete, for the text report.
fn dropped_note(lang: Lang, lines: &[usize]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let list: Vec<String> = lines.iter().map(ToString::to_string).collect();
    format!(
        "{}\n",
        t!(
            lang,
            "fu-cohort-dropped",
            count = lines.len(),
            lines = list.join(", ")
        )
    )
}

/// Writes `bytes` to a temporary file in the folder of `path`, then renames it: the file is
/// either complete or absent (an earlier file of that name is kept on failure).
fn write_whole(flag: &str, path: &Path, bytes: &[u8]) -> Result<()> {
    let fail =
        |e: &dyn std::fmt::Display| input(anyhow!("{flag}: cannot write {}: {e}", path.display()));
    let Some(name) = path.file_name() else {
        return Err(fail(&"expected a file name, found a folder"));
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.sirtplan-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    if let Err(e) = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(&e));
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Failure::Internal(e.into()))
}

/// Adds the keys every cohort JSON carries and prints it.
fn print_json(mut v: Value, source: &str, dropped: &[usize], out: &mut impl Write) -> Result<()> {
    if let Value::Object(map) = &mut v {
        map.insert("source".into(), Value::from(source));
        map.insert("dropped_lines".into(), json!(dropped));
        map.insert(
            "research_notice".into(),
            Value::from(sirt_workflow::RESEARCH_NOTICE),
        );
    }
    let text = serde_json::to_string_pretty(&v).map_err(|e| Failure::Internal(e.into()))?;
    writeln!(out, "{text}")?;
    Ok(())
}

fn print_text(lang: Lang, body: &str, dropped: &[usize], out: &mut impl Write) -> Result<()> {
    write!(
        out,
        "{body}\n{}{}\n",
        dropped_note(lang, dropped),
        lang.research_notice()
    )?;
    Ok(())
}

/// Numbers at risk as a text table.
fn at_risk_text(lang: Lang, report: &KmReport, times: &[f64]) -> String {
    let table = report.at_risk(times);
    let w = table
        .groups
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let unit = unit_text(lang, report.time_unit);
    let mut o = format!(
        "\n{}\n{:<w$}",
        t!(lang, "fu-cohort-at-risk", unit = unit),
        t!(lang, "fu-cohort-time")
    );
    for t in times {
        let _ = write!(o, "  {:>6}", lang.numeric(&format!("{t}")));
    }
    o.push('\n');
    for (label, counts) in &table.groups {
        let _ = write!(o, "{label:<w$}");
        for n in counts {
            let _ = write!(o, "  {n:>6}");
        }
        o.push('\n');
    }
    o
}

pub(crate) fn run(cmd: Cohort, lang: Lang, out: &mut impl Write) -> Result<()> {
    match cmd {
        Cohort::Km {
            registry,
            survival,
            group,
            ci,
            alpha,
            median_rule,
            svg,
            band,
            title,
            risk_times,
        } => {
            let cohort = read_cohort(&registry, &survival, group.as_deref(), &[])?;
            let report = sirt_survival::kaplan_meier(&cohort, &km_options(ci, alpha, median_rule))
                .map_err(|e| model_error(&registry, e))?;
            if let Some(path) = &svg {
                let plot = sirt_survival::render_km_svg_in(
                    &report,
                    &KmPlotOptions {
                        show_ci: band,
                        risk_times: risk_times.clone(),
                        title,
                    },
                    lang,
                );
                write_whole("--svg", path, plot.as_bytes())?;
            }
            print_km(
                lang,
                &registry,
                &cohort,
                &report,
                risk_times.as_deref(),
                svg.as_deref(),
                out,
            )
        }
        Cohort::Logrank {
            registry,
            survival,
            group,
        } => logrank(lang, &registry, &survival, &group, out),
        Cohort::Cox {
            registry,
            survival,
            covariates,
            ties,
            alpha,
        } => cox(lang, &registry, &survival, &covariates, ties, alpha, out),
        Cohort::Logistic {
            registry,
            response,
            covariates,
            alpha,
        } => logistic(lang, &registry, &response, &covariates, alpha, out),
        Cohort::Roc {
            registry,
            response,
            score,
            lower_is_positive,
            score_label,
        } => {
            let side = if lower_is_positive {
                PositiveSide::LowerScore
            } else {
                PositiveSide::HigherScore
            };
            roc(
                lang,
                &registry,
                response,
                score,
                side,
                score_label.as_deref(),
                out,
            )
        }
    }
}

/// The Kaplan–Meier options of the command line.
fn km_options(ci: Ci, alpha: f64, median_rule: Median) -> KmOptions {
    KmOptions {
        alpha,
        transform: match ci {
            Ci::Log => CiTransform::Log,
            Ci::LogLog => CiTransform::LogLog,
            Ci::Plain => CiTransform::Plain,
        },
        median_rule: match median_rule {
            Median::FirstAtOrBelow => MedianRule::FirstAtOrBelow,
            Median::MidpointOfFlat => MedianRule::MidpointOfFlat,
        },
    }
}

/// Prints the Kaplan–Meier report, with the numbers at risk at `risk_times` and the path of
/// the plot when written.
fn print_km(
    lang: Lang,
    registry: &Registry,
    cohort: &Table,
    report: &KmReport,
    risk_times: Option<&[f64]>,
    svg: Option<&Path>,
    out: &mut impl Write,
) -> Result<()> {
    match registry.format {
        Format::Text => {
            let mut body = sirt_survival::km_summary_text_in(report, None, lang);
            if let Some(times) = risk_times {
                body.push_str(&at_risk_text(lang, report, times));
            }
            if let Some(path) = svg {
                let _ = writeln!(
                    body,
                    "\n{}",
                    t!(
                        lang,
                        "fu-cohort-plot-written",
                        path = path.display().to_string()
                    )
                );
            }
            print_text(lang, &body, cohort.dropped_lines(), out)
        }
        Format::Json => {
            let mut v = to_json(report)?;
            if let Value::Object(map) = &mut v {
                let at_risk = match risk_times {
                    Some(t) => to_json(&report.at_risk(t))?,
                    None => Value::Null,
                };
                map.insert("at_risk".into(), at_risk);
                map.insert(
                    "svg".into(),
                    svg.map_or(Value::Null, |p| Value::from(p.display().to_string())),
                );
            }
            print_json(v, &registry.name(), cohort.dropped_lines(), out)
        }
    }
}

/// `cohort logrank`: the test with each group's Kaplan–Meier median.
fn logrank(
    lang: Lang,
    registry: &Registry,
    survival: &Survival,
    group: &str,
    out: &mut impl Write,
) -> Result<()> {
    let cohort = read_cohort(registry, survival, Some(group), &[])?;
    let test = sirt_survival::logrank(&cohort).map_err(|e| model_error(registry, e))?;
    let report = sirt_survival::kaplan_meier(&cohort, &KmOptions::default())
        .map_err(|e| model_error(registry, e))?;
    match registry.format {
        Format::Text => print_text(
            lang,
            &sirt_survival::km_summary_text_in(&report, Some(&test), lang),
            cohort.dropped_lines(),
            out,
        ),
        Format::Json => {
            let mut v = to_json(&test)?;
            if let Value::Object(map) = &mut v {
                map.insert("time_unit".into(), to_json(&report.time_unit)?);
                let medians: Vec<Value> = report
                    .groups
                    .iter()
                    .map(|g| json!({"label": g.label, "median": g.curve.median}))
                    .collect();
                map.insert("km_medians".into(), Value::from(medians));
            }
            print_json(v, &registry.name(), cohort.dropped_lines(), out)
        }
    }
}

/// `cohort cox`: the Cox model of the covariates.
fn cox(
    lang: Lang,
    registry: &Registry,
    survival: &Survival,
    covariates: &[String],
    ties: TiesArg,
    alpha: f64,
    out: &mut impl Write,
) -> Result<()> {
    let cohort = read_cohort(registry, survival, None, covariates)?;
    let options = CoxOptions {
        ties: match ties {
            TiesArg::Efron => Ties::Efron,
            TiesArg::Breslow => Ties::Breslow,
        },
        alpha,
        ..CoxOptions::default()
    };
    let fit = sirt_survival::cox(&cohort, &options).map_err(|e| model_error(registry, e))?;
    match registry.format {
        Format::Text => print_text(
            lang,
            &format!(
                "{}\n{}",
                t!(
                    lang,
                    "fu-cohort-registry-survival",
                    registry = registry.name(),
                    duration = survival.duration.clone(),
                    unit = unit_text(lang, survival.unit),
                    event = survival.event.clone()
                ),
                sirt_survival::cox_summary_text_in(&fit, lang)
            ),
            cohort.dropped_lines(),
            out,
        ),
        Format::Json => {
            let mut v = to_json(&fit)?;
            if let Value::Object(map) = &mut v {
                map.insert("time_unit".into(), to_json(&cohort.time_unit())?);
            }
            print_json(v, &registry.name(), cohort.dropped_lines(), out)
        }
    }
}

/// `cohort logistic`: the logistic regression of the response on the covariates.
fn logistic(
    lang: Lang,
    registry: &Registry,
    response: &str,
    covariates: &[String],
    alpha: f64,
    out: &mut impl Write,
) -> Result<()> {
    let table = read_binary(registry, response, covariates)?;
    let options = LogisticOptions {
        alpha,
        ..LogisticOptions::default()
    };
    let fit = sirt_survival::logistic(&table, &options).map_err(|e| model_error(registry, e))?;
    match registry.format {
        Format::Text => print_text(
            lang,
            &format!(
                "{}\n{}",
                t!(
                    lang,
                    "fu-cohort-registry-response",
                    registry = registry.name(),
                    response = response
                ),
                sirt_survival::logistic_summary_text_in(&fit, lang)
            ),
            table.dropped_lines(),
            out,
        ),
        Format::Json => print_json(to_json(&fit)?, &registry.name(), table.dropped_lines(), out),
    }
}

/// `cohort roc`: the ROC curve of the score against the response.
fn roc(
    lang: Lang,
    registry: &Registry,
    response: String,
    score: String,
    side: PositiveSide,
    score_label: Option<&str>,
    out: &mut impl Write,
) -> Result<()> {
    let table = read_binary(registry, &response, std::slice::from_ref(&score))?;
    let scores: Vec<f64> = table.covariates().iter().map(|row| row[0]).collect();
    let curve = sirt_survival::roc(&scores, table.responses(), side)
        .map_err(|e| model_error(registry, e))?;
    match registry.format {
        Format::Text => print_text(
            lang,
            &format!(
                "{}\n{}",
                t!(
                    lang,
                    "fu-cohort-registry-roc",
                    registry = registry.name(),
                    response = response.clone(),
                    score = score.clone()
                ),
                sirt_survival::roc_summary_text_in(&curve, score_label.unwrap_or(&score), lang)
            ),
            table.dropped_lines(),
            out,
        ),
        Format::Json => {
            let mut v = to_json(&curve)?;
            if let Value::Object(map) = &mut v {
                map.insert("response".into(), Value::from(response));
                map.insert("score".into(), Value::from(score));
            }
            print_json(v, &registry.name(), table.dropped_lines(), out)
        }
    }
}

/// A time unit in words ("months", "mois").
fn unit_text(lang: Lang, unit: TimeUnit) -> String {
    match unit {
        TimeUnit::Days => t!(lang, "fu-km-unit-days"),
        TimeUnit::Weeks => t!(lang, "fu-km-unit-weeks"),
        TimeUnit::Months => t!(lang, "fu-km-unit-months"),
        TimeUnit::Years => t!(lang, "fu-km-unit-years"),
    }
}
