//! Sample points of a level: the region on the level's fixed grid, the voxels of it that fall
//! inside the moving image at the level's starting transform, a random share of those (a fixed
//! seed), each moved by a random offset within its voxel (ITK's RANDOM sampling draws points
//! within voxels likewise, so that the samples do not sit on the grid where two grids' voxel
//! centres coincide).

use crate::error::RegistrationError;
use crate::interpolate::Volume;
use crate::options::Region;
use crate::pyramid::block_average;
use crate::transform::Pose;
use sirt_geometry::{ContinuousIndex, Grid, Image, Mask};

/// Every level draws at least this many samples (all candidate voxels when there are fewer):
/// design choice, two samples per cell of a 50 × 50 joint histogram on average; at the coarsest
/// level 10 % of the voxels can be a few hundred.
pub const MIN_SAMPLES_PER_LEVEL: usize = 5_000;

/// A level voxel belongs to a region mask when at least this share of its block is in the mask:
/// design choice, the majority.
const MASK_SHARE: f32 = 0.5;

/// SplitMix64 (Steele, Lea, Flood 2014, doi:10.1145/2714064.2660195): a small, fast generator
/// with a 64-bit state; the sampling needs repeatability, not cryptographic quality.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) (the top 53 bits).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One sample point: fixed patient coordinates and the fixed image's value there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub point: [f64; 3],
    pub fixed: f32,
}

/// The region on a level grid (`level` was made from `fixed` with block factors `f`):
/// one flag per level voxel.
pub(crate) fn region_on_level(
    region: &Region,
    fixed: &Grid,
    level: &Grid,
    f: [usize; 3],
) -> Result<Vec<bool>, RegistrationError> {
    match region {
        Region::Whole => Ok(vec![true; level.len()]),
        Region::Mask { mask, margin_mm } => {
            let data = mask.data();
            let share = block_average(fixed, f, |o| if data[o] { 1.0 } else { 0.0 })?;
            let inside: Vec<bool> = share.data().iter().map(|&s| s >= MASK_SHARE).collect();
            let radius = [0, 1, 2].map(|c| reach(*margin_mm, level.spacing_mm[c], level.dims[c]));
            Ok(dilate(level.dims, inside, radius))
        }
        Region::Box { min, max } => Ok((0..level.len())
            .map(|o| {
                let [i, j, k] = level.index_of_offset(o);
                let p = level.patient_from_index(ContinuousIndex::of_voxel(i, j, k));
                (min.x..=max.x).contains(&p.x)
                    && (min.y..=max.y).contains(&p.y)
                    && (min.z..=max.z).contains(&p.z)
            })
            .collect()),
    }
}

/// A margin of `margin_mm` ≥ 0 in voxels of `spacing_mm` along an axis of `n` voxels, rounded,
/// at most `n` (a dilation by `n` voxels covers the whole axis): a huge margin (1e300 mm) would
/// otherwise saturate the cast to `usize::MAX` and overflow in [`dilate`].
fn reach(margin_mm: f64, spacing_mm: f64, n: usize) -> usize {
    let r = (margin_mm / spacing_mm).round();
    if r < n as f64 { r as usize } else { n }
}

/// Chessboard dilation by `radius` voxels per axis (separable running maxima).
fn dilate(dims: [usize; 3], mut m: Vec<bool>, radius: [usize; 3]) -> Vec<bool> {
    let [nx, ny, _] = dims;
    let strides = [1, nx, nx * ny];
    for axis in 0..3 {
        let r = radius[axis];
        if r == 0 {
            continue;
        }
        let n = dims[axis];
        let st = strides[axis];
        let src = m.clone();
        for (o, v) in m.iter_mut().enumerate() {
            if *v {
                continue;
            }
            let pos = (o / st) % n;
            let lo = pos.saturating_sub(r);
            let hi = pos.saturating_add(r).min(n - 1);
            let base = o - pos * st;
            *v = (lo..=hi).any(|q| src[base + q * st]);
        }
    }
    m
}

