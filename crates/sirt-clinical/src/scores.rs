//! Liver function scores: ALBI (with mALBI), Child-Pugh, MELD, MELD-Na and MELD 3.0.
//!
//! Formulas and cut-offs from clinical-rules.md §2.2–2.4, each constant citing its source there.

use crate::labs::{BilirubinUnit, BilirubinValue};
use crate::record::{Ascites, Encephalopathy};
use sirt_units::{Albumin, Bilirubin, Creatinine, Inr, Sodium, signif15};
use std::fmt;

// ---------------------------------------------------------------------------------------------
// ALBI

/// ALBI coefficient of log10(bilirubin in µmol/L): 0.66. Johnson PJ et al., J Clin Oncol
/// 2015;33:550–558 (clinical-rules.md §2.2, \[S] code implementations citing the paper).
pub const ALBI_BILIRUBIN_COEFFICIENT: f64 = 0.66;

/// Which albumin coefficient the ALBI score uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlbiCoefficient {
    /// −0.085 per g/L, as rounded in the paper (Johnson 2015) \[R for the coefficient].
    Johnson2015,
    /// −0.0852 per g/L, used by some calculators (clinical-rules.md §2.2).
    FourDigits,
}

impl AlbiCoefficient {
    /// The coefficient of albumin in g/L.
    pub fn value(self) -> f64 {
        match self {
            AlbiCoefficient::Johnson2015 => -0.085,
            AlbiCoefficient::FourDigits => -0.0852,
        }
    }
}

/// Upper bound (inclusive) of ALBI grade 1: −2.60. Johnson 2015 (clinical-rules.md §2.2 \[S]).
pub const ALBI_GRADE1_MAX: f64 = -2.60;
/// Upper bound (inclusive) of ALBI grade 2: −1.39. Johnson 2015 (clinical-rules.md §2.2 \[S]).
pub const ALBI_GRADE2_MAX: f64 = -1.39;
/// Upper bound (inclusive) of mALBI grade 2a: −2.270. Hiraoka A et al., Liver Cancer
/// 2017;6:325–336 (clinical-rules.md §2.2 \[S]).
pub const MALBI_GRADE2A_MAX: f64 = -2.270;

/// ALBI grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum AlbiGrade {
    /// ≤ −2.60.
    #[serde(rename = "1")]
    G1,
    /// > −2.60 and ≤ −1.39.
    #[serde(rename = "2")]
    G2,
    /// > −1.39.
    #[serde(rename = "3")]
    G3,
}

impl AlbiGrade {
    /// The grade of a score (cut-offs inclusive on the upper bound of each grade).
    pub fn from_score(score: f64) -> Self {
        let s = signif15(score);
        if s <= ALBI_GRADE1_MAX {
            AlbiGrade::G1
        } else if s <= ALBI_GRADE2_MAX {
            AlbiGrade::G2
        } else {
            AlbiGrade::G3
        }
    }
}

/// Modified ALBI grade (grade 2 split at −2.270).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum MalbiGrade {
    /// ALBI grade 1.
    #[serde(rename = "1")]
    G1,
    /// ALBI grade 2, score ≤ −2.270.
    #[serde(rename = "2a")]
    G2a,
    /// ALBI grade 2, score > −2.270.
    #[serde(rename = "2b")]
    G2b,
    /// ALBI grade 3.
    #[serde(rename = "3")]
    G3,
}

impl MalbiGrade {
    /// The mALBI grade of a score.
    pub fn from_score(score: f64) -> Self {
        match AlbiGrade::from_score(score) {
            AlbiGrade::G1 => MalbiGrade::G1,
            AlbiGrade::G3 => MalbiGrade::G3,
            AlbiGrade::G2 if signif15(score) <= MALBI_GRADE2A_MAX => MalbiGrade::G2a,
            AlbiGrade::G2 => MalbiGrade::G2b,
        }
    }
}

impl fmt::Display for AlbiGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AlbiGrade::G1 => "1",
            AlbiGrade::G2 => "2",
            AlbiGrade::G3 => "3",
        })
    }
}

impl fmt::Display for MalbiGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MalbiGrade::G1 => "1",
            MalbiGrade::G2a => "2a",
            MalbiGrade::G2b => "2b",
            MalbiGrade::G3 => "3",
        })
    }
}

/// An ALBI result.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Albi {
    /// 0.66 · log10(bilirubin µmol/L) + c · albumin (g/L).
    pub score: f64,
    /// The albumin coefficient used.
    pub coefficient: AlbiCoefficient,
    /// Grade.
    pub grade: AlbiGrade,
    /// mALBI grade.
    pub malbi: MalbiGrade,
}

