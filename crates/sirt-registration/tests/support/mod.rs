//! Shared by the accuracy tests and the bench: moving images rendered from the phantom's analytic
//! anatomy through a KNOWN `fixed_from_moving`, and the errors of a recovered transform.
//!
//! The truth is independent of the code under test: each moving voxel is the phantom's tissue at
//! the point `fixed_from_moving` takes it to (an analytic classification, averaged over
//! sub-points of the voxel for partial volumes), in HU, with fresh noise.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rayon::prelude::*;
use sirt_geometry::{ContinuousIndex, FrameOfReference, Grid, Image, Mask, PointLps, Rigid};
use sirt_phantom::anatomy::{Anatomy, Tissue};
use sirt_phantom::labels;
use sirt_phantom::rng::Rng;
use std::collections::HashMap;

/// The moving series' frame of reference (the phantom's is `sirt_phantom::FRAME_OF_REFERENCE_UID`).
pub const MOVING_FRAME: &str = "2.25.1234567890123456789";

/// The label a tissue has in the phantom's label map.
pub fn label_of(t: Tissue) -> u16 {
    match t {
        Tissue::Air => labels::AIR,
        Tissue::Body => labels::BODY,
        Tissue::Bone => labels::BONE,
        Tissue::Lung => labels::LUNG,
        Tissue::Stomach => labels::STOMACH,
        Tissue::Liver => labels::LIVER,
        Tissue::Tumour(n) => labels::TUMOUR_BASE + n as u16,
        Tissue::Necrosis(n) => labels::NECROSIS_BASE + n as u16,
    }
}

/// The mean HU of each label in the phantom's CT (the tissue values without hard-coding them).
pub fn hu_table(ct: &Image<f32>, labels: &Image<u16>) -> HashMap<u16, f32> {
    let mut sums: HashMap<u16, (f64, f64)> = HashMap::new();
    for (&v, &l) in ct.data().iter().zip(labels.data()) {
        let e = sums.entry(l).or_default();
        e.0 += f64::from(v);
        e.1 += 1.0;
    }
    sums.into_iter()
        .map(|(l, (s, n))| (l, (s / n) as f32))
        .collect()
}

/// A rotation R = Rz · Ry · Rx of angles in degrees, about `centre`, then a translation:
/// `fixed_from_moving(q) = R (q − centre) + centre + t`.
pub fn truth(
    angles_deg: [f64; 3],
    t_mm: [f64; 3],
    centre: [f64; 3],
    fixed: &FrameOfReference,
) -> Rigid {
    let r = sirt_registration::rotation_from_angles_deg(angles_deg);
    let rc = [0, 1, 2].map(|i| (0..3).map(|k| r[i][k] * centre[k]).sum::<f64>());
    let translation = [0, 1, 2].map(|i| centre[i] + t_mm[i] - rc[i]);
    Rigid::new(
        fixed.clone(),
        FrameOfReference(MOVING_FRAME.into()),
        r,
        translation,
    )
    .unwrap()
}

/// A grid in the moving frame: `dims` of `spacing`, centred at `centre` (moving patient
/// coordinates), axes along `direction`.
pub fn moving_grid(
    dims: [usize; 3],
    spacing: [f64; 3],
    centre: [f64; 3],
    direction: [[f64; 3]; 3],
) -> Grid {
    let half = [0, 1, 2].map(|c| (dims[c] as f64 - 1.0) / 2.0 * spacing[c]);
    let origin =
        [0, 1, 2].map(|r| centre[r] - (0..3).map(|c| direction[c][r] * half[c]).sum::<f64>());
    Grid::new(
        dims,
        spacing,
        PointLps::new(origin[0], origin[1], origin[2]),
        direction,
        FrameOfReference(MOVING_FRAME.into()),
    )
    .unwrap()
}

/// A CT on `grid`: at each voxel, the mean HU of the tissue at `s³` sub-points
/// (`tissue_at` of the grid's patient coordinates), plus Gaussian noise of `noise_hu` inside
/// the body.
pub fn render(
    grid: &Grid,
    tissue_at: &(dyn Fn(PointLps) -> Tissue + Sync),
    hu: &HashMap<u16, f32>,
    s: usize,
    noise_hu: f64,
    seed: u64,
) -> Image<f32> {
    let [nx, ny, _] = grid.dims;
    let rng = Rng::new(seed);
    let offsets: Vec<f64> = (0..s).map(|m| (m as f64 + 0.5) / s as f64 - 0.5).collect();
    let mut data = vec![0f32; grid.len()];
    data.par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(k, slice)| {
            let mut r = rng.fork(k as u64);
            for j in 0..ny {
                for i in 0..nx {
                    let mut acc = 0.0f64;
                    let mut air = true;
                    for &dk in &offsets {
                        for &dj in &offsets {
                            for &di in &offsets {
                                let q = grid.patient_from_index(ContinuousIndex::new(
                                    i as f64 + di,
                                    j as f64 + dj,
                                    k as f64 + dk,
                                ));
                                let t = tissue_at(q);
                                air &= t == Tissue::Air;
                                acc += f64::from(hu[&label_of(t)]);
                            }
                        }
                    }
                    let n = (s * s * s) as f64;
                    let noise = if air { 0.0 } else { noise_hu * r.normal() };
                    slice[i + nx * j] = (acc / n + noise) as f32;
                }
            }
        });
    Image::new(grid.clone(), data).unwrap()
}

