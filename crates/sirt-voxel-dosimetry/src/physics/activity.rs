//! Activity maps from images: always A₀, the activity at the administration instant.
//!
//! - (A1) MAA-predictive ([`maa_accounted`]): the counts c of each voxel are split by the
//!   regions' fractions, with this precedence: lungs g, named extrahepatic structures e_i, the
//!   liver (or perfused territories) z, the liver margin m (the rest of a voxel within the margin
//!   of the liver: spill-out by the SPECT resolution, counted as liver), and the rest. With
//!   C_z = Σ c (z + m), C_i = Σ c e_i, N_z = A_z (1 − LSF_z) (the activity not shunted to the
//!   lungs) and φ = Σ C_i / (Σ C_z + Σ C_i), each zone holds N_z (1 − φ) (scale N_z (1 − φ) / C_z),
//!   each extrahepatic structure Σ N_z · C_i / (Σ C_z + Σ C_i), i.e. A · f_i with
//!   f_i = (1 − LSF) C_i / (C_liver+margin + Σ C_i) for one zone; the lungs hold Σ A_z LSF_z
//!   spread uniformly over their fractions (SPECT lung counts are unreliable). The rest of the
//!   counts (free pertechnetate, thyroid, kidneys, bowel not named, …) are not microspheres: left
//!   out of the map and reported as a fraction of the counts. So the map holds exactly the
//!   administered activity: liver A (1 − LSF − f_EH), lungs A · LSF, structure i A · f_i.
//! - (A2) PET: A₀ = C · V · exp(λ Δt), C in Bq/mL at the image's reference instant, Δt from the
//!   administration to that instant: a scan read as-is 24 h later would understate every dose by
//!   23 % for Y-90.
//! - (A3) Self-calibration: counts or Bq/mL scaled so that a region (the body, or liver and lungs)
//!   holds the delivered activity.
//!
//! Negative voxels (reconstruction noise) are set to 0 and the clamped amount is reported.

use crate::physics::DoseError;
use crate::physics::engine::ActivityMap;
use sirt_geometry::{FractionalMask, Image};
use sirt_i18n::{Arg, Text};
use sirt_nuclides::{Coefficient, Nuclide};
use sirt_units::{Activity, Fraction, Instant, Length};

/// What the calibration found, for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalibrationReport {
    /// MBq per image unit (per count, or per Bq in the voxel).
    pub scale: f64,
    /// Fraction of the (clamped) image total outside the calibration region and lungs: the
    /// extrahepatic deposition for MAA.
    pub outside_fraction: f64,
    /// Sum of the negative voxels set to 0, in image units × voxel volume where applicable.
    pub clamped_negative: f64,
    /// Lines for the provenance of the map, in the reader's language when rendered (JSON: English).
    pub notes: Vec<sirt_i18n::Text>,
    /// The activity accounting of an MAA-predictive map (A1); None for the other maps.
    pub accounting: Option<MaaAccounting>,
}

/// A calibration zone of an MAA-predictive map: the liver, or one perfused territory.
#[derive(Debug, Clone, Copy)]
pub struct MaaZone<'a> {
    /// Its fractions on the image grid.
    pub fractions: &'a FractionalMask,
    /// The activity administered into it.
    pub administered: Activity,
    /// Its lung shunt fraction.
    pub lsf: Fraction,
}

/// The regions of an MAA-predictive map on the image grid, in their order of precedence
/// (module docs, A1).
#[derive(Debug, Clone)]
pub struct MaaRegions<'a> {
    /// The lungs (A · LSF uniformly), when a lung structure is given.
    pub lungs: Option<&'a FractionalMask>,
    /// Named extrahepatic structures (name, fractions).
    pub extrahepatic: Vec<(&'a str, &'a FractionalMask)>,
    /// The liver, or the perfused territories (at least one).
    pub zones: Vec<MaaZone<'a>>,
    /// The voxels within the liver margin (one zone only; None: no margin).
    pub margin: Option<&'a [bool]>,
    /// The margin's width, for the report.
    pub margin_width: Length,
}