/// ALBI = 0.66 × log10(bilirubin µmol/L) + c × albumin (g/L), c = −0.085 (paper) or −0.0852.
/// Bilirubin in µmol/L = mg/dL × 17.104 (sirt-units). A bilirubin of 0 has no logarithm and is
/// `None`.
pub fn albi(bilirubin: Bilirubin, albumin: Albumin, coefficient: AlbiCoefficient) -> Option<Albi> {
    let umol = signif15(bilirubin.umol_per_l());
    if umol <= 0.0 || !umol.is_finite() {
        return None;
    }
    let score = ALBI_BILIRUBIN_COEFFICIENT * umol.log10() + coefficient.value() * albumin.g_per_l();
    Some(Albi {
        score,
        coefficient,
        grade: AlbiGrade::from_score(score),
        malbi: MalbiGrade::from_score(score),
    })
}

// ---------------------------------------------------------------------------------------------
// Child-Pugh

/// Child-Pugh bilirubin cut-offs in mg/dL: 1 point < 2, 2 points 2–3, 3 points > 3.
/// Pugh RNH et al., Br J Surg 1973;60:646–649 (clinical-rules.md §2.3 \[S]).
pub const CHILD_PUGH_BILIRUBIN_MG_PER_DL: (f64, f64) = (2.0, 3.0);
/// The same cut-offs as published in µmol/L (34.2 and 51.3, i.e. × 17.1), used when the record
/// gives bilirubin in µmol/L (clinical-rules.md §2.3 \[S]).
pub const CHILD_PUGH_BILIRUBIN_UMOL_PER_L: (f64, f64) = (34.2, 51.3);
/// Child-Pugh albumin cut-offs in g/L: 1 point > 35, 2 points 28–35, 3 points < 28
/// (3.5 and 2.8 g/dL). Pugh 1973 (clinical-rules.md §2.3 \[S]).
pub const CHILD_PUGH_ALBUMIN_G_PER_L: (f64, f64) = (28.0, 35.0);
/// Child-Pugh INR cut-offs: 1 point < 1.7, 2 points 1.7–2.3, 3 points > 2.3.
/// Pugh 1973 as used by current calculators (clinical-rules.md §2.3 \[S]).
pub const CHILD_PUGH_INR: (f64, f64) = (1.7, 2.3);

/// Child-Pugh points for bilirubin; the middle band is inclusive at both ends. Compared in the
/// unit the value was written in, with the published cut-offs of that unit.
pub fn child_pugh_bilirubin_points(b: BilirubinValue) -> u8 {
    let (lo, hi) = match b.unit {
        BilirubinUnit::MgPerDl => CHILD_PUGH_BILIRUBIN_MG_PER_DL,
        BilirubinUnit::UmolPerL => CHILD_PUGH_BILIRUBIN_UMOL_PER_L,
    };
    let v = signif15(b.in_written_unit());
    if v < lo {
        1
    } else if v <= hi {
        2
    } else {
        3
    }
}

/// Child-Pugh points for albumin.
pub fn child_pugh_albumin_points(a: Albumin) -> u8 {
    let (lo, hi) = CHILD_PUGH_ALBUMIN_G_PER_L;
    let v = signif15(a.g_per_l());
    if v > hi {
        1
    } else if v >= lo {
        2
    } else {
        3
    }
}

/// Child-Pugh points for the INR.
pub fn child_pugh_inr_points(inr: Inr) -> u8 {
    let (lo, hi) = CHILD_PUGH_INR;
    let v = signif15(inr.value());
    if v < lo {
        1
    } else if v <= hi {
        2
    } else {
        3
    }
}

/// Child-Pugh points for ascites: none 1, mild 2, moderate–severe 3.
pub fn child_pugh_ascites_points(a: Ascites) -> u8 {
    match a {
        Ascites::None => 1,
        Ascites::Mild => 2,
        Ascites::ModerateSevere => 3,
    }
}

/// Child-Pugh points for encephalopathy: none 1, grade 1–2 2, grade 3–4 3.
pub fn child_pugh_encephalopathy_points(e: Encephalopathy) -> u8 {
    match e {
        Encephalopathy::None => 1,
        Encephalopathy::Grade1To2 => 2,
        Encephalopathy::Grade3To4 => 3,
    }
}

/// Child-Pugh class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum ChildPughClass {
    /// 5–6 points.
    A,
    /// 7–9 points.
    B,
    /// 10–15 points.
    C,
}

