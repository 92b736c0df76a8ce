//! The CTCAE v5.0 adverse event terms an adverse event after SIRT is recorded with, by MedDRA
//! system organ class: the terms this crate grades from laboratory values ([`LabTerm`]) and the
//! clinical adverse events reported after radioembolisation.
//!
//! Term names and system organ classes: *Common Terminology Criteria for Adverse Events (CTCAE)
//! Version 5.0*, U.S. Department of Health and Human Services, NIH, NCI, 27 November 2017,
//! spelt as there (American spelling: "Diarrhea", "Hypoalbuminemia"). The selection: the
//! complications of Riaz A, Lewandowski RJ, Kulik LM, et al. "Complications following
//! radioembolization with yttrium-90 microspheres: a comprehensive literature review", J Vasc
//! Interv Radiol 2009;20(9):1121–1130 (post-radioembolisation syndrome, gastrointestinal
//! ulceration, radiation pneumonitis, hepatic and biliary toxicity, vascular injury,
//! lymphopenia), with CTCAE's "<system organ class> - Other, specify" for what they do not name
//! (the detail goes in the notes).
//!
//! ```
//! use sirt_clinical::{ctcae_term, LabTerm};
//! assert_eq!(ctcae_term("abdominal pain").unwrap().term, "Abdominal pain");
//! assert!(ctcae_term("feeling bad").is_none());
//! assert!(LabTerm::ALL.iter().all(|t| ctcae_term(t.name()).is_some()));
//! ```

#[cfg(doc)]
use crate::LabTerm;

/// A CTCAE v5.0 term and its MedDRA system organ class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CtcaeTerm {
    /// The term, as CTCAE v5.0 spells it.
    pub term: &'static str,
    /// Its MedDRA system organ class.
    pub soc: &'static str,
}

/// The CTCAE version of [`CTCAE_V5_TERMS`].
pub const CTCAE_TERMS_VERSION: &str = "5.0";

const BLOOD: &str = "Blood and lymphatic system disorders";
const GI: &str = "Gastrointestinal disorders";
const GENERAL: &str = "General disorders and administration site conditions";
const HEPATOBILIARY: &str = "Hepatobiliary disorders";
const INFECTIONS: &str = "Infections and infestations";
const INJURY: &str = "Injury, poisoning and procedural complications";
const INVESTIGATIONS: &str = "Investigations";
const METABOLISM: &str = "Metabolism and nutrition disorders";
const RENAL: &str = "Renal and urinary disorders";
const RESPIRATORY: &str = "Respiratory, thoracic and mediastinal disorders";
const SKIN: &str = "Skin and subcutaneous tissue disorders";
const VASCULAR: &str = "Vascular disorders";

const fn t(term: &'static str, soc: &'static str) -> CtcaeTerm {
    CtcaeTerm { term, soc }
}

