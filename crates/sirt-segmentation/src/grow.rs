//! Seeded region growing: the voxels connected to one or more seeds through voxels whose value
//! lies in an interval (ITK's ConnectedThreshold), optionally within a restricting mask; and
//! "confidence connected" (ITK's ConfidenceConnected): the interval is mean ± k·σ of the seeds'
//! neighbourhood, then of the grown region, iterated.
//!
//! The flood keeps an explicit stack of voxel offsets and marks voxels in the output mask when
//! they are pushed (one byte per voxel, no recursion, no other visited array): each voxel is
//! pushed at most once, rejected voxels are tested again from each neighbour (a comparison).

use sirt_geometry::{Image, Mask, PointLps};

use crate::threshold::Interval;
use crate::{Connectivity, SegmentationError, neighbours, same_grid, voxel_of_point};

/// The parameters of a region growing.
#[derive(Debug, Clone, Copy)]
pub struct GrowParams<'a> {
    /// The interval of values a grown voxel must have (the seeds' too).
    pub interval: Interval,
    /// Which voxels touch.
    pub connectivity: Connectivity,
    /// Voxels outside this mask (on the image grid) are never grown into.
    pub within: Option<&'a Mask>,
}

/// The voxel offsets of the seeds, checked: inside the image, in the interval and in the
/// restricting mask (each failure names the seed).
fn seed_offsets(
    image: &Image<f32>,
    seeds_in_patient: &[PointLps],
    params: &GrowParams<'_>,
) -> Result<Vec<usize>, SegmentationError> {
    if seeds_in_patient.is_empty() {
        return Err(SegmentationError::InvalidParameter {
            what: "region growing".into(),
            expected: "at least one seed".into(),
            found: "none".into(),
        });
    }
    let grid = image.grid();
    let mut out = Vec::with_capacity(seeds_in_patient.len());
    for (n, &p) in seeds_in_patient.iter().enumerate() {
        let voxel = voxel_of_point(grid, p, n + 1)?;
        let o = voxel[0] + grid.dims[0] * (voxel[1] + grid.dims[1] * voxel[2]);
        let v = image.data()[o];
        if !params.interval.contains(v) {
            return Err(SegmentationError::SeedRejected {
                number: n + 1,
                voxel,
                why: format!(
                    "has the value {v}, outside the interval {}",
                    params.interval
                ),
            });
        }
        if params.within.is_some_and(|m| !m.data()[o]) {
            return Err(SegmentationError::SeedRejected {
                number: n + 1,
                voxel,
                why: "is outside the restricting mask".into(),
            });
        }
        out.push(o);
    }
    Ok(out)
}

/// The region grown from `seeds_in_patient` (points in patient coordinates, each becoming the
/// voxel that holds it) through voxels in `params.interval`. Refuses no seed, a seed outside the
/// image, the interval or the restricting mask, and a restricting mask on another grid.
pub fn region_grow(
    image: &Image<f32>,
    seeds_in_patient: &[PointLps],
    params: &GrowParams<'_>,
) -> Result<Mask, SegmentationError> {
    if let Some(m) = params.within {
        same_grid("region growing", image.grid(), m.grid())?;
    }
    let seeds = seed_offsets(image, seeds_in_patient, params)?;
    Ok(flood(image, &seeds, params))
}

/// The flood itself (seeds already checked).
fn flood(image: &Image<f32>, seeds: &[usize], params: &GrowParams<'_>) -> Mask {
    let dims = image.grid().dims;
    let values = image.data();
    let interval = params.interval;
    let within = params.within.map(Mask::data);
    let offsets = neighbours::offsets(params.connectivity);
    let mut out = Mask::filled(image.grid().clone(), false);
    let inside = out.data_mut();
    let mut stack: Vec<usize> = Vec::with_capacity(1 << 16);
    for &s in seeds {
        if !inside[s] {
            inside[s] = true;
            stack.push(s);
        }
    }
    while let Some(o) = stack.pop() {
        neighbours::walk(dims, params.connectivity, &offsets, o, |n| {
            if !inside[n] && interval.contains(values[n]) && within.is_none_or(|w| w[n]) {
                inside[n] = true;
                stack.push(n);
            }
        });
    }
    out
}