impl ChildPughClass {
    /// Class from the total: A 5–6, B 7–9, C 10–15 (Pugh 1973; clinical-rules.md §2.3 \[S]).
    pub fn from_points(total: u8) -> Self {
        match total {
            0..=6 => ChildPughClass::A,
            7..=9 => ChildPughClass::B,
            _ => ChildPughClass::C,
        }
    }
}

impl fmt::Display for ChildPughClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChildPughClass::A => "A",
            ChildPughClass::B => "B",
            ChildPughClass::C => "C",
        })
    }
}

/// The five Child-Pugh items.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ChildPughInputs {
    /// Total bilirubin.
    pub bilirubin: BilirubinValue,
    /// Albumin.
    pub albumin: Albumin,
    /// INR.
    pub inr: Inr,
    /// Ascites.
    pub ascites: Ascites,
    /// Encephalopathy.
    pub encephalopathy: Encephalopathy,
}

/// A Child-Pugh result with the points of every item.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ChildPugh {
    /// Bilirubin points.
    pub bilirubin_points: u8,
    /// Albumin points.
    pub albumin_points: u8,
    /// INR points.
    pub inr_points: u8,
    /// Ascites points.
    pub ascites_points: u8,
    /// Encephalopathy points.
    pub encephalopathy_points: u8,
    /// Sum, 5–15.
    pub total: u8,
    /// Class.
    pub class: ChildPughClass,
}

/// The Child-Pugh score (not the PBC/PSC variant with bilirubin cut-offs 4 and 10 mg/dL).
pub fn child_pugh(i: &ChildPughInputs) -> ChildPugh {
    let b = child_pugh_bilirubin_points(i.bilirubin);
    let a = child_pugh_albumin_points(i.albumin);
    let n = child_pugh_inr_points(i.inr);
    let s = child_pugh_ascites_points(i.ascites);
    let e = child_pugh_encephalopathy_points(i.encephalopathy);
    let total = b + a + n + s + e;
    ChildPugh {
        bilirubin_points: b,
        albumin_points: a,
        inr_points: n,
        ascites_points: s,
        encephalopathy_points: e,
        total,
        class: ChildPughClass::from_points(total),
    }
}

// ---------------------------------------------------------------------------------------------
// MELD family

/// MELD(i) coefficients (creatinine, bilirubin, INR, constant), OPTN policy 9.1.D as quoted in
/// `MIT-LCP/mimic-code` `mimic-iv/concepts/organfailure/meld.sql` (clinical-rules.md §2.4 \[V]).
pub const MELD_COEFFICIENTS: (f64, f64, f64, f64) = (0.957, 0.378, 1.120, 0.643);
/// MELD: laboratory values below 1.0 are set to 1.0 (OPTN 9.1.D \[V]).
pub const MELD_LAB_FLOOR: f64 = 1.0;
/// MELD: creatinine above 4.0 mg/dL, or with dialysis, is set to 4.0 (OPTN 9.1.D \[V]).
pub const MELD_CREATININE_MAX_MG_PER_DL: f64 = 4.0;
/// Maximum MELD, MELD-Na and MELD 3.0 score: 40 (OPTN 9.1.D \[V]; MELD 3.0 \[R]).
pub const MELD_MAX: f64 = 40.0;
/// MELD-Na: applied only when MELD(i) > 11 (OPTN, January 2016 \[V]).
pub const MELD_NA_THRESHOLD: f64 = 11.0;
/// MELD-Na and MELD 3.0 sodium bounds, 125–137 mmol/L (OPTN 2016 \[V]; MELD 3.0 \[R]).
pub const MELD_SODIUM_BOUNDS: (f64, f64) = (125.0, 137.0);
/// MELD 3.0 creatinine maximum (and value with dialysis): 3.0 mg/dL. Kim WR et al.,
/// Gastroenterology 2021;161:1887 (clinical-rules.md §2.4 \[R]).
pub const MELD3_CREATININE_MAX_MG_PER_DL: f64 = 3.0;
/// MELD 3.0 albumin bounds, 1.5–3.5 g/dL (Kim 2021, clinical-rules.md §2.4 \[R]).
pub const MELD3_ALBUMIN_BOUNDS_G_PER_DL: (f64, f64) = (1.5, 3.5);

/// Inputs of the MELD family.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MeldInputs {
    /// Serum creatinine.
    pub creatinine: Creatinine,
    /// Total bilirubin.
    pub bilirubin: Bilirubin,
    /// INR.
    pub inr: Inr,
    /// Two or more dialyses in the prior week, or 24 h of CVVHD.
    pub dialysis: bool,
}