/// The terms, by system organ class (in CTCAE's order), then alphabetically.
pub const CTCAE_V5_TERMS: &[CtcaeTerm] = &[
    t("Anemia", BLOOD),
    t("Abdominal distension", GI),
    t("Abdominal pain", GI),
    t("Ascites", GI),
    t("Constipation", GI),
    t("Diarrhea", GI),
    t("Duodenal hemorrhage", GI),
    t("Duodenal ulcer", GI),
    t("Dyspepsia", GI),
    t("Esophagitis", GI),
    t("Gastric hemorrhage", GI),
    t("Gastric ulcer", GI),
    t("Gastritis", GI),
    t("Nausea", GI),
    t("Pancreatitis", GI),
    t("Upper gastrointestinal hemorrhage", GI),
    t("Vomiting", GI),
    t("Gastrointestinal disorders - Other, specify", GI),
    t("Chills", GENERAL),
    t("Death NOS", GENERAL),
    t("Edema limbs", GENERAL),
    t("Fatigue", GENERAL),
    t("Fever", GENERAL),
    t("Malaise", GENERAL),
    t(
        "General disorders and administration site conditions - Other, specify",
        GENERAL,
    ),
    t("Bile duct stenosis", HEPATOBILIARY),
    t("Biliary fistula", HEPATOBILIARY),
    t("Cholecystitis", HEPATOBILIARY),
    t("Hepatic failure", HEPATOBILIARY),
    t("Hepatic hemorrhage", HEPATOBILIARY),
    t("Hepatic pain", HEPATOBILIARY),
    t("Portal hypertension", HEPATOBILIARY),
    t("Portal vein thrombosis", HEPATOBILIARY),
    t("Hepatobiliary disorders - Other, specify", HEPATOBILIARY),
    t("Biliary tract infection", INFECTIONS),
    t("Hepatic infection", INFECTIONS),
    t("Sepsis", INFECTIONS),
    t("Arterial injury", INJURY),
    t("Dermatitis radiation", INJURY),
    t("Alanine aminotransferase increased", INVESTIGATIONS),
    t("Alkaline phosphatase increased", INVESTIGATIONS),
    t("Aspartate aminotransferase increased", INVESTIGATIONS),
    t("Blood bilirubin increased", INVESTIGATIONS),
    t("Creatinine increased", INVESTIGATIONS),
    t("GGT increased", INVESTIGATIONS),
    t("INR increased", INVESTIGATIONS),
    t("Lymphocyte count decreased", INVESTIGATIONS),
    t("Neutrophil count decreased", INVESTIGATIONS),
    t("Platelet count decreased", INVESTIGATIONS),
    t("Weight loss", INVESTIGATIONS),
    t("White blood cell decreased", INVESTIGATIONS),
    t("Anorexia", METABOLISM),
    t("Dehydration", METABOLISM),
    t("Hypoalbuminemia", METABOLISM),
    t("Hyponatremia", METABOLISM),
    t("Acute kidney injury", RENAL),
    t("Dyspnea", RESPIRATORY),
    t("Pleural effusion", RESPIRATORY),
    t("Pneumonitis", RESPIRATORY),
    t("Pruritus", SKIN),
    t("Hematoma", VASCULAR),
];

/// The term of [`CTCAE_V5_TERMS`] that `name` spells, white space around it and letter case
/// aside; `None` when it is none of them.
pub fn ctcae_term(name: &str) -> Option<&'static CtcaeTerm> {
    let name = name.trim();
    CTCAE_V5_TERMS
        .iter()
        .find(|t| t.term.eq_ignore_ascii_case(name))
}

/// Terms of [`CTCAE_V5_TERMS`] sharing a word of three letters or more with `name` (letter case
/// aside), at most `max`, in list order: the suggestions of a refusal.
pub fn ctcae_terms_like(name: &str, max: usize) -> Vec<&'static str> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    CTCAE_V5_TERMS
        .iter()
        .filter(|t| {
            t.term
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| words.iter().any(|x| w.eq_ignore_ascii_case(x)))
        })
        .map(|t| t.term)
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::LabTerm;
    use std::collections::BTreeSet;

    #[test]
    fn every_graded_term_is_listed_once() {
        for t in LabTerm::ALL {
            assert_eq!(ctcae_term(t.name()).unwrap().term, t.name());
        }
        let names: BTreeSet<String> = CTCAE_V5_TERMS
            .iter()
            .map(|t| t.term.to_lowercase())
            .collect();
        assert_eq!(names.len(), CTCAE_V5_TERMS.len(), "a term listed twice");
    }

    #[test]
    fn lookups_and_suggestions() {
        assert_eq!(ctcae_term("  FATIGUE ").unwrap().term, "Fatigue");
        assert!(ctcae_term("feeling bad").is_none());
        assert!(ctcae_term("").is_none());
        assert_eq!(
            ctcae_terms_like("stomach pain", 5),
            ["Abdominal pain", "Hepatic pain"]
        );
        assert!(ctcae_terms_like("feeling bad", 5).is_empty());
        assert_eq!(ctcae_terms_like("ulcer", 1), ["Duodenal ulcer"]);
    }
}