/// The share of one named extrahepatic structure in an MAA-predictive map.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExtrahepaticShare {
    /// The structure's name.
    pub structure: String,
    /// Activity it holds in the map, A · f_i.
    pub activity: Activity,
    /// f_i, its share of the administered activity.
    pub fraction_of_administered: Fraction,
    /// Its share of the image's counts.
    pub counts_fraction: Fraction,
}

/// Where the activity of an MAA-predictive map is, and where the counts were (A1).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MaaAccounting {
    /// The administered activity (all injections of the session).
    pub administered: Activity,
    /// The activity in the map (equal to `administered` up to rounding).
    pub in_map: Activity,
    /// Liver (or territories) and its margin: A (1 − LSF − f_EH).
    pub liver: Activity,
    /// Lungs: A · LSF.
    pub lungs: Activity,
    /// Named extrahepatic structures, in the order given.
    pub extrahepatic: Vec<ExtrahepaticShare>,
    /// The liver margin's width (site setting).
    pub liver_margin: Length,
    /// Share of the counts in the liver (or territories).
    pub liver_counts_fraction: Fraction,
    /// Share of the counts in the liver margin (counted as liver).
    pub margin_counts_fraction: Fraction,
    /// Share of the counts in the lungs (replaced by A · LSF).
    pub lung_counts_fraction: Fraction,
    /// Share of the counts nowhere else: not microspheres, left out of the map.
    pub excluded_counts_fraction: Fraction,
}

fn clamp(values: &[f32]) -> Result<(Vec<f64>, f64), DoseError> {
    let mut clamped = 0.0;
    let mut out = Vec::with_capacity(values.len());
    for (n, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(DoseError::Input(format!("image voxel {n} is {v}")));
        }
        if v < 0.0 {
            clamped += f64::from(-v);
            out.push(0.0);
        } else {
            out.push(f64::from(v));
        }
    }
    Ok((out, clamped))
}

fn same_grid(image: &Image<f32>, mask: &FractionalMask, what: &str) -> Result<(), DoseError> {
    if image.grid().same_as(mask.grid()) {
        Ok(())
    } else {
        Err(DoseError::Input(format!(
            "the {what} mask is not on the image grid: resample it (fractionally) first"
        )))
    }
}

/// (A1) MAA-predictive activity map from SPECT counts with the whole liver as the one zone, no
/// liver margin and no named extrahepatic structure: counts outside the liver and lungs are left
/// out ([`maa_accounted`] for the general case).
#[allow(clippy::too_many_arguments)]
pub fn maa_predictive(
    counts: &Image<f32>,
    liver: &FractionalMask,
    lungs: Option<&FractionalMask>,
    administered: Activity,
    lsf: Fraction,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    let regions = MaaRegions {
        lungs,
        extrahepatic: vec![],
        zones: vec![MaaZone {
            fractions: liver,
            administered,
            lsf,
        }],
        margin: None,
        margin_width: Length::from_m(0.0),
    };
    maa_accounted(counts, &regions, nuclide, k)
}

/// The weights of one voxel in each region (A1), by precedence; each in 0–1, summing to at
/// most 1.
struct VoxelSplit {
    lung: f64,
    extrahepatic: Vec<f64>,
    zones: Vec<f64>,
    margin: f64,
}

fn frac_at(m: &FractionalMask, v: usize) -> f64 {
    f64::from(m.data()[v]).clamp(0.0, 1.0)
}

/// Scales `w` so that they sum to at most `room`; returns what is left.
fn fit(w: &mut [f64], room: f64) -> f64 {
    let sum: f64 = w.iter().sum();
    if sum > room && sum > 0.0 {
        w.iter_mut().for_each(|x| *x *= room / sum);
        0.0
    } else {
        room - sum
    }
}

impl VoxelSplit {
    /// A split with room for the regions of `r`, all weights 0.
    fn for_regions(r: &MaaRegions<'_>) -> Self {
        Self {
            lung: 0.0,
            extrahepatic: vec![0.0; r.extrahepatic.len()],
            zones: vec![0.0; r.zones.len()],
            margin: 0.0,
        }
    }
}

