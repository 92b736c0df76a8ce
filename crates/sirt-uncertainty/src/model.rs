//! The spreads of a plan's inputs: the case's `[uncertainty]` where it states them, the cited
//! defaults below where it does not, and the list of defaults used (the report prints it).
//!
//! Distributions (docs/uncertainty.md):
//! - LSF and residual fraction: normal, absolute standard deviation, clipped to [0, 1) (a draw
//!   outside is put on the bound);
//! - volumes and masses, TNR, dose-calibrator factor: lognormal with the point value as median,
//!   ln σ = √(ln(1 + CV²)) (always positive; the point value stays the median);
//! - MAA → Y-90 lesion discrepancy: normal, in Gy, added to the MAA-predicted lesion dose
//!   through the lesion's Y-90 TNR (below).

use sirt_case::{MaaDiscrepancy, UncertaintyInput};
use sirt_workflow::Plan;

/// Default absolute standard deviation of an LSF: 2.75 percentage points. \[derived\] The
/// planar geometric-mean LSF over-estimated the SPECT/CT LSF by 0.9 to 11.9 percentage points
/// (median 4.4) in Lopez BP, Mahvash A, Long JP, Lam MGEH, Kappadath SC, J Appl Clin Med Phys
/// 2022;23(12):e13734; the range over 4, the usual estimate of a standard deviation from a
/// range (Hozo SP, Djulbegovic B, Hozo I, BMC Med Res Methodol 2005;5:13,
/// doi 10.1186/1471-2288-5-13).
pub const DEFAULT_LSF_SD: f64 = (0.119 - 0.009) / 4.0;

/// Default coefficient of variation of a tumour volume: 17.2 %, the mean inter-observer CV of
/// HCC lesion volumes (3 radiologists, 20 lesions, MRI), EJNMMI Phys 2022,
/// doi 10.1186/s40658-022-00515-6.
pub const DEFAULT_TUMOUR_VOLUME_CV: f64 = 0.172;

/// Default coefficient of variation of a TNR: 15.1 %, the mean CV of the lesions' mean absorbed
/// dose over the same delineations with partial-volume correction (EJNMMI Phys 2022,
/// doi 10.1186/s40658-022-00515-6), taken as the CV of the ratio the partition model reads from
/// the same images (design choice: no TNR repeatability was found).
pub const DEFAULT_TNR_CV: f64 = 0.151;

/// Default coefficient of variation of the whole liver and of a perfused volume: 8 %.
/// \[derived\] 1 − Dice 0.92 of semi-automatic against manual liver segmentation (EJNMMI Res
/// 2019, doi 10.1186/s13550-019-0485-x): design choice, the non-overlapping part taken as the
/// CV of the volume.
pub const DEFAULT_VOLUME_CV: f64 = 0.08;

/// Default coefficient of variation of the lung mass: 12.5 %. \[derived\] 103 g / 822 g, the
/// spread of CT lung masses among patients (Kao YH et al., EJNMMI Res 2014;4:33,
/// doi 10.1186/s13550-014-0033-7): the uncertainty of a lung mass that is not measured;
/// conservative for a CT-measured one.
pub const DEFAULT_LUNG_MASS_CV: f64 = 103.0 / 822.0;

/// Default coefficient of variation of the dose calibrator's activity: 5 %, the clinical
/// radionuclide-calibrator uncertainty of a Y-90 PET phantom study (EJNMMI Res 2017,
/// doi 10.1186/s13550-017-0341-9). One factor for every injection of the plan (the same
/// calibrator and calibration measure every vial).
pub const DEFAULT_ACTIVITY_CALIBRATION_CV: f64 = 0.05;

/// Default absolute standard deviation of the residual fraction of a glass device: 0.61
/// percentage points, the median residual of 345 glass administrations (Hoang NS et al.,
/// "Quantification of activity lost to delivery system residual and decay in Y-90
/// radioembolization", shared/domain/safety-and-radiobiology.md §1.3); design choice: a
/// skewed, non-negative quantity whose spread is of the order of its median.
pub const DEFAULT_RESIDUAL_SD_GLASS: f64 = 0.0061;