/// A MELD result.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Meld {
    /// 0.957 ln Cr + 0.378 ln bili + 1.120 ln INR + 0.643 with the bounds applied, unrounded.
    pub meld_i: f64,
    /// MELD(i) rounded to one decimal, × 10, at most 40.
    pub score: u8,
}

/// MELD (OPTN 9.1.D, pre-2016): labs < 1 set to 1, creatinine > 4 or dialysis → 4, MELD(i)
/// rounded to the tenth, × 10, at most 40.
pub fn meld(i: &MeldInputs) -> Meld {
    let (kc, kb, ki, k0) = MELD_COEFFICIENTS;
    let mut cr = i.creatinine.mg_per_dl().max(MELD_LAB_FLOOR);
    if i.dialysis || cr > MELD_CREATININE_MAX_MG_PER_DL {
        cr = MELD_CREATININE_MAX_MG_PER_DL;
    }
    let bili = i.bilirubin.mg_per_dl().max(MELD_LAB_FLOOR);
    let inr = i.inr.value().max(MELD_LAB_FLOOR);
    let meld_i = kc * cr.ln() + kb * bili.ln() + ki * inr.ln() + k0;
    // Round to the tenth, then × 10: the same as rounding 10 × MELD(i) to an integer.
    let score = (signif15(meld_i * 10.0)).round().min(MELD_MAX);
    Meld {
        meld_i,
        score: score as u8,
    }
}

/// MELD-Na (OPTN, January 2016): for MELD > 11, MELD + 1.32 (137 − Na) − 0.033 MELD (137 − Na)
/// with Na bounded to 125–137 mmol/L; rounded to an integer (as in vectors.json), at most 40.
pub fn meld_na(m: &Meld, sodium: Sodium) -> u8 {
    let score = f64::from(m.score);
    if score <= MELD_NA_THRESHOLD {
        return m.score;
    }
    let (lo, hi) = MELD_SODIUM_BOUNDS;
    let d = hi - sodium.mmol_per_l().clamp(lo, hi);
    let v = score + 1.32 * d - 0.033 * score * d;
    signif15(v).round().min(MELD_MAX) as u8
}

/// A MELD 3.0 result.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Meld3 {
    /// The formula's value with the bounds applied, before rounding.
    pub raw: f64,
    /// Rounded, bounded to 6–40.
    pub score: u8,
}

/// MELD 3.0 (Kim 2021; OPTN from 13 July 2023), clinical-rules.md §2.4:
/// 1.33 (female) + 4.56 ln bili + 0.82 (137 − Na) − 0.24 (137 − Na) ln bili + 9.09 ln INR +
/// 11.14 ln Cr + 1.85 (3.5 − alb) − 1.83 (3.5 − alb) ln Cr + 6, with labs < 1 set to 1,
/// creatinine at most 3.0 (3.0 with dialysis), Na 125–137, albumin 1.5–3.5 g/dL \[R bounds].
pub fn meld3(i: &MeldInputs, sodium: Sodium, albumin: Albumin, female: bool) -> Meld3 {
    let bili = i.bilirubin.mg_per_dl().max(MELD_LAB_FLOOR);
    let inr = i.inr.value().max(MELD_LAB_FLOOR);
    let cr = if i.dialysis {
        MELD3_CREATININE_MAX_MG_PER_DL
    } else {
        i.creatinine
            .mg_per_dl()
            .clamp(MELD_LAB_FLOOR, MELD3_CREATININE_MAX_MG_PER_DL)
    };
    let (nlo, nhi) = MELD_SODIUM_BOUNDS;
    let na = sodium.mmol_per_l().clamp(nlo, nhi);
    let (alo, ahi) = MELD3_ALBUMIN_BOUNDS_G_PER_DL;
    let alb = albumin.g_per_dl().clamp(alo, ahi);
    let dn = 137.0 - na;
    let da = 3.5 - alb;
    let raw = if female { 1.33 } else { 0.0 } + 4.56 * bili.ln() + 0.82 * dn
        - 0.24 * dn * bili.ln()
        + 9.09 * inr.ln()
        + 11.14 * cr.ln()
        + 1.85 * da
        - 1.83 * da * cr.ln()
        + 6.0;
    let score = signif15(raw).round().clamp(6.0, MELD_MAX);
    Meld3 {
        raw,
        score: score as u8,
    }
}