/// The weights of voxel `v` in each region, written into `w` (made by
/// [`VoxelSplit::for_regions`] for the same regions: no allocation per voxel).
fn split(r: &MaaRegions<'_>, v: usize, w: &mut VoxelSplit) {
    w.lung = r.lungs.map_or(0.0, |l| frac_at(l, v));
    for (x, (_, m)) in w.extrahepatic.iter_mut().zip(&r.extrahepatic) {
        *x = frac_at(m, v);
    }
    let room = fit(&mut w.extrahepatic, 1.0 - w.lung);
    for (x, z) in w.zones.iter_mut().zip(&r.zones) {
        *x = frac_at(z.fractions, v);
    }
    let room = fit(&mut w.zones, room);
    w.margin = match r.margin {
        Some(m) if m.get(v).copied().unwrap_or(false) => room,
        _ => 0.0,
    };
}

/// The lung weight of voxel `v` alone (a voxel without counts adds nothing else, A1).
fn lung_weight_at(r: &MaaRegions<'_>, v: usize) -> f64 {
    r.lungs.map_or(0.0, |l| frac_at(l, v))
}

/// Counts per region (A1).
#[derive(Default)]
struct RegionCounts {
    zones: Vec<f64>,
    margin: f64,
    extrahepatic: Vec<f64>,
    lung: f64,
    lung_weight: f64,
    total: f64,
}

fn region_counts(c: &[f64], r: &MaaRegions<'_>) -> RegionCounts {
    let mut out = RegionCounts {
        zones: vec![0.0; r.zones.len()],
        extrahepatic: vec![0.0; r.extrahepatic.len()],
        ..Default::default()
    };
    let mut w = VoxelSplit::for_regions(r);
    for (v, &x) in c.iter().enumerate() {
        if x == 0.0 {
            // Every term but the lung weight is x times a weight.
            out.lung_weight += lung_weight_at(r, v);
            continue;
        }
        split(r, v, &mut w);
        out.total += x;
        out.lung += x * w.lung;
        out.lung_weight += w.lung;
        out.margin += x * w.margin;
        for (a, b) in out.zones.iter_mut().zip(&w.zones) {
            *a += x * b;
        }
        for (a, b) in out.extrahepatic.iter_mut().zip(&w.extrahepatic) {
            *a += x * b;
        }
    }
    out
}

fn check_maa_inputs(counts: &Image<f32>, r: &MaaRegions<'_>) -> Result<(), DoseError> {
    if r.zones.is_empty() {
        return Err(DoseError::Input(
            "an MAA-predictive map needs the liver or a perfused territory".into(),
        ));
    }
    for z in &r.zones {
        same_grid(counts, z.fractions, "liver or territory")?;
        if !z.administered.is_positive() || z.lsf.value() >= 1.0 {
            return Err(DoseError::Input(format!(
                "administered activity must be above 0 and LSF below 1, found {} and {}",
                z.administered,
                z.lsf.value()
            )));
        }
    }
    if let Some(l) = r.lungs {
        same_grid(counts, l, "lung")?;
    }
    for (name, m) in &r.extrahepatic {
        same_grid(counts, m, name)?;
    }
    if r.margin.is_some_and(|m| m.len() != counts.data().len()) {
        return Err(DoseError::Input(
            "the liver margin is not on the image grid".into(),
        ));
    }
    Ok(())
}

/// The scales of the zones (MBq per count in zone z and its margin) and of the extrahepatic
/// structures, with the activities the zones and structures hold (A1).
struct Scales {
    zones: Vec<f64>,
    extrahepatic: f64,
    liver_mbq: f64,
    extrahepatic_mbq: Vec<f64>,
}

fn scales(r: &MaaRegions<'_>, n: &RegionCounts) -> Result<Scales, DoseError> {
    let eh: f64 = n.extrahepatic.iter().sum();
    let mut zone_counts = n.zones.clone();
    if let Some(first) = zone_counts.first_mut() {
        *first += n.margin;
    }
    let liver: f64 = zone_counts.iter().sum();
    if zone_counts.iter().any(|&c| c.is_nan() || c <= 0.0) {
        return Err(DoseError::Input(
            "the SPECT has no counts in the liver region: cannot scale it".into(),
        ));
    }
    let phi = eh / (liver + eh);
    let non_lung: Vec<f64> = r
        .zones
        .iter()
        .map(|z| z.administered.mbq() * z.lsf.complement())
        .collect();
    let total_non_lung: f64 = non_lung.iter().sum();
    Ok(Scales {
        zones: non_lung
            .iter()
            .zip(&zone_counts)
            .map(|(a, c)| a * (1.0 - phi) / c)
            .collect(),
        extrahepatic: total_non_lung / (liver + eh),
        liver_mbq: total_non_lung * (1.0 - phi),
        extrahepatic_mbq: n
            .extrahepatic
            .iter()
            .map(|c| total_non_lung * c / (liver + eh))
            .collect(),
    })
}