/// The parameters of a confidence-connected growing (ITK ConfidenceConnected).
#[derive(Debug, Clone, Copy)]
pub struct ConfidenceParams<'a> {
    /// The interval is mean ± `multiplier` × σ.
    pub multiplier: f64,
    /// Re-estimations of mean and σ from the grown region after the first growing.
    pub iterations: usize,
    /// Half-width, in voxels, of the cube around each seed whose values give the first mean and
    /// σ (1: 3 × 3 × 3).
    pub neighbourhood_radius: usize,
    /// Which voxels touch.
    pub connectivity: Connectivity,
    /// Voxels outside this mask are never grown into.
    pub within: Option<&'a Mask>,
}

/// Mean and (population) standard deviation of the values at `offsets`.
fn mean_sd(values: &[f32], offsets: impl Iterator<Item = usize>) -> (f64, f64, usize) {
    let (mut n, mut s, mut s2) = (0usize, 0.0f64, 0.0f64);
    for o in offsets {
        let v = f64::from(values[o]);
        if v.is_finite() {
            n += 1;
            s += v;
            s2 += v * v;
        }
    }
    if n == 0 {
        return (f64::NAN, f64::NAN, 0);
    }
    let mean = s / n as f64;
    (mean, (s2 / n as f64 - mean * mean).max(0.0).sqrt(), n)
}

/// The offsets of the cube of half-width `r` voxels around each seed (clipped to the image).
fn neighbourhood(dims: [usize; 3], seeds: &[[usize; 3]], r: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for s in seeds {
        let lo = |c: usize| s[c].saturating_sub(r);
        let hi = |c: usize| (s[c] + r).min(dims[c] - 1);
        for k in lo(2)..=hi(2) {
            for j in lo(1)..=hi(1) {
                for i in lo(0)..=hi(0) {
                    out.push(i + dims[0] * (j + dims[1] * k));
                }
            }
        }
    }
    out
}

/// The interval mean ± k·σ, refused when not finite.
fn confidence_interval(mean: f64, sd: f64, k: f64) -> Result<Interval, SegmentationError> {
    if !(mean.is_finite() && sd.is_finite()) {
        return Err(SegmentationError::InvalidParameter {
            what: "confidence-connected growing".into(),
            expected: "finite values around the seeds".into(),
            found: format!("mean {mean}, standard deviation {sd}"),
        });
    }
    Interval::new((mean - k * sd) as f32, (mean + k * sd) as f32)
}

/// Confidence-connected growing from the seeds: the interval is the mean ± k·σ of the seeds'
/// neighbourhoods, the region grown; then, `iterations` times, mean and σ of the grown region
/// give the interval of a new growing. The seeds themselves are always in the region (a noisy
/// seed voxel outside mean ± k·σ still starts the flood from its neighbours); every seed must
/// be inside the image.
pub fn confidence_connected(
    image: &Image<f32>,
    seeds_in_patient: &[PointLps],
    params: &ConfidenceParams<'_>,
) -> Result<Mask, SegmentationError> {
    if !(params.multiplier.is_finite() && params.multiplier > 0.0) {
        return Err(SegmentationError::InvalidParameter {
            what: "confidence-connected multiplier".into(),
            expected: "a finite number above 0".into(),
            found: format!("{}", params.multiplier),
        });
    }
    if let Some(m) = params.within {
        same_grid("confidence-connected growing", image.grid(), m.grid())?;
    }
    let grid = image.grid();
    let voxels = seeds_in_patient
        .iter()
        .enumerate()
        .map(|(n, &p)| voxel_of_point(grid, p, n + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let near = neighbourhood(grid.dims, &voxels, params.neighbourhood_radius);
    let (mean, sd, _) = mean_sd(image.data(), near.into_iter());
    let mut grow = GrowParams {
        interval: confidence_interval(mean, sd, params.multiplier)?,
        connectivity: params.connectivity,
        within: params.within,
    };
    let seeds: Vec<usize> = voxels
        .iter()
        .map(|v| v[0] + grid.dims[0] * (v[1] + grid.dims[1] * v[2]))
        .collect();
    let mut region = flood(image, &seeds, &grow);
    for _ in 0..params.iterations {
        let members = region
            .data()
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .map(|(o, _)| o);
        let (mean, sd, n) = mean_sd(image.data(), members);
        if n == 0 {
            break;
        }
        grow.interval = confidence_interval(mean, sd, params.multiplier)?;
        region = flood(image, &seeds, &grow);
    }
    Ok(region)
}
