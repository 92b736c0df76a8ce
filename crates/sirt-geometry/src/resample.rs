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

    /// Whether each source axis depends on its own target axis only (the grids' axes parallel,
    /// no rotation between them: every off-diagonal coefficient exactly 0), so that the source
    /// index along an axis is `m[a][a] · t + c[a]` for target index t.
    fn axis_aligned(&self) -> bool {
        (0..3).all(|r| (0..3).all(|c| r == c || self.m[r][c] == 0.0))
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
    // Round half up, then clamp: the extent [−0.5, n − 0.5] maps to 0 ..= n − 1. The cast
    // truncates towards zero and saturates (negative → 0): for x + 0.5 ≥ 0 it is the floor, and
    // below 0 both give 0; it avoids a call to the C library's floor, which baseline x86-64
    // (no SSE4.1 rounding instruction) makes for each use of f64::floor.
    ((x + 0.5) as usize).min(n - 1)
}

/// `v` rounded half away from zero, as f64::round, for |v| < 2⁵² (voxel indices): through an
/// integer cast rather than a call to the C library's round (baseline x86-64).
#[inline]
fn round_index(v: f64) -> f64 {
    if v >= 0.0 {
        ((v + 0.5) as i64) as f64
    } else {
        -(((-v + 0.5) as i64) as f64)
    }
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

/// The trilinear neighbours of a continuous source index `v` on an axis of `n` voxels: the lower
/// and upper voxel and the weight of the upper (X2); indices within 1e-9 of a voxel centre are
/// that centre (grids that coincide give back their values exactly, not with round-off from the
/// folded affine map); beyond the first or last centre the edge voxel extends.
#[inline]
fn linear_axis(v: f64, n: usize) -> (usize, usize, f64) {
    let r = round_index(v);
    let v = if (v - r).abs() < 1e-9 { r } else { v };
    let v = v.clamp(0.0, (n - 1) as f64);
    // v ≥ 0: the cast is the floor.
    let lo = (v as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    (lo, hi, v - lo as f64)
}

/// The 8-neighbour interpolation (X2) of `src` (dims `sx`, `sy`) at the axes' neighbours.
#[inline]
fn trilinear(
    src: &[f32],
    sx: usize,
    sy: usize,
    (x0, x1, fx): (usize, usize, f64),
    (y0, y1, fy): (usize, usize, f64),
    (z0, z1, fz): (usize, usize, f64),
) -> f32 {
    let at = |a: usize, b: usize, c: usize| f64::from(src[a + sx * (b + sy * c)]);
    let c00 = at(x0, y0, z0) * (1.0 - fx) + at(x1, y0, z0) * fx;
    let c10 = at(x0, y1, z0) * (1.0 - fx) + at(x1, y1, z0) * fx;
    let c01 = at(x0, y0, z1) * (1.0 - fx) + at(x1, y0, z1) * fx;
    let c11 = at(x0, y1, z1) * (1.0 - fx) + at(x1, y1, z1) * fx;
    let c0 = c00 * (1.0 - fy) + c10 * fy;
    let c1 = c01 * (1.0 - fy) + c11 * fy;
    (c0 * (1.0 - fz) + c1 * fz) as f32
}

/// Trilinear resampling (X2) of `source` onto `target`.
pub fn resample_linear(
    source: &Image<f32>,
    target: &Grid,
    source_from_target: &Rigid,
    outside: f32,
) -> Result<Image<f32>, GeometryError> {
    let map = IndexMap::new(source.grid(), target, source_from_target)?;
    if map.axis_aligned() {
        return linear_axis_aligned(source, target, &map, outside);
    }
    let [sx, sy, sz] = source.grid().dims;
    let src = source.data();
    let data = fill_target(target, |i, j, k| {
        let [x, y, z] = map.at(i as f64, j as f64, k as f64);
        if !(inside(x, sx) && inside(y, sy) && inside(z, sz)) {
            return outside;
        }
        trilinear(
            src,
            sx,
            sy,
            linear_axis(x, sx),
            linear_axis(y, sy),
            linear_axis(z, sz),
        )
    });
    Image::new(target.clone(), data)
}

/// [`resample_linear`] when the index map is axis-aligned ([`IndexMap::axis_aligned`]): the
/// neighbours along each axis are computed once per target index (the same values the general
/// path computes per voxel: same results, a few times faster; grids in one frame with parallel
/// axes, as a SPECT, PET or dose grid and its CT usually are).
fn linear_axis_aligned(
    source: &Image<f32>,
    target: &Grid,
    map: &IndexMap,
    outside: f32,
) -> Result<Image<f32>, GeometryError> {
    let dims = source.grid().dims;
    let table = |a: usize| -> Vec<Option<(usize, usize, f64)>> {
        (0..target.dims[a])
            .map(|t| {
                // As IndexMap::at with the other coefficients 0.
                let mut idx = [0.0; 3];
                idx[a] = t as f64;
                let v = map.at(idx[0], idx[1], idx[2])[a];
                inside(v, dims[a]).then(|| linear_axis(v, dims[a]))
            })
            .collect()
    };
    let (tx, ty, tz) = (table(0), table(1), table(2));
    let [sx, sy, _] = dims;
    let src = source.data();
    let data = fill_target(target, |i, j, k| match (tx[i], ty[j], tz[k]) {
        (Some(x), Some(y), Some(z)) => trilinear(src, sx, sy, x, y, z),
        _ => outside,
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
        let r = [round_index(idx.i), round_index(idx.j), round_index(idx.k)];
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