/// The map's values (MBq per voxel) from the counts, the regions and the scales.
fn maa_values(
    c: &[f64],
    r: &MaaRegions<'_>,
    s: &Scales,
    n: &RegionCounts,
    lung_mbq: f64,
) -> Vec<f32> {
    let lung_share = |v: usize| {
        if n.lung_weight > 0.0 {
            lung_mbq * lung_weight_at(r, v) / n.lung_weight
        } else {
            0.0
        }
    };
    let mut w = VoxelSplit::for_regions(r);
    c.iter()
        .enumerate()
        .map(|(v, &x)| {
            if x == 0.0 {
                // The count terms are x times a finite weight and scale: 0.
                return lung_share(v) as f32;
            }
            split(r, v, &mut w);
            let mut a = 0.0;
            for (z, (&f, scale)) in w.zones.iter().zip(&s.zones).enumerate() {
                let m = if z == 0 { w.margin } else { 0.0 };
                a += x * (f + m) * scale;
            }
            a += x * w.extrahepatic.iter().sum::<f64>() * s.extrahepatic;
            if n.lung_weight > 0.0 {
                a += lung_mbq * w.lung / n.lung_weight;
            }
            a as f32
        })
        .collect()
}

/// part / total in [0, 1]; a share that cannot be computed (NaN, from a non-finite total) is
/// 1, so that a check on it fires rather than passes (validated maps never give one).
pub(crate) fn share(part: f64, total: f64) -> Fraction {
    let x = if total > 0.0 { part / total } else { 0.0 };
    if x.is_finite() {
        Fraction::new(x.clamp(0.0, 1.0)).unwrap_or(Fraction::ONE)
    } else {
        Fraction::ONE
    }
}

/// (A1) MAA-predictive activity map from SPECT counts with its activity accounting (module docs).
pub fn maa_accounted(
    counts: &Image<f32>,
    regions: &MaaRegions<'_>,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    check_maa_inputs(counts, regions)?;
    let (c, clamped) = clamp(counts.data())?;
    let n = region_counts(&c, regions);
    let s = scales(regions, &n)?;
    let administered: f64 = regions.zones.iter().map(|z| z.administered.mbq()).sum();
    let lung_mbq: f64 = regions
        .zones
        .iter()
        .map(|z| z.administered.mbq() * z.lsf.value())
        .sum();
    let lung_mbq = if regions.lungs.is_some() && n.lung_weight > 0.0 {
        lung_mbq
    } else {
        0.0
    };
    let mbq = maa_values(&c, regions, &s, &n, lung_mbq);
    let in_map: f64 = mbq.iter().map(|&x| f64::from(x)).sum();
    let counted =
        n.zones.iter().sum::<f64>() + n.margin + n.lung + n.extrahepatic.iter().sum::<f64>();
    let excluded = share((n.total - counted).max(0.0), n.total);
    let accounting = MaaAccounting {
        administered: Activity::from_mbq(administered),
        in_map: Activity::from_mbq(in_map),
        liver: Activity::from_mbq(s.liver_mbq),
        lungs: Activity::from_mbq(lung_mbq),
        extrahepatic: regions
            .extrahepatic
            .iter()
            .zip(&s.extrahepatic_mbq)
            .zip(&n.extrahepatic)
            .map(|(((name, _), &a), &cn)| ExtrahepaticShare {
                structure: (*name).to_owned(),
                activity: Activity::from_mbq(a),
                fraction_of_administered: share(a, administered),
                counts_fraction: share(cn, n.total),
            })
            .collect(),
        liver_margin: regions.margin_width,
        liver_counts_fraction: share(n.zones.iter().sum(), n.total),
        margin_counts_fraction: share(n.margin, n.total),
        lung_counts_fraction: share(n.lung, n.total),
        excluded_counts_fraction: excluded,
    };
    let notes = maa_notes(&accounting, regions, &s, clamped);
    Ok((
        ActivityMap {
            mbq: Image::new(counts.grid().clone(), mbq)
                .map_err(|e| DoseError::Input(e.to_string()))?,
            nuclide,
            k,
            provenance: notes.iter().map(Text::en).collect(),
        },
        CalibrationReport {
            scale: s.zones.first().copied().unwrap_or(f64::NAN),
            outside_fraction: excluded.value(),
            clamped_negative: clamped,
            notes,
            accounting: Some(accounting),
        },
    ))
}