/// The anatomy seen from the moving frame: the tissue at `fixed_from_moving(q)`.
pub fn moved<'a>(
    a: &'a Anatomy,
    fixed_from_moving: &'a Rigid,
) -> impl Fn(PointLps) -> Tissue + Sync + 'a {
    move |q| a.tissue_at(fixed_from_moving.apply(q))
}

/// Breathing: the liver (parenchyma, tumours) moved by `liver_fixed_from_moving`, everything
/// else by `body_fixed_from_moving`; where the liver was and is no longer, soft tissue.
pub fn breathing<'a>(
    a: &'a Anatomy,
    liver_fixed_from_moving: &'a Rigid,
    body_fixed_from_moving: &'a Rigid,
) -> impl Fn(PointLps) -> Tissue + Sync + 'a {
    move |q| {
        let t = a.tissue_at(liver_fixed_from_moving.apply(q));
        if is_liver(label_of(t)) {
            return t;
        }
        match a.tissue_at(body_fixed_from_moving.apply(q)) {
            t if is_liver(label_of(t)) => Tissue::Body,
            t => t,
        }
    }
}

/// Fixed-frame centres of the voxels of the liver (parenchyma, tumours, necrosis).
pub fn liver_points(labels: &Image<u16>) -> Vec<PointLps> {
    let g = labels.grid();
    labels
        .data()
        .iter()
        .enumerate()
        .filter(|(_, l)| is_liver(**l))
        .map(|(o, _)| {
            let [i, j, k] = g.index_of_offset(o);
            g.patient_from_index(ContinuousIndex::of_voxel(i, j, k))
        })
        .collect()
}

/// Liver parenchyma, tumours and necrosis.
pub fn is_liver(l: u16) -> bool {
    l == labels::LIVER || l >= labels::TUMOUR_BASE
}

/// The liver mask on the fixed grid.
pub fn liver_mask(labels: &Image<u16>) -> Mask {
    labels.map(is_liver)
}

/// Errors of a recovered `fixed_from_moving` against the truth.
#[derive(Debug, Clone, Copy)]
pub struct Errors {
    /// Largest displacement error over the liver's voxels, mm.
    pub max_liver_mm: f64,
    /// Mean displacement error over the liver's voxels, mm.
    pub mean_liver_mm: f64,
    /// Angle of R_found · R_trueᵀ, degrees.
    pub rotation_deg: f64,
}

/// Compares at each liver voxel p (fixed frame): the moving point the truth sends there,
/// q = truth⁻¹(p), and where the found transform puts it.
pub fn errors(found: &Rigid, truth: &Rigid, liver: &[PointLps]) -> Errors {
    assert_eq!(found.to, truth.to);
    assert_eq!(found.from, truth.from);
    let inv = truth.inverse();
    let (mut max, mut sum) = (0.0f64, 0.0);
    for &p in liver {
        let d = found.apply(inv.apply(p)).distance(p);
        max = max.max(d);
        sum += d;
    }
    let a = found.rotation;
    let b = truth.rotation;
    // trace(A Bᵀ) = Σ a_ij b_ij.
    let trace: f64 = (0..3)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| a[i][j] * b[i][j])
        .sum();
    Errors {
        max_liver_mm: max,
        mean_liver_mm: sum / liver.len() as f64,
        rotation_deg: ((trace - 1.0) / 2.0).clamp(-1.0, 1.0).acos().to_degrees(),
    }
}

/// The centre of the liver voxels (fixed frame).
pub fn centroid(points: &[PointLps]) -> [f64; 3] {
    let n = points.len() as f64;
    let s = points
        .iter()
        .fold([0.0; 3], |a, p| [a[0] + p.x, a[1] + p.y, a[2] + p.z]);
    s.map(|x| x / n)
}

/// Sub-points per axis of a rendered voxel: 3 (27 points), partial volumes to within 1/27.
pub const SUPERSAMPLING: usize = 3;
/// Noise of the CTs, HU: the phantom CT's own (`Acquisition::ct_noise_hu`, 12 HU).
pub const CT_NOISE_HU: f64 = 12.0;
/// The SPECT/CT's CT: 128³ voxels of 4.42 mm (the phantom's SPECT spacing).
pub const SPECT_CT_DIMS: [usize; 3] = [128; 3];
/// Its spacing, mm.
pub const SPECT_CT_SPACING_MM: f64 = 4.42;
/// A low-dose CT's noise, HU (the brief's example).
pub const LOW_DOSE_NOISE_HU: f64 = 30.0;
/// CT–CT limit on the displacement over the liver, mm (issue 16).
pub const CT_CT_MM: f64 = 1.0;
/// CT–CT limit on the rotation, degrees (issue 16).
pub const CT_CT_DEG: f64 = 0.5;
/// SPECT/CT limit on the displacement over the liver, mm (issue 16).
pub const SPECT_CT_MM: f64 = 2.0;

