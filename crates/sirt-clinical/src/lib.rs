//! Clinical work-up and follow-up: CTCAE lab grading, liver function scores (ALBI, Child-Pugh,
//! MELD), eligibility rule sets, toxicity timeline and REILD.
//!
//! | module | what |
//! |---|---|
//! | `labs` | [`BilirubinValue`] (sirt-units [`Bilirubin`] with the unit it was written in); the lab quantities [`Albumin`], [`Creatinine`], [`Inr`], [`CellCount`], [`EnzymeActivity`], [`Sodium`], [`Gfr`] are sirt-units', re-exported |
//! | `record` | [`PatientRecord`] from TOML (`FORMAT.md`), or from laboratory visits ([`LabRecordInput`], [`PatientRecord::from_lab_visits`]: the same validation, no TOML text): grade and Ki-67, burden, extrahepatic disease, labs with units, clinical state, earlier treatments, follow-up observations; [`RecordError`] names file, field, expected, found |
//! | `scores` | [`albi`] (and mALBI), [`child_pugh`], [`meld`], [`meld_na`], [`meld3`] |
//! | `lab_entry` | [`read_lab_entry`]: a laboratory value as entered on a follow-up visit ([`LabInput`] of a key of kind [`LabKind`]) → [`LabEntry`] (number and unit written, value in the grading unit), or [`LabEntryError`] saying what was expected and found |
//! | `ctcae_terms` | [`CTCAE_V5_TERMS`]: the CTCAE v5.0 terms an adverse event is recorded with ([`ctcae_term`], [`ctcae_terms_like`]) |
//! | `ctcae` | [`grade`]: CTCAE v5.0 with baseline-normal / baseline-abnormal rules and explicit anticoagulation for the INR; [`CtcaeVersion`] 4.03 and 6.0 give [`CtcaeError::UnsupportedVersion`] |
//! | `timeline` | [`grade_labs`] → [`Timeline`]: baseline grade, worst grade after SIRT and its day, REILD (Braat 2017) and Braat's hepatotoxicity grade |
//! | `eligibility` | [`RuleSet`] of cited rules (`data/*.toml`, site files add or override by id; the `sirt-rules` engine over [`EligibilityRule`]) and [`assess_eligibility`] → [`Assessment`] |
//! | `render` | [`render_assessment`], [`render_timeline`]: plain text |
//! | `radiobiology` | [`bed_permanent_implant`], [`eqd2`]: Dale's BED for microspheres; [`bed_voxels`] / [`eqd2_voxels`] of a dose map; [`RadiobiologyData`] (tissue α/β, T_rep, gEUD `a`, NTCP and response fits as cited records, `data/radiobiology.toml` + site files); [`geud`], [`lq_eud`], [`lkb_ntcp`], [`logistic_response`] |
//!
//! ```
//! use sirt_clinical::*;
//! let text = include_str!("../examples/patient-net-g2.toml");
//! let record = PatientRecord::from_toml(text, "patient-net-g2.toml").unwrap();
//! let rules = RuleSet::embedded().unwrap();
//! let a = assess_eligibility(&record, &rules);
//! let cp = a.scores.child_pugh.value().unwrap();
//! assert_eq!((cp.class, cp.total), (ChildPughClass::A, 5));
//! assert!(render_assessment(&a).contains("Research use only"));
//! let t = grade_labs(&record, CtcaeVersion::V5_0).unwrap();
//! let bili = t.tracks.iter().find(|x| x.term == LabTerm::BilirubinIncreased).unwrap();
//! assert_eq!(bili.worst_after.as_ref().unwrap().grade, 1);
//! assert!(grade_labs(&record, CtcaeVersion::V6_0).is_err());
//! let bad = text.replace("bilirubin = \"0.7 mg/dL\"", "bilirubin = \"0.7 mmol/L\"");
//! let e = PatientRecord::from_toml(&bad, "p.toml").unwrap_err().to_string();
//! assert!(e.contains("labs[0].bilirubin") && e.contains("mmol/L"), "{e}");
//! ```

mod ctcae;
mod ctcae_terms;
pub mod cumulative;
mod eligibility;
mod lab_entry;
mod labs;
mod radiobiology;
mod record;
mod render;
mod scores;
mod timeline;

