//! The multi-resolution pyramid: each image brought to a level's sampling resolution by block
//! averaging (whole blocks of f_i × f_j × f_k voxels, the new voxel centre at the block centre),
//! then smoothed by a separable Gaussian.
//!
//! Block averaging instead of the plain subsampling of ITK's `ShrinkImageFilter`: a fine image
//! (0.6 mm CT) brought to a coarse resolution (4.42 mm SPECT/CT) keeps its mean, not one voxel in
//! 50 of its noise, and the work of every later step is bounded by the coarse grid.

use crate::error::{RegistrationError, geometry};
use rayon::prelude::*;
use sirt_geometry::{ContinuousIndex, Grid, Image};

/// The Gaussian kernel reaches this many sigmas on each side: design choice, 3σ holds 99.7 % of
/// the weight.
const KERNEL_HALF_WIDTH_SIGMAS: f64 = 3.0;

/// Sigmas below this (level voxels) are no smoothing: design choice, the kernel's side weights
/// would be below e^(−1/(2·0.1²)) ≈ 2e-22.
const NEGLIGIBLE_SIGMA_VOXELS: f64 = 0.1;

/// Integer block factors that bring `spacing_mm` to about `target_mm` (at least 1, at most the
/// axis length).
pub(crate) fn block_factors(grid: &Grid, target_mm: f64) -> [usize; 3] {
    std::array::from_fn(|c| {
        let r = (target_mm / grid.spacing_mm[c]).round();
        if r.is_finite() && r >= 1.0 {
            (r as usize).min(grid.dims[c])
        } else {
            1
        }
    })
}

/// The grid of whole `f` blocks of `grid`: dims ⌊n / f⌋, spacing × f, origin at the first
/// block's centre; the frame and direction unchanged.
pub(crate) fn block_grid(grid: &Grid, f: [usize; 3]) -> Result<Grid, RegistrationError> {
    let dims = [
        (grid.dims[0] / f[0]).max(1),
        (grid.dims[1] / f[1]).max(1),
        (grid.dims[2] / f[2]).max(1),
    ];
    let spacing = [
        grid.spacing_mm[0] * f[0] as f64,
        grid.spacing_mm[1] * f[1] as f64,
        grid.spacing_mm[2] * f[2] as f64,
    ];
    let half = |c: usize| (f[c] as f64 - 1.0) / 2.0;
    let origin = grid.patient_from_index(ContinuousIndex::new(half(0), half(1), half(2)));
    Grid::new(dims, spacing, origin, grid.direction, grid.frame.clone())
        .map_err(geometry("the grid of a pyramid level"))
}

/// The mean of `value(offset)` over each whole block of `f` voxels of `grid` (offsets in the
/// memory order of `grid`), on [`block_grid`].
pub(crate) fn block_average(
    grid: &Grid,
    f: [usize; 3],
    value: impl Fn(usize) -> f32 + Sync,
) -> Result<Image<f32>, RegistrationError> {
    let out_grid = block_grid(grid, f)?;
    if f == [1, 1, 1] {
        let data = (0..grid.len()).into_par_iter().map(&value).collect();
        return Image::new(out_grid, data).map_err(geometry("a pyramid level"));
    }
    let [nx, ny, _] = grid.dims;
    let [ox, oy, _] = out_grid.dims;
    let scale = 1.0 / (f[0] * f[1] * f[2]) as f64;
    let mut data = vec![0f32; out_grid.len()];
    data.par_chunks_mut(ox * oy)
        .enumerate()
        .for_each(|(kk, slice)| {
            let mut acc = vec![0f64; ox * oy];
            for k in kk * f[2]..(kk + 1) * f[2] {
                for j in 0..oy * f[1] {
                    let row = &mut acc[(j / f[1]) * ox..(j / f[1] + 1) * ox];
                    let base = nx * (j + ny * k);
                    for i in 0..ox * f[0] {
                        row[i / f[0]] += f64::from(value(base + i));
                    }
                }
            }
            for (o, a) in slice.iter_mut().zip(acc) {
                *o = (a * scale) as f32;
            }
        });
    Image::new(out_grid, data).map_err(geometry("a pyramid level"))
}

/// A normalised Gaussian kernel of `sigma` voxels, from −r to r.
fn kernel(sigma: f64) -> Vec<f64> {
    let r = (KERNEL_HALF_WIDTH_SIGMAS * sigma).ceil().max(1.0) as isize;
    let w: Vec<f64> = (-r..=r)
        .map(|d| (-(d as f64).powi(2) / (2.0 * sigma * sigma)).exp())
        .collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

/// Index `i + d` clamped to 0..n (edge voxels repeat).
#[inline]
fn clamped(i: usize, d: isize, n: usize) -> usize {
    (i as isize + d).clamp(0, n as isize - 1) as usize
}

/// Separable Gaussian smoothing with `sigma_voxels` per axis (edge voxels repeat beyond the
/// border); axes with a negligible sigma are left alone.
pub(crate) fn smooth(
    image: Image<f32>,
    sigma_voxels: [f64; 3],
) -> Result<Image<f32>, RegistrationError> {
    let (grid, mut data) = image.into_parts();
    for (axis, &sigma) in sigma_voxels.iter().enumerate() {
        if sigma >= NEGLIGIBLE_SIGMA_VOXELS {
            data = smooth_axis(&grid, &data, axis, &kernel(sigma));
        }
    }
    Image::new(grid, data).map_err(geometry("a smoothed pyramid level"))
}

/// One 1-D convolution pass along `axis`.
fn smooth_axis(grid: &Grid, data: &[f32], axis: usize, w: &[f64]) -> Vec<f32> {
    let [nx, ny, nz] = grid.dims;
    let r = (w.len() / 2) as isize;
    let mut out = vec![0f32; data.len()];
    out.par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(k, slice)| {
            for j in 0..ny {
                for i in 0..nx {
                    let mut acc = 0.0;
                    for (m, &wm) in w.iter().enumerate() {
                        let d = m as isize - r;
                        let o = match axis {
                            0 => clamped(i, d, nx) + nx * (j + ny * k),
                            1 => i + nx * (clamped(j, d, ny) + ny * k),
                            _ => i + nx * (j + ny * clamped(k, d, nz)),
                        };
                        acc += wm * f64::from(data[o]);
                    }
                    slice[i + nx * j] = acc as f32;
                }
            }
        });
    out
}
