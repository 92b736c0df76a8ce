//! The words of the plan report in the reader's language: check statuses, bases and subjects,
//! constraints, territories, methods, weekdays, and the numbers of the report (activities in GBq
//! with mCi, doses, percentages) with the language's decimal separator and unit space.

use sirt_analytic::prescription::Constraint;
use sirt_i18n::{Lang, Text, t};
use sirt_units::{AbsorbedDose, Activity};

/// A text of another crate printed in the reader's language: a [`Text`] renders in it, a plain
/// `String` (a name, a citation, stored text) is printed as is.
pub trait InLang {
    /// The text in `lang`.
    fn in_lang(&self, lang: Lang) -> String;
}

impl InLang for String {
    fn in_lang(&self, _: Lang) -> String {
        self.clone()
    }
}

impl InLang for str {
    fn in_lang(&self, _: Lang) -> String {
        self.to_owned()
    }
}

impl InLang for Text {
    fn in_lang(&self, lang: Lang) -> String {
        self.render(lang)
    }
}

/// "1.9214 GBq (51.93 mCi)"; "1,9214 GBq (51,93 mCi)" with no-break spaces in French.
pub fn activity(lang: Lang, a: Activity) -> String {
    lang.numeric(&a.gbq_and_mci(4))
}

/// "43.9 Gy" / "43,9 Gy".
pub fn gy(lang: Lang, d: AbsorbedDose) -> String {
    lang.quantity(d.gy(), 1, "Gy")
}

/// A fraction as a percentage with `decimals`: "12.3 %" / "12,3 %".
pub fn pct(lang: Lang, f: f64, decimals: usize) -> String {
    lang.percent(f, decimals)
}

/// A signed percentage with `decimals` ("+36.4 %", "-2.5 %").
pub fn signed_pct(lang: Lang, percent: f64, decimals: usize) -> String {
    lang.numeric(&format!("{percent:+.decimals$} %"))
}

/// A check status: "pass", "warn", "FAIL" / "conforme", "alerte", "ÉCHEC".
pub fn status(lang: Lang, s: sirt_rules::Status) -> String {
    use sirt_rules::Status;
    match s {
        Status::Pass => t!(lang, "status-pass"),
        Status::NotEvaluated => t!(lang, "status-not-evaluated"),
        Status::Info => t!(lang, "status-info"),
        Status::Warn => t!(lang, "status-warn"),
        Status::Fail => t!(lang, "status-fail"),
    }
}

/// The basis of a check's value: "partition", "voxel", "delivered".
pub fn basis(lang: Lang, b: sirt_rules::CheckBasis) -> String {
    use sirt_rules::CheckBasis;
    match b {
        CheckBasis::Partition => t!(lang, "basis-partition"),
        CheckBasis::Voxel => t!(lang, "basis-voxel"),
        CheckBasis::Delivered => t!(lang, "basis-delivered"),
    }
}

