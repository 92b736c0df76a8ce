//! Follow-up commands on one patient's files: `sirtplan recist` (tumour response), `sirtplan
//! eligibility` (work-up against the eligibility rules) and `sirtplan labs` (CTCAE grading,
//! REILD). Thin shells over sirt-recist and sirt-clinical; docs/followup.md. The text follows
//! `--lang` (English by default); JSON is the same in every language.

use crate::{Failure, Format, Result, input, read};
use anyhow::anyhow;
use clap::{Args, ValueEnum};
use serde_json::Value;
use sirt_clinical::{CtcaeVersion, PatientRecord, RuleSet};
use sirt_i18n::Lang;
use sirt_recist::{Criteria, MAX_LENGTH_TENTH_MM, Params};
use std::io::Write;
use std::path::PathBuf;

/// Response criteria, as spelled on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CriteriaArg {
    /// RECIST 1.1 (Eisenhauer 2009).
    Recist11,
    /// mRECIST (Lencioni & Llovet 2010): viable (arterially enhancing) tumour.
    Mrecist,
    /// Choi (Choi 2007): size or CT density.
    Choi,
    /// Modified Choi: size and CT density for PR.
    ModifiedChoi,
}

impl CriteriaArg {
    fn criteria(self) -> Criteria {
        match self {
            CriteriaArg::Recist11 => Criteria::Recist11,
            CriteriaArg::Mrecist => Criteria::MRecist,
            CriteriaArg::Choi => Criteria::Choi,
            CriteriaArg::ModifiedChoi => Criteria::ChoiModified,
        }
    }
}

/// Whether CR and PR need confirmation for the reported best overall response.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Confirmation {
    /// Confirmation required (RECIST 1.1 §4.6: non-randomised trials with response as primary
    /// endpoint).
    Required,
    /// Not required (randomised trials, PFS endpoints, follow-up at a tumour board).
    NotRequired,
}

/// `sirtplan recist`.
#[derive(Args)]
pub(crate) struct RecistArgs {
    /// The measurement file (TOML, schema "sirtplan-recist/1"; docs/followup.md).
    file: PathBuf,
    /// Response criteria.
    #[arg(long, value_enum, default_value = "recist11")]
    criteria: CriteriaArg,
    /// Confirmation of CR/PR for the reported best overall response (both are always shown).
    #[arg(long, value_enum, default_value = "not-required")]
    confirmation: Confirmation,
    /// Minimum days between a response and its confirming assessment (RECIST 1.1 §4.6).
    #[arg(long, value_name = "DAYS", default_value_t = sirt_recist::MIN_CONFIRMATION_DAYS)]
    min_confirmation_days: u32,
    /// Minimum days from the treatment start (else the baseline scan) for SD to count as best
    /// response (RECIST 1.1 §4.4.3 leaves it to the protocol).
    #[arg(long, value_name = "DAYS", default_value_t = sirt_recist::SD_MIN_DAYS)]
    sd_min_days: u32,
    /// NE assessments tolerated between a response and its confirmation.
    #[arg(long, value_name = "N", default_value_t = sirt_recist::MAX_NE_BETWEEN)]
    max_ne_between: u32,
    /// Accept one SD between a PR and its confirmation.
    #[arg(long)]
    accept_sd_between: bool,
    /// Diameter recorded for a target "too small" to measure, in mm with at most one decimal
    /// (RECIST 1.1 §4.3.2).
    #[arg(long, value_name = "MM", default_value = "5", value_parser = tenth_mm)]
    too_small_mm: u32,
    /// Maximum number of target lesions (RECIST 1.1 §4.2).
    #[arg(long, value_name = "N", default_value_t = sirt_recist::MAX_TARGETS)]
    max_targets: u32,
    /// Maximum number of target lesions per organ, all lymph nodes counting as one organ.
    #[arg(long, value_name = "N", default_value_t = sirt_recist::MAX_TARGETS_PER_ORGAN)]
    max_targets_per_organ: u32,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Reads "5", "4.5" or "5 mm" exactly into tenths of a millimetre.
fn tenth_mm(s: &str) -> std::result::Result<u32, String> {
    let refuse = || {
        format!(
            "expected a length in mm above zero with at most one decimal place (like 5 or 4.5), found \"{s}\""
        )
    };
    let t = s.trim();
    let t = t.strip_suffix("mm").map_or(t, str::trim_end);
    let (whole, tenth) = match t.split_once('.') {
        Some((w, f)) if f.len() == 1 => (w, f),
        Some(_) => return Err(refuse()),
        None => (t, "0"),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(tenth) {
        return Err(refuse());
    }
    let v = whole
        .parse::<u32>()
        .ok()
        .and_then(|w| w.checked_mul(10))
        .and_then(|w| w.checked_add(tenth.parse::<u32>().ok()?))
        .ok_or_else(refuse)?;
    if v == 0 || v > MAX_LENGTH_TENTH_MM {
        return Err(refuse());
    }
    Ok(v)
}

impl RecistArgs {
    fn params(&self) -> Params {
        Params {
            criteria: self.criteria.criteria(),
            confirmation_required: matches!(self.confirmation, Confirmation::Required),
            min_confirmation_days: self.min_confirmation_days,
            sd_min_days: self.sd_min_days,
            max_ne_between: self.max_ne_between,
            accept_sd_between: self.accept_sd_between,
            too_small_tenth_mm: self.too_small_mm,
            max_targets: self.max_targets,
            max_targets_per_organ: self.max_targets_per_organ,
        }
    }
}

/// Serializes a result and adds the research-use notice when it has none.
fn json_with_notice<T: serde::Serialize>(value: &T) -> Result<Value> {
    let mut v = serde_json::to_value(value).map_err(|e| Failure::Internal(e.into()))?;
    if let Value::Object(map) = &mut v {
        map.entry("research_notice")
            .or_insert_with(|| Value::from(sirt_workflow::RESEARCH_NOTICE));
    }
    Ok(v)
}

fn print_json(v: &Value, out: &mut impl Write) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Failure::Internal(e.into()))?;
    writeln!(out, "{text}")?;
    Ok(())
}