/// The level voxels (offsets) of the region whose centres map inside the moving level image at
/// `pose`, and how many region voxels there were.
pub(crate) fn candidates(
    fixed: &Grid,
    region: &[bool],
    moving: &Volume,
    pose: &Pose,
) -> (Vec<usize>, usize) {
    let mut inside = Vec::new();
    let mut total = 0;
    for (o, _) in region.iter().enumerate().filter(|(_, r)| **r) {
        total += 1;
        let [i, j, k] = fixed.index_of_offset(o);
        let p = fixed
            .patient_from_index(ContinuousIndex::of_voxel(i, j, k))
            .to_array();
        if moving.contains(pose.apply(p)) {
            inside.push(o);
        }
    }
    (inside, total)
}

/// A random share `fraction` of the `candidates` (at least [`MIN_SAMPLES_PER_LEVEL`] when there
/// are that many), each at a random point within its voxel, with the fixed image's value there
/// (trilinear).
pub(crate) fn draw(
    fixed: &Image<f32>,
    fixed_volume: &Volume,
    candidates: &[usize],
    fraction: f64,
    seed: u64,
) -> Vec<Sample> {
    let n = candidates.len();
    let wanted = (fraction * n as f64).max(MIN_SAMPLES_PER_LEVEL as f64);
    let p_keep = (wanted / n.max(1) as f64).min(1.0);
    let mut rng = SplitMix64::new(seed);
    let grid = fixed.grid();
    let mut out = Vec::with_capacity((p_keep * n as f64) as usize + 16);
    for &o in candidates {
        if rng.next_f64() >= p_keep {
            continue;
        }
        let [i, j, k] = grid.index_of_offset(o);
        let jitter = [rng.next_f64(), rng.next_f64(), rng.next_f64()].map(|u| u - 0.5);
        let idx = ContinuousIndex::new(
            i as f64 + jitter[0],
            j as f64 + jitter[1],
            k as f64 + jitter[2],
        );
        let point = grid.patient_from_index(idx).to_array();
        let fixed_value = fixed_volume.value_clamped([idx.i, idx.j, idx.k]);
        out.push(Sample {
            point,
            fixed: fixed_value,
        });
    }
    out
}

/// The mask is on the fixed grid and not empty.
pub(crate) fn check_mask(mask: &Mask, fixed: &Grid) -> Result<(), RegistrationError> {
    if !mask.grid().same_as(fixed) {
        return Err(RegistrationError::MaskGrid {
            expected_dims: fixed.dims,
            expected_frame: fixed.frame.clone(),
            found_dims: mask.grid().dims,
            found_frame: mask.grid().frame.clone(),
        });
    }
    if mask.count() == 0 {
        return Err(RegistrationError::EmptyRegion {
            what: "the region mask has no voxel set".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use sirt_geometry::{FrameOfReference, PointLps};

    /// A margin far beyond the image (1e300 mm) dilates one voxel to the whole level grid
    /// (before: the reach saturated to `usize::MAX` and `pos + r` overflowed); a margin of
    /// 4 mm on 2 mm voxels reaches 2 voxels each way (5 × 5 × 5 around a centre voxel).
    #[test]
    fn a_huge_margin_covers_the_level_and_a_small_one_its_voxels() {
        let g = Grid::axis_aligned(
            [9, 9, 9],
            [2.0; 3],
            PointLps::new(0.0, 0.0, 0.0),
            FrameOfReference("f".into()),
        )
        .unwrap();
        let mut mask = Mask::filled(g.clone(), false);
        mask.set(4, 4, 4, true);
        for (margin_mm, expected) in [(1e300, 9 * 9 * 9), (4.0, 5 * 5 * 5)] {
            let region = Region::Mask {
                mask: mask.clone(),
                margin_mm,
            };
            let on_level = region_on_level(&region, &g, &g, [1; 3]).unwrap();
            assert_eq!(
                on_level.iter().filter(|&&r| r).count(),
                expected,
                "{margin_mm}"
            );
        }
    }
}