/// Default absolute standard deviation of the residual fraction of a resin (or other) device:
/// 3.01 percentage points, the median residual of 317 resin administrations (Hoang NS et al.,
/// same source and reasoning as [`DEFAULT_RESIDUAL_SD_GLASS`]).
pub const DEFAULT_RESIDUAL_SD_OTHER: f64 = 0.0301;

/// Lower 95 % limit of agreement of the lesion absorbed dose, 99mTc-MAA-predicted against
/// post-treatment SPECT, −164.1 Gy: Smits MLJ, Dassen MG, Prince JF, Braat AJAT, Beijst C,
/// Bruijnen RCG, de Jong HWAM, Lam MGEH, Eur J Nucl Med Mol Imaging 2020;47(4):798–806,
/// doi 10.1007/s00259-019-04460-y (23 procedures, 71 lesions, 22 patients).
pub const SMITS2020_LESION_LOA_LOW_GY: f64 = -164.1;

/// Upper 95 % limit of agreement of the same comparison, +197.0 Gy (same source).
pub const SMITS2020_LESION_LOA_HIGH_GY: f64 = 197.0;

/// The standard normal quantile of 0.975, which sets Bland–Altman 95 % limits of agreement at
/// mean ± 1.96 SD (Bland JM, Altman DG, Lancet 1986;327(8476):307–310,
/// doi 10.1016/S0140-6736(86)90837-8).
pub const Z_975: f64 = 1.959_963_984_540_054;

/// Standard deviation of the MAA → Y-90 lesion-dose discrepancy, (197.0 + 164.1) / (2 × 1.96) =
/// 92.1 Gy \[derived from the Smits 2020 limits of agreement\]. The mean difference (16.45 Gy,
/// the limits' midpoint) is not applied: the abstract does not state the sign convention of the
/// difference (design choice: centred model, the spread alone).
pub const SMITS2020_LESION_SD_GY: f64 =
    (SMITS2020_LESION_LOA_HIGH_GY - SMITS2020_LESION_LOA_LOW_GY) / (2.0 * Z_975);

/// The citation of the lesion discrepancy model, as reports print it.
pub const SMITS2020_SOURCE: &str = "Smits MLJ et al., Eur J Nucl Med Mol Imaging 2020;47(4):798-806, doi 10.1007/s00259-019-04460-y: 95 % limits of agreement of lesion dose, 99mTc-MAA vs post-treatment SPECT, -164.1 to +197.0 Gy";

/// The smallest factor the lesion discrepancy puts on a lesion's TNR: a draw that would take
/// the lesion's dose below zero leaves it 1 % of its predicted uptake ratio (design choice: a
/// dose cannot be negative and the partition model needs a TNR above zero).
pub const MIN_DISCREPANCY_FACTOR: f64 = 0.01;

/// The default MAA → Y-90 lesion discrepancy model.
pub const DEFAULT_MAA_DISCREPANCY: MaaDiscrepancy = MaaDiscrepancy::Smits2020Lesion;

/// One parameter as the report lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Parameter {
    /// The case-file key (`lsf_sd`, `tumours.T1.tnr_cv`).
    pub key: String,
    /// The value (a fraction, or Gy for the discrepancy model's SD); `None` where it depends on
    /// the injection (the residual's default by device material): then absent from the JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Whether the value is the default (not stated in the case).
    pub default: bool,
    /// Where a default comes from; empty for a value of the case.
    pub source: String,
}