fn maa_notes(a: &MaaAccounting, r: &MaaRegions<'_>, s: &Scales, clamped: f64) -> Vec<Text> {
    let lsf = if a.administered.mbq() > 0.0 {
        a.lungs.mbq() / a.administered.mbq()
    } else {
        0.0
    };
    let mbq = |v: f64| Arg::Qty {
        value: v,
        decimals: 3,
        unit: "MBq",
    };
    let args = vec![
        ("administered", mbq(a.administered.mbq())),
        ("liver", mbq(a.liver.mbq())),
        (
            "per_count",
            Arg::Numeric(format!(
                "{:.6e}",
                s.zones.first().copied().unwrap_or(f64::NAN)
            )),
        ),
        ("lungs", mbq(a.lungs.mbq())),
        (
            "lsf",
            Arg::Num {
                value: lsf,
                decimals: 4,
            },
        ),
        (
            "extrahepatic",
            mbq(a.extrahepatic.iter().map(|e| e.activity.mbq()).sum::<f64>() + 0.0),
        ),
        ("in_map", mbq(a.in_map.mbq())),
    ];
    let mut notes = vec![if r.margin.is_some() {
        Text::with("voxel-note-maa-with-margin", args)
    } else {
        Text::with("voxel-note-maa", args)
    }];
    notes.push(if r.lungs.is_some() {
        Text::msg("voxel-note-lungs-uniform")
    } else {
        Text::msg("voxel-note-no-lung-mask")
    });
    let percent = |f: f64| Arg::Qty {
        value: f,
        decimals: 2,
        unit: "%",
    };
    if r.margin.is_some() {
        notes.push(Text::with(
            "voxel-note-margin-counts",
            vec![
                ("fraction", percent(a.margin_counts_fraction.percent())),
                (
                    "margin",
                    Arg::Numeric(format!("{} mm", a.liver_margin.m() * 1000.0)),
                ),
            ],
        ));
    }
    let excluded = vec![("fraction", percent(a.excluded_counts_fraction.percent()))];
    notes.push(if r.margin.is_some() {
        Text::with("voxel-note-excluded-counts-with-margin", excluded)
    } else {
        Text::with("voxel-note-excluded-counts", excluded)
    });
    if clamped > 0.0 {
        notes.push(Text::with(
            "voxel-note-negative-counts",
            vec![(
                "counts",
                Arg::Num {
                    value: clamped,
                    decimals: 1,
                },
            )],
        ));
    }
    notes
}

