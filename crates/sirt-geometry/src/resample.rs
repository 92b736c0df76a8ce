//! Resampling an image or a mask onto another grid through a rigid transform.
//!
//! For each target voxel centre, (G4) gives its patient position in the target frame, the
//! transform `source_from_target` moves it to the source frame, and the inverse of (G4) gives
//! a continuous source index. All three steps are affine, so they are folded into one 3 × 4
//! matrix computed once (X1): idx_src = M · idx_tgt + c.
//!
//! - trilinear (X2): the 8 neighbouring voxel centres weighted by (1 − f) / f per axis;
//!   neighbours beyond the first or last centre are clamped (edge voxels extend to the image
//!   border); a point outside the image extent [−0.5, n − 0.5] takes the `outside` value;
//! - nearest (X3): the voxel whose extent holds the point (round half up), `outside` outside;
//! - fractional mask (X4): the mean of a binary source mask sampled by nearest neighbour at
//!   s × s × s points evenly spread in each target voxel (s = supersampling); this estimates the
//!   fraction of the target voxel inside the structure;
//! - conservative binning (X5, [`bin_sum`]): sums of source voxels by the target voxel that holds
//!   their centres, for quantities that add (activity, counts).

use crate::GeometryError;
use crate::grid::{FrameOfReference, Grid};
use crate::image::{FractionalMask, Image, Mask};
use crate::point::ContinuousIndex;
use crate::rigid::Rigid;
use rayon::prelude::*;

/// The transform from `target` frame coordinates to `source` frame coordinates: the identity
/// when both grids share their frame of reference, else the registration given (in either
/// direction); an error when the frames differ and no registration links them.
pub fn source_from_target(
    source: &FrameOfReference,
    target: &FrameOfReference,
    registration: Option<&Rigid>,
) -> Result<Rigid, GeometryError> {
    if source == target {
        return Ok(Rigid::identity(source.clone(), target.clone()));
    }
    match registration {
        Some(r) if &r.to == source && &r.from == target => Ok(r.clone()),
        Some(r) if &r.to == target && &r.from == source => Ok(r.inverse()),
        _ => Err(GeometryError::NoRegistration {
            source_frame: source.clone(),
            target_frame: target.clone(),
        }),
    }
}

/// The affine map (X1) from target continuous index to source continuous index.
struct IndexMap {
    m: [[f64; 3]; 3],
    c: [f64; 3],
}

impl IndexMap {
    fn new(
        source: &Grid,
        target: &Grid,
        source_from_target: &Rigid,
    ) -> Result<Self, GeometryError> {
        if source_from_target.from != target.frame {
            return Err(GeometryError::FrameMismatch {
                expected: target.frame.clone(),
                found: source_from_target.from.clone(),
                what: "resampling: the transform's source frame must be the target grid's frame"
                    .into(),
            });
        }
        if source_from_target.to != source.frame {
            return Err(GeometryError::FrameMismatch {
                expected: source.frame.clone(),
                found: source_from_target.to.clone(),
                what: "resampling: the transform's target frame must be the source image's frame"
                    .into(),
            });
        }
        let map = |idx: ContinuousIndex| {
            let p = source_from_target.apply(target.patient_from_index(idx));
            let s = source.index_from_patient(p);
            [s.i, s.j, s.k]
        };
        let c = map(ContinuousIndex::new(0.0, 0.0, 0.0));
        let mut m = [[0.0; 3]; 3];
        for (col, unit) in [
            (0, [1.0, 0.0, 0.0]),
            (1, [0.0, 1.0, 0.0]),
            (2, [0.0, 0.0, 1.0]),
        ] {
            let v = map(ContinuousIndex::new(unit[0], unit[1], unit[2]));
            for row in 0..3 {
                m[row][col] = v[row] - c[row];
            }
        }
        Ok(Self { m, c })
    }

    #[inline]
    fn at(&self, i: f64, j: f64, k: f64) -> [f64; 3] {
        let m = &self.m;
        [
            m[0][0] * i + m[0][1] * j + m[0][2] * k + self.c[0],
            m[1][0] * i + m[1][1] * j + m[1][2] * k + self.c[1],
            m[2][0] * i + m[2][1] * j + m[2][2] * k + self.c[2],
        ]
    }
}

#[inline]
fn inside(x: f64, n: usize) -> bool {
    x >= -0.5 && x <= n as f64 - 0.5
}

#[inline]
fn nearest_index(x: f64, n: usize) -> usize {
    // Round half up, then clamp: the extent [−0.5, n − 0.5] maps to 0 ..= n − 1.
    ((x + 0.5).floor().max(0.0) as usize).min(n - 1)
}

/// Runs `voxel(i, j, k)` for every target voxel, slices in parallel.
fn fill_target<T: Copy + Send + Sync + Default>(
    target: &Grid,
    voxel: impl Fn(usize, usize, usize) -> T + Sync,
) -> Vec<T> {
    let [nx, ny, _] = target.dims;
    let mut data = vec![T::default(); target.len()];
    data.par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(k, slice)| {
            for j in 0..ny {
                for i in 0..nx {
                    slice[i + nx * j] = voxel(i, j, k);
                }
            }
        });
    data
}