/// The resolved spreads of a plan's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Spreads {
    /// Absolute SD of every LSF.
    pub lsf_sd: f64,
    /// Absolute SD of each injection's residual fraction (case order).
    pub residual_sd: Vec<f64>,
    /// CV of the dose-calibrator factor shared by every injection.
    pub activity_calibration_cv: f64,
    /// CV of the whole liver volume.
    pub liver_volume_cv: f64,
    /// CV of each perfused volume.
    pub perfused_volume_cv: f64,
    /// CV of the lung mass used.
    pub lung_mass_cv: f64,
    /// CV of each tumour's volume (case order).
    pub tumour_volume_cv: Vec<f64>,
    /// CV of each tumour's TNR (case order).
    pub tnr_cv: Vec<f64>,
    /// SD of the lesion discrepancy in Gy (0 for none).
    pub lesion_discrepancy_sd_gy: f64,
    /// The discrepancy model.
    pub maa_discrepancy: MaaDiscrepancy,
    /// Every parameter with its value and origin, for the report.
    pub parameters: Vec<Parameter>,
}

impl Spreads {
    /// The keys whose default was used.
    pub fn defaults_used(&self) -> Vec<&str> {
        self.parameters
            .iter()
            .filter(|p| p.default)
            .map(|p| p.key.as_str())
            .collect()
    }

    /// No spread at all: every draw is the plan itself.
    pub fn zero(plan: &Plan) -> Self {
        let input = UncertaintyInput {
            lsf_sd: Some(0.0),
            residual_sd: Some(0.0),
            activity_calibration_cv: Some(0.0),
            liver_volume_cv: Some(0.0),
            perfused_volume_cv: Some(0.0),
            lung_mass_cv: Some(0.0),
            tumour_volume_cv: Some(0.0),
            tnr_cv: Some(0.0),
            maa_discrepancy: Some(MaaDiscrepancy::None),
            tumours: Default::default(),
        };
        resolve(Some(&input), plan)
    }
}

/// A scalar spread: the case's value, else the default with its source.
fn scalar(
    parameters: &mut Vec<Parameter>,
    key: &str,
    stated: Option<f64>,
    default: f64,
    source: &str,
) -> f64 {
    parameters.push(Parameter {
        key: key.to_owned(),
        value: Some(stated.unwrap_or(default)),
        default: stated.is_none(),
        source: if stated.is_none() {
            source.to_owned()
        } else {
            String::new()
        },
    });
    stated.unwrap_or(default)
}

/// The spreads of `plan`'s inputs from the case's `[uncertainty]` (`input`, `None` when the case
/// has none: every default).
pub fn resolve(input: Option<&UncertaintyInput>, plan: &Plan) -> Spreads {
    let empty = UncertaintyInput::default();
    let u = input.unwrap_or(&empty);
    let mut parameters = Vec::new();
    let p = &mut parameters;
    let lsf_sd = scalar(
        p,
        "lsf_sd",
        u.lsf_sd,
        DEFAULT_LSF_SD,
        "Lopez BP et al., J Appl Clin Med Phys 2022;23(12):e13734 (planar vs SPECT/CT LSF, range 0.9-11.9 pp, range/4)",
    );
    let residual_sd = residual(p, u.residual_sd, plan);
    let activity_calibration_cv = scalar(
        p,
        "activity_calibration_cv",
        u.activity_calibration_cv,
        DEFAULT_ACTIVITY_CALIBRATION_CV,
        "EJNMMI Res 2017, doi 10.1186/s13550-017-0341-9 (calibrator uncertainty 5 %)",
    );
    let liver_volume_cv = scalar(
        p,
        "liver_volume_cv",
        u.liver_volume_cv,
        DEFAULT_VOLUME_CV,
        "EJNMMI Res 2019, doi 10.1186/s13550-019-0485-x (liver segmentation Dice 0.92; 1 - Dice)",
    );
    let perfused_volume_cv = scalar(
        p,
        "perfused_volume_cv",
        u.perfused_volume_cv,
        DEFAULT_VOLUME_CV,
        "EJNMMI Res 2019, doi 10.1186/s13550-019-0485-x (liver segmentation Dice 0.92; 1 - Dice)",
    );
    let lung_mass_cv = scalar(
        p,
        "lung_mass_cv",
        u.lung_mass_cv,
        DEFAULT_LUNG_MASS_CV,
        "Kao YH et al., EJNMMI Res 2014;4:33, doi 10.1186/s13550-014-0033-7 (CT lung mass 822 +/- 103 g)",
    );
    let tumour_cv = scalar(
        p,
        "tumour_volume_cv",
        u.tumour_volume_cv,
        DEFAULT_TUMOUR_VOLUME_CV,
        "EJNMMI Phys 2022, doi 10.1186/s40658-022-00515-6 (inter-observer volume CV 17.2 %)",
    );
    let tnr_cv = scalar(
        p,
        "tnr_cv",
        u.tnr_cv,
        DEFAULT_TNR_CV,
        "EJNMMI Phys 2022, doi 10.1186/s40658-022-00515-6 (mean-dose CV 15.1 % with PVC)",
    );
    let (tumour_volume_cv, tnr_cvs) = per_tumour(p, u, plan, tumour_cv, tnr_cv);
    let maa_discrepancy = u.maa_discrepancy.unwrap_or(DEFAULT_MAA_DISCREPANCY);
    let lesion_discrepancy_sd_gy = match maa_discrepancy {
        MaaDiscrepancy::Smits2020Lesion => SMITS2020_LESION_SD_GY,
        MaaDiscrepancy::None => 0.0,
    };
    parameters.push(Parameter {
        key: format!("maa_discrepancy = \"{}\"", maa_discrepancy.label()),
        value: Some(lesion_discrepancy_sd_gy),
        default: u.maa_discrepancy.is_none(),
        source: match maa_discrepancy {
            MaaDiscrepancy::Smits2020Lesion => SMITS2020_SOURCE.to_owned(),
            MaaDiscrepancy::None => String::new(),
        },
    });
    Spreads {
        lsf_sd,
        residual_sd,
        activity_calibration_cv,
        liver_volume_cv,
        perfused_volume_cv,
        lung_mass_cv,
        tumour_volume_cv,
        tnr_cv: tnr_cvs,
        lesion_discrepancy_sd_gy,
        maa_discrepancy,
        parameters,
    }
}