/// Axis-aligned directions.
pub const AXES: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// The fixed CT: the phantom's anatomy rendered on the phantom CT's grid (its frame) with
/// partial volumes and 12 HU noise. The phantom's own CT classifies each voxel by its centre,
/// which leaves the top or bottom of an organ up to half a voxel (2 mm on the Small grid) off:
/// too coarse a truth for a 1 mm test.
pub fn fixed_ct(p: &sirt_phantom::Phantom) -> Image<f32> {
    let hu = hu_table(&p.ct, &p.labels);
    let a = &p.truth.anatomy;
    render(
        p.ct.grid(),
        &|q| a.tissue_at(q),
        &hu,
        SUPERSAMPLING,
        CT_NOISE_HU,
        5,
    )
}

/// One registration pair of the tests and the bench.
pub struct Case {
    /// Its name.
    pub name: &'static str,
    /// The truth.
    pub truth: Rigid,
    /// The moving image's grid (moving frame).
    pub grid: Grid,
    /// Noise of the moving CT, HU.
    pub noise_hu: f64,
    /// Displacement limit over the liver, mm.
    pub limit_mm: f64,
    /// Rotation limit, degrees (`None`: none of its own).
    pub limit_deg: Option<f64>,
}

/// A direction tilted by `deg` about x (a gantry tilt).
fn tilted(deg: f64) -> [[f64; 3]; 3] {
    let (s, c) = deg.to_radians().sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]]
}

/// The pairs (translations up to 30 mm, rotations up to 10°), about the liver's centre:
/// CT–CT on the fixed CT's grid shape (one with a tilted grid), and SPECT/CT low-dose CTs.
pub fn cases(p: &sirt_phantom::Phantom) -> Vec<Case> {
    let f = p.ct.grid().frame.clone();
    let c = centroid(&liver_points(&p.labels));
    let g = p.ct.grid();
    let ct = |centre: [f64; 3], dir| moving_grid(g.dims, g.spacing_mm, centre, dir);
    let spect =
        |centre: [f64; 3]| moving_grid(SPECT_CT_DIMS, [SPECT_CT_SPACING_MM; 3], centre, AXES);
    let ct_case = |name, angles, t, grid| Case {
        name,
        truth: truth(angles, t, c, &f),
        grid,
        noise_hu: CT_NOISE_HU,
        limit_mm: CT_CT_MM,
        limit_deg: Some(CT_CT_DEG),
    };
    let spect_case = |name, angles, t, grid| Case {
        name,
        truth: truth(angles, t, c, &f),
        grid,
        noise_hu: LOW_DOSE_NOISE_HU,
        limit_mm: SPECT_CT_MM,
        limit_deg: None,
    };
    vec![
        ct_case(
            "ct-ct shift",
            [0.0; 3],
            [12.0, -8.0, 30.0],
            ct([0.0, 5.0, 0.0], AXES),
        ),
        ct_case(
            "ct-ct rz10",
            [0.0, 0.0, 10.0],
            [5.0, 10.0, -15.0],
            ct([20.0, -5.0, 5.0], AXES),
        ),
        ct_case(
            "ct-ct rx-10",
            [-10.0, 0.0, 0.0],
            [-30.0, 0.0, 10.0],
            ct([0.0, 5.0, 0.0], AXES),
        ),
        ct_case(
            "ct-ct 3 angles",
            [4.0, -6.0, 8.0],
            [-20.0, 15.0, 25.0],
            ct([0.0, 5.0, 0.0], AXES),
        ),
        ct_case(
            "ct-ct tilted grid",
            [0.0, 7.0, -3.0],
            [10.0, -30.0, -10.0],
            ct([-10.0, 0.0, 20.0], tilted(12.0)),
        ),
        spect_case(
            "spect-ct shift",
            [0.0; 3],
            [-25.0, 20.0, 30.0],
            spect([0.0, 0.0, 0.0]),
        ),
        spect_case(
            "spect-ct 3 angles",
            [-5.0, 3.0, 7.0],
            [15.0, -20.0, 10.0],
            spect([10.0, 0.0, -30.0]),
        ),
        spect_case(
            "spect-ct ry10",
            [0.0, 10.0, 0.0],
            [0.0, 30.0, -20.0],
            spect([0.0, 20.0, 40.0]),
        ),
    ]
}

/// The moving CT of a case.
pub fn moving_ct(p: &sirt_phantom::Phantom, case: &Case) -> Image<f32> {
    let hu = hu_table(&p.ct, &p.labels);
    render(
        &case.grid,
        &moved(&p.truth.anatomy, &case.truth),
        &hu,
        SUPERSAMPLING,
        case.noise_hu,
        99,
    )
}