/// Trilinear resampling (X2) of `source` onto `target`.
pub fn resample_linear(
    source: &Image<f32>,
    target: &Grid,
    source_from_target: &Rigid,
    outside: f32,
) -> Result<Image<f32>, GeometryError> {
    let map = IndexMap::new(source.grid(), target, source_from_target)?;
    let [sx, sy, sz] = source.grid().dims;
    let src = source.data();
    let data = fill_target(target, |i, j, k| {
        let [x, y, z] = map.at(i as f64, j as f64, k as f64);
        if !(inside(x, sx) && inside(y, sy) && inside(z, sz)) {
            return outside;
        }
        let axis = |v: f64, n: usize| {
            // Indices within 1e-9 of a voxel centre are that centre: grids that coincide give
            // back their values exactly, not with round-off from the folded affine map.
            let r = v.round();
            let v = if (v - r).abs() < 1e-9 { r } else { v };
            let v = v.clamp(0.0, (n - 1) as f64);
            let lo = (v.floor() as usize).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            (lo, hi, v - lo as f64)
        };
        let (x0, x1, fx) = axis(x, sx);
        let (y0, y1, fy) = axis(y, sy);
        let (z0, z1, fz) = axis(z, sz);
        let at = |a: usize, b: usize, c: usize| f64::from(src[a + sx * (b + sy * c)]);
        let c00 = at(x0, y0, z0) * (1.0 - fx) + at(x1, y0, z0) * fx;
        let c10 = at(x0, y1, z0) * (1.0 - fx) + at(x1, y1, z0) * fx;
        let c01 = at(x0, y0, z1) * (1.0 - fx) + at(x1, y0, z1) * fx;
        let c11 = at(x0, y1, z1) * (1.0 - fx) + at(x1, y1, z1) * fx;
        let c0 = c00 * (1.0 - fy) + c10 * fy;
        let c1 = c01 * (1.0 - fy) + c11 * fy;
        (c0 * (1.0 - fz) + c1 * fz) as f32
    });
    Image::new(target.clone(), data)
}

/// Nearest-neighbour resampling (X3): images of labels, binary masks.
pub fn resample_nearest<T: Copy + Send + Sync + Default>(
    source: &Image<T>,
    target: &Grid,
    source_from_target: &Rigid,
    outside: T,
) -> Result<Image<T>, GeometryError> {
    let map = IndexMap::new(source.grid(), target, source_from_target)?;
    let [sx, sy, sz] = source.grid().dims;
    let src = source.data();
    let data = fill_target(target, |i, j, k| {
        let [x, y, z] = map.at(i as f64, j as f64, k as f64);
        if !(inside(x, sx) && inside(y, sy) && inside(z, sz)) {
            return outside;
        }
        src[nearest_index(x, sx) + sx * (nearest_index(y, sy) + sy * nearest_index(z, sz))]
    });
    Image::new(target.clone(), data)
}

/// Fractional resampling of a binary mask (X4) with `supersampling` points per axis (≥ 1).
pub fn resample_mask_fractional(
    source: &Mask,
    target: &Grid,
    source_from_target: &Rigid,
    supersampling: usize,
) -> Result<FractionalMask, GeometryError> {
    if supersampling == 0 {
        return Err(GeometryError::Invalid(
            "supersampling must be at least 1".into(),
        ));
    }
    let map = IndexMap::new(source.grid(), target, source_from_target)?;
    let [sx, sy, sz] = source.grid().dims;
    let src = source.data();
    let s = supersampling;
    let offsets: Vec<f64> = (0..s).map(|m| (m as f64 + 0.5) / s as f64 - 0.5).collect();
    let total = (s * s * s) as f32;
    let data = fill_target(target, |i, j, k| {
        let mut hits = 0u32;
        for &dk in &offsets {
            for &dj in &offsets {
                for &di in &offsets {
                    let [x, y, z] = map.at(i as f64 + di, j as f64 + dj, k as f64 + dk);
                    if inside(x, sx)
                        && inside(y, sy)
                        && inside(z, sz)
                        && src[nearest_index(x, sx)
                            + sx * (nearest_index(y, sy) + sy * nearest_index(z, sz))]
                    {
                        hits += 1;
                    }
                }
            }
        }
        hits as f32 / total
    });
    Image::new(target.clone(), data)
}

/// Conservative rebinning (X5): each source voxel's value is added to the target voxel that
/// holds the source voxel's centre (through `source_from_target`'s inverse); the total over the
/// target equals the source total for every source voxel whose centre lies in the target.
/// For quantities that add: activity, counts, energy. Values are summed in f64.
pub fn bin_sum(
    source: &Image<f32>,
    target: &Grid,
    source_from_target: &Rigid,
) -> Result<Image<f64>, GeometryError> {
    if source_from_target.from != target.frame || source_from_target.to != source.grid().frame {
        return Err(GeometryError::FrameMismatch {
            expected: target.frame.clone(),
            found: source_from_target.from.clone(),
            what: "binning: the transform must map target-frame points to source-frame points"
                .into(),
        });
    }
    let target_from_source = source_from_target.inverse();
    let g = source.grid();
    let mut out = vec![0.0f64; target.len()];
    for (n, &v) in source.data().iter().enumerate() {
        if v == 0.0 {
            continue;
        }
        let [i, j, k] = g.index_of_offset(n);
        let p = target_from_source.apply(g.patient_from_index(ContinuousIndex::of_voxel(i, j, k)));
        let idx = target.index_from_patient(p);
        let r = [idx.i.round(), idx.j.round(), idx.k.round()];
        let inside = r
            .iter()
            .zip(target.dims)
            .all(|(&x, d)| x >= 0.0 && x < d as f64);
        if let Some(o) = target
            .offset(r[0] as usize, r[1] as usize, r[2] as usize)
            .filter(|_| inside)
        {
            out[o] += f64::from(v);
        }
    }
    Image::new(target.clone(), out)
}