/// The residual SD of each injection: the case's, else the default of its device's material.
fn residual(parameters: &mut Vec<Parameter>, stated: Option<f64>, plan: &Plan) -> Vec<f64> {
    parameters.push(Parameter {
        key: "residual_sd".to_owned(),
        value: stated,
        default: stated.is_none(),
        source: if stated.is_none() {
            "Hoang NS et al. (median residual 0.61 % glass, 3.01 % resin; shared/domain/safety-and-radiobiology.md 1.3)".to_owned()
        } else {
            String::new()
        },
    });
    plan.injections
        .iter()
        .map(|p| {
            stated.unwrap_or(if p.device.material.eq_ignore_ascii_case("glass") {
                DEFAULT_RESIDUAL_SD_GLASS
            } else {
                DEFAULT_RESIDUAL_SD_OTHER
            })
        })
        .collect()
}

/// Each tumour's volume and TNR CVs: its own where stated, else the case-wide ones.
fn per_tumour(
    parameters: &mut Vec<Parameter>,
    u: &UncertaintyInput,
    plan: &Plan,
    volume_cv: f64,
    tnr_cv: f64,
) -> (Vec<f64>, Vec<f64>) {
    let mut volumes = Vec::new();
    let mut tnrs = Vec::new();
    for t in &plan.case.tumours {
        let own = u.tumours.get(&t.id).copied().unwrap_or_default();
        for (key, v) in [("volume_cv", own.volume_cv), ("tnr_cv", own.tnr_cv)] {
            if let Some(v) = v {
                parameters.push(Parameter {
                    key: format!("tumours.{}.{key}", t.id),
                    value: Some(v),
                    default: false,
                    source: String::new(),
                });
            }
        }
        volumes.push(own.volume_cv.unwrap_or(volume_cv));
        tnrs.push(own.tnr_cv.unwrap_or(tnr_cv));
    }
    (volumes, tnrs)
}

/// ln σ of a lognormal with coefficient of variation `cv`: √(ln(1 + cv²)).
pub fn log_sigma(cv: f64) -> f64 {
    cv.mul_add(cv, 1.0).ln().sqrt()
}