/// (A2) Activity at administration from a PET in Bq/mL referenced to `image_reference` (the scan
/// start when the image is decay corrected to it or not decay corrected at all).
pub fn pet_decay_corrected(
    bq_per_ml: &Image<f32>,
    image_reference: &Instant,
    administration: &Instant,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    let dt = image_reference.since(administration);
    if dt.seconds() < 0.0 {
        return Err(DoseError::Input(format!(
            "the image reference {image_reference} is before the administration {administration}"
        )));
    }
    let (c, clamped) = clamp(bq_per_ml.data())?;
    let voxel_ml = bq_per_ml.grid().voxel_volume_mm3() / 1000.0;
    let back = 1.0 / nuclide.decay_factor(dt);
    let s = voxel_ml * back / 1e6;
    let mbq: Vec<f32> = c.iter().map(|&x| (x * s) as f32).collect();
    let notes = vec![Text::with(
        "voxel-note-pet-calibration",
        vec![
            (
                "voxel_ml",
                Arg::Qty {
                    value: voxel_ml,
                    decimals: 4,
                    unit: "mL",
                },
            ),
            (
                "hours",
                Arg::Qty {
                    value: dt.hours(),
                    decimals: 2,
                    unit: "h",
                },
            ),
            ("reference", Arg::Str(image_reference.report_text())),
            ("administration", Arg::Str(administration.report_text())),
            (
                "factor",
                Arg::Num {
                    value: back,
                    decimals: 5,
                },
            ),
        ],
    )];
    Ok((
        ActivityMap {
            mbq: Image::new(bq_per_ml.grid().clone(), mbq)
                .map_err(|e| DoseError::Input(e.to_string()))?,
            nuclide,
            k,
            provenance: notes.iter().map(Text::en).collect(),
        },
        CalibrationReport {
            scale: s,
            outside_fraction: 0.0,
            clamped_negative: clamped,
            notes,
            accounting: None,
        },
    ))
}

/// (A3) Self-calibration: the image scaled so that `region` holds `delivered`.
pub fn self_calibrated(
    image: &Image<f32>,
    region: &FractionalMask,
    delivered: Activity,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    same_grid(image, region, "calibration region")?;
    let (c, clamped) = clamp(image.data())?;
    let in_region: f64 = c
        .iter()
        .zip(region.data())
        .map(|(x, &f)| x * f64::from(f.clamp(0.0, 1.0)))
        .sum();
    if in_region.is_nan() || in_region <= 0.0 || !delivered.is_positive() {
        return Err(DoseError::Input(
            "self-calibration needs counts in the region and a delivered activity above 0".into(),
        ));
    }
    let s = delivered.mbq() / in_region;
    let total: f64 = c.iter().sum();
    let mbq: Vec<f32> = c.iter().map(|&x| (x * s) as f32).collect();
    let notes = vec![Text::with(
        "voxel-note-self-calibrated",
        vec![
            (
                "delivered",
                Arg::Qty {
                    value: delivered.mbq(),
                    decimals: 3,
                    unit: "MBq",
                },
            ),
            ("scale", Arg::Numeric(format!("{s:.6e}"))),
        ],
    )];
    Ok((
        ActivityMap {
            mbq: Image::new(image.grid().clone(), mbq)
                .map_err(|e| DoseError::Input(e.to_string()))?,
            nuclide,
            k,
            provenance: notes.iter().map(Text::en).collect(),
        },
        CalibrationReport {
            scale: s,
            outside_fraction: (total - in_region) / total,
            clamped_negative: clamped,
            notes,
            accounting: None,
        },
    ))
}

/// A CT calibration: HU → mass density (g/mL), piecewise linear between points.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HuToDensity {
    /// (HU, g/mL), increasing HU.
    pub points: Vec<(f64, f64)>,
    /// Source of the curve.
    pub source: String,
}

impl Default for HuToDensity {
    /// A generic bilinear curve [R]: air (−1000, 0.0012), water (0, 1.0), then 1.0 + 0.00055·HU
    /// to cortical bone (1500, 1.825); a parameter to replace with the scanner's calibration.
    fn default() -> Self {
        Self {
            points: vec![
                (-1000.0, 0.0012),
                (0.0, 1.0),
                (1500.0, 1.825),
                (3000.0, 2.65),
            ],
            source: "generic bilinear CT calibration [R] (air–water–bone); set the scanner's own"
                .into(),
        }
    }
}

impl HuToDensity {
    /// The density of a HU value (clamped to the end points).
    pub fn density(&self, hu: f64) -> f64 {
        let p = &self.points;
        match p.iter().position(|&(h, _)| h >= hu) {
            Some(0) => p[0].1,
            None => p.last().map_or(1.0, |x| x.1),
            Some(n) => {
                let (h0, d0) = p[n - 1];
                let (h1, d1) = p[n];
                d0 + (d1 - d0) * (hu - h0) / (h1 - h0)
            }
        }
    }

    /// A density map of a CT.
    pub fn map(&self, ct: &Image<f32>) -> Image<f32> {
        ct.map(|hu| self.density(f64::from(hu)) as f32)
    }
}