pub use ctcae::{
    Baseline, Criterion, CtcaeError, CtcaeVersion, GradeOutcome, LabContext, LabTerm, NotGradable,
    V5_ALBUMIN_G_PER_L, V5_INR, V5_PLATELETS_PER_NL, grade, supported,
};
pub use ctcae_terms::{
    CTCAE_TERMS_VERSION, CTCAE_V5_TERMS, CtcaeTerm, ctcae_term, ctcae_terms_like,
};
pub use eligibility::{
    Assessment, EMBEDDED_ELIGIBILITY_FILES, EligibilityCheck, EligibilityRule, GradeInfo, LabUsed,
    Quantity, RESEARCH_NOTICE, RuleGroup, RuleSet, Scored, Scores, Summary, assess_eligibility,
};
pub use lab_entry::{
    FOUND_TEXT_MAX_CHARS, LabEntry, LabEntryError, LabKind, UnitValue, quote_found, read_lab_entry,
    reference_range_keys, visit_lab_keys,
};
pub use labs::{BilirubinUnit, BilirubinValue, UnitTable};
pub use radiobiology::{
    Bed, DaleFactor, EMBEDDED_RADIOBIOLOGY_FILE, Fit, FitKind, FitModel, FitQuantity,
    InvalidRecord, LqParameters, ModelError, RadiobiologyData, RadiobiologyDataError,
    RadiobiologyError, TissueRecord, TissueRole, Weighted, bed_permanent_implant, bed_voxels, eqd2,
    eqd2_voxels, geud, lkb_ntcp, logistic_response, lq_eud, weighted_mean,
};
pub use record::{
    Ascites, Clinical, Distribution, Encephalopathy, Extrahepatic, KI67_G2_FROM, KI67_G3_ABOVE,
    LAB_KEYS, LabInput, LabRecordInput, LabSet, LabVisit, LiverDisease, LiverTreatment, NetGrade,
    Observation, Patient, PatientRecord, PriorKind, PriorOutcome, PriorTreatment,
    REFERENCE_RANGE_KEYS, RecordError, ReferenceRanges, SecretorySyndrome, Sex, Treatment, Tumour,
    latest, who2019_grade_from_ki67,
};
pub use render::{render_assessment, render_assessment_in, render_timeline, render_timeline_in};
pub use scores::{
    ALBI_BILIRUBIN_COEFFICIENT, ALBI_GRADE1_MAX, ALBI_GRADE2_MAX, Albi, AlbiCoefficient, AlbiGrade,
    CHILD_PUGH_ALBUMIN_G_PER_L, CHILD_PUGH_BILIRUBIN_MG_PER_DL, CHILD_PUGH_BILIRUBIN_UMOL_PER_L,
    CHILD_PUGH_INR, ChildPugh, ChildPughClass, ChildPughInputs, MALBI_GRADE2A_MAX,
    MELD_COEFFICIENTS, MELD_CREATININE_MAX_MG_PER_DL, MELD_LAB_FLOOR, MELD_MAX, MELD_NA_THRESHOLD,
    MELD_SODIUM_BOUNDS, MELD3_ALBUMIN_BOUNDS_G_PER_DL, MELD3_CREATININE_MAX_MG_PER_DL, MalbiGrade,
    Meld, Meld3, MeldInputs, albi, child_pugh, child_pugh_albumin_points,
    child_pugh_ascites_points, child_pugh_bilirubin_points, child_pugh_encephalopathy_points,
    child_pugh_inr_points, meld, meld_na, meld3,
};
pub use sirt_rules::{RuleFileError, Threshold};
pub use sirt_units::{
    ALBUMIN_G_PER_L_PER_G_PER_DL, Albumin, Bilirubin, CREATININE_UMOL_PER_L_PER_MG_PER_DL,
    CellCount, Creatinine, EnzymeActivity, Gfr, Inr, Sodium, short, signif, signif15,
};
pub use timeline::{
    BraatGrade, LabTrack, Phase, Point, REILD_WINDOW_END_MONTHS, REILD_WINDOW_START_DAYS, Reild,
    ReildStatus, Timeline, Worst, grade_labs,
};