/// `sirtplan recist FILE`.
pub(crate) fn recist(args: &RecistArgs, lang: Lang, out: &mut impl Write) -> Result<()> {
    let text = read(&args.file)?;
    let name = args.file.display().to_string();
    let e = sirt_recist::evaluate(&text, &name, &args.params()).map_err(input)?;
    match args.format {
        Format::Text => out.write_all(sirt_recist::render_text_in(&e, lang).as_bytes())?,
        Format::Json => print_json(&json_with_notice(&e)?, out)?,
    }
    Ok(())
}

/// `sirtplan eligibility`.
#[derive(Args)]
pub(crate) struct EligibilityArgs {
    /// The patient record (TOML; docs/followup.md).
    file: PathBuf,
    /// A site eligibility rule file that adds, replaces (same id) or disables
    /// (`enabled = false`) rules (repeatable, applied in order).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

fn record(file: &std::path::Path) -> Result<PatientRecord> {
    let text = read(file)?;
    PatientRecord::from_toml(&text, &file.display().to_string()).map_err(input)
}

/// `sirtplan eligibility FILE`.
pub(crate) fn eligibility(args: &EligibilityArgs, lang: Lang, out: &mut impl Write) -> Result<()> {
    let mut rules = RuleSet::embedded().map_err(|e| Failure::Internal(e.into()))?;
    for f in &args.rules {
        rules
            .merge_toml(&read(f)?, &f.display().to_string())
            .map_err(input)?;
    }
    let r = record(&args.file)?;
    let a = sirt_clinical::assess_eligibility(&r, &rules);
    match args.format {
        Format::Text => out.write_all(sirt_clinical::render_assessment_in(&a, lang).as_bytes())?,
        Format::Json => print_json(&json_with_notice(&a)?, out)?,
    }
    Ok(())
}

/// `sirtplan labs`.
#[derive(Args)]
pub(crate) struct LabsArgs {
    /// The patient record (TOML; docs/followup.md).
    file: PathBuf,
    /// CTCAE version: 5.0 is encoded; 4.03 and 6.0 are recognised and refused (their complete
    /// criteria are not available to sirtplan).
    #[arg(long, value_name = "VERSION", default_value = "5.0")]
    ctcae: CtcaeVersion,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// `sirtplan labs FILE`.
pub(crate) fn labs(args: &LabsArgs, lang: Lang, out: &mut impl Write) -> Result<()> {
    let r = record(&args.file)?;
    let t =
        sirt_clinical::grade_labs(&r, args.ctcae).map_err(|e| input(anyhow!("--ctcae: {e}")))?;
    match args.format {
        Format::Text => out.write_all(sirt_clinical::render_timeline_in(&t, lang).as_bytes())?,
        Format::Json => print_json(&json_with_notice(&t)?, out)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tenth_mm;

    #[test]
    fn lengths_are_read_exactly() {
        assert_eq!(tenth_mm("5"), Ok(50));
        assert_eq!(tenth_mm("4.5"), Ok(45));
        assert_eq!(tenth_mm("4.5 mm"), Ok(45));
        for bad in ["4.55", "-3", "0", "", "1e1", ".5", "5.", "abc", "1000.1"] {
            assert!(tenth_mm(bad).is_err(), "{bad}");
        }
    }
}