/// The subject of a check ("session 1, tumour T1") in `lang`: the first word of each part
/// (patient, session, injection, tumour, structure, plan) translated, the ids as written.
pub fn subject(lang: Lang, s: &str) -> String {
    if lang == Lang::En {
        return s.to_owned();
    }
    s.split(", ")
        .map(|part| {
            let (word, rest) = part.split_once(' ').unwrap_or((part, ""));
            let w = match word {
                "patient" => t!(lang, "subject-patient"),
                "session" => t!(lang, "subject-session"),
                "injection" => t!(lang, "subject-injection"),
                "tumour" => t!(lang, "subject-tumour"),
                "structure" => t!(lang, "subject-structure"),
                "plan" => t!(lang, "subject-plan"),
                other => other.to_owned(),
            };
            if rest.is_empty() {
                w
            } else {
                format!("{w} {rest}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A constraint of the prescription ("tumour dose target", "lung dose limit per session").
pub fn constraint(lang: Lang, c: &Constraint) -> String {
    match c {
        Constraint::PerfusedTarget => t!(lang, "report-constraint-perfused-target"),
        Constraint::TumourTarget => t!(lang, "report-constraint-tumour-target"),
        Constraint::Ho166Rule => t!(lang, "report-constraint-ho166-rule"),
        Constraint::BsaFormula => t!(lang, "report-constraint-bsa-formula"),
        Constraint::FixedActivity => t!(lang, "report-constraint-fixed-activity"),
        Constraint::NormalLiverLimit => t!(lang, "report-constraint-normal-liver-limit"),
        Constraint::PerfusedLimit => t!(lang, "report-constraint-perfused-limit"),
        Constraint::LungLimit => t!(lang, "report-constraint-lung-limit"),
        Constraint::WholeLiverNtadLimit => t!(lang, "report-constraint-ntad-limit"),
        Constraint::SessionLungLimit => t!(lang, "report-constraint-session-lung-limit"),
        Constraint::CumulativeLungLimit => t!(lang, "report-constraint-cumulative-lung-limit"),
    }
}

/// A session's extent: "unilobar" / "unilobaire".
pub fn extent(lang: Lang, e: sirt_workflow::Extent) -> String {
    match e {
        sirt_workflow::Extent::Unilobar => t!(lang, "report-extent-unilobar"),
        sirt_workflow::Extent::Bilobar => t!(lang, "report-extent-bilobar"),
    }
}

/// A weekday: "Monday" / "lundi".
pub fn weekday(lang: Lang, d: jiff::civil::Weekday) -> String {
    use jiff::civil::Weekday;
    match d {
        Weekday::Monday => t!(lang, "report-monday"),
        Weekday::Tuesday => t!(lang, "report-tuesday"),
        Weekday::Wednesday => t!(lang, "report-wednesday"),
        Weekday::Thursday => t!(lang, "report-thursday"),
        Weekday::Friday => t!(lang, "report-friday"),
        Weekday::Saturday => t!(lang, "report-saturday"),
        Weekday::Sunday => t!(lang, "report-sunday"),
    }
}

/// A patient's sex as the case writes it ("male", "female"); other values as written.
pub fn sex(lang: Lang, s: &str) -> String {
    match s {
        "male" => t!(lang, "report-sex-male"),
        "female" => t!(lang, "report-sex-female"),
        other => other.to_owned(),
    }
}

/// A sphere material of the device catalogue ("glass", "resin"); others as written.
pub fn material(lang: Lang, m: &str) -> String {
    match m {
        "glass" => t!(lang, "report-material-glass"),
        "resin" => t!(lang, "report-material-resin"),
        "poly-L-lactic acid" => t!(lang, "report-material-plla"),
        other => other.to_owned(),
    }
}

/// The kind of an earlier treatment (the case file's closed list: SIRT, PRRT, TACE, surgery,
/// systemic, EBRT, SBRT, other); another value as written.
pub fn treatment_kind(lang: Lang, kind: &str) -> String {
    match kind {
        "SIRT" => t!(lang, "report-history-kind-sirt"),
        "PRRT" => t!(lang, "report-history-kind-prrt"),
        "TACE" => t!(lang, "report-history-kind-tace"),
        "surgery" => t!(lang, "report-history-kind-surgery"),
        "systemic" => t!(lang, "report-history-kind-systemic"),
        "EBRT" => t!(lang, "report-history-kind-ebrt"),
        "SBRT" => t!(lang, "report-history-kind-sbrt"),
        "other" => t!(lang, "report-history-kind-other"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn subjects_and_statuses_in_french() {
        assert_eq!(
            subject(Lang::Fr, "session 1, tumour T1"),
            "séance 1, tumeur T1"
        );
        assert_eq!(subject(Lang::Fr, "patient"), "patient");
        assert_eq!(subject(Lang::Fr, "injection R"), "injection R");
        assert_eq!(
            subject(Lang::En, "session 1, tumour T1"),
            "session 1, tumour T1"
        );
        assert_eq!(status(Lang::Fr, sirt_rules::Status::Fail), "ÉCHEC");
        assert_eq!(status(Lang::En, sirt_rules::Status::Warn), "warn");
        assert_eq!(
            basis(Lang::Fr, sirt_rules::CheckBasis::Delivered),
            "délivré"
        );
    }

    #[test]
    fn numbers_in_french() {
        let a = Activity::from_gbq(1.9215);
        assert_eq!(activity(Lang::En, a), "1.9215 GBq (51.93 mCi)");
        assert_eq!(activity(Lang::Fr, a), "1,9215\u{a0}GBq (51,93\u{a0}mCi)");
        assert_eq!(signed_pct(Lang::Fr, -2.54, 1), "-2,5\u{a0}%");
        assert_eq!(signed_pct(Lang::En, 36.4, 1), "+36.4 %");
    }
}
