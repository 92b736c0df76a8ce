//! Exact squared Euclidean distance transform on an anisotropic grid: Felzenszwalb &
//! Huttenlocher, "Distance transforms of sampled functions", Theory of Computing 8 (2012)
//! 415–428, doi:10.4086/toc.2012.v008a019 — the lower envelope of parabolas along each axis in
//! turn (i, then j, then k), each axis with its spacing, so that the result is
//! min over sites of Σ_c (spacing_c · Δ_c)², in mm², exactly (up to floating-point round-off).

use sirt_geometry::{Image, Mask};

/// Squared distance (mm²) from each voxel centre to the nearest voxel centre of `mask`;
/// +∞ everywhere when the mask is empty. Voxels of the mask have 0.
pub fn squared_distance_to(mask: &Mask) -> Image<f64> {
    let grid = mask.grid().clone();
    let d = squared_edt(mask.data(), grid.dims, grid.spacing_mm);
    let mut out = Image::filled(grid, 0.0);
    out.data_mut().copy_from_slice(&d);
    out
}

/// Squared distances (mm²) to the nearest `true` of `sites` (memory order i, j, k of `dims`).
pub(crate) fn squared_edt(sites: &[bool], dims: [usize; 3], spacing: [f64; 3]) -> Vec<f64> {
    let mut d: Vec<f64> = sites
        .iter()
        .map(|&s| if s { 0.0 } else { f64::INFINITY })
        .collect();
    let strides = [1, dims[0], dims[0] * dims[1]];
    let longest = dims.iter().copied().max().unwrap_or(1);
    let mut line = Envelope::new(longest);
    for axis in 0..3 {
        let n = dims[axis];
        if n == 1 {
            continue;
        }
        let stride = strides[axis];
        let w2 = spacing[axis] * spacing[axis];
        for start in line_starts(dims, axis) {
            line.run(&mut d, start, stride, n, w2);
        }
    }
    d
}

/// The offsets of the first voxel of every line along `axis`.
fn line_starts(dims: [usize; 3], axis: usize) -> impl Iterator<Item = usize> {
    let [nx, ny, nz] = dims;
    let (a, b) = match axis {
        0 => (ny, nz),
        1 => (nx, nz),
        _ => (nx, ny),
    };
    (0..a * b).map(move |m| {
        let (u, w) = (m % a, m / a);
        match axis {
            0 => nx * (u + ny * w),
            1 => u + nx * ny * w,
            _ => u + nx * w,
        }
    })
}

/// Work buffers of the one-dimensional transform of one line.
struct Envelope {
    f: Vec<f64>,
    v: Vec<usize>,
    z: Vec<f64>,
}

impl Envelope {
    fn new(n: usize) -> Self {
        Self {
            f: vec![0.0; n],
            v: vec![0; n],
            z: vec![0.0; n + 1],
        }
    }

    /// Replaces the `n` values at `start + m · stride` of `d` by their 1-D transform with squared
    /// spacing `w2`: d(q) = min_p f(p) + w2 · (q − p)². Infinite values are not sites.
    fn run(&mut self, d: &mut [f64], start: usize, stride: usize, n: usize, w2: f64) {
        let f = &mut self.f[..n];
        for (m, x) in f.iter_mut().enumerate() {
            *x = d[start + m * stride];
        }
        let Some(first) = f.iter().position(|x| x.is_finite()) else {
            return;
        };
        let (v, z) = (&mut self.v, &mut self.z);
        let key = |p: usize, fp: f64| fp + w2 * (p * p) as f64;
        let mut k = 0usize;
        v[0] = first;
        z[0] = f64::NEG_INFINITY;
        z[1] = f64::INFINITY;
        for q in first + 1..n {
            if !f[q].is_finite() {
                continue;
            }
            let mut s;
            loop {
                let p = v[k];
                s = (key(q, f[q]) - key(p, f[p])) / (2.0 * w2 * (q - p) as f64);
                if s <= z[k] && k > 0 {
                    k -= 1;
                } else {
                    break;
                }
            }
            // With k = 0, z[0] = −∞ < s always: the new parabola follows the first.
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
        }
        k = 0;
        for q in 0..n {
            while z[k + 1] < q as f64 {
                k += 1;
            }
            let p = v[k];
            let dq = q as f64 - p as f64;
            d[start + q * stride] = w2 * dq * dq + f[p];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: min over sites of Σ (spacing · Δ)².
    fn brute(sites: &[bool], dims: [usize; 3], s: [f64; 3]) -> Vec<f64> {
        let idx = |o: usize| {
            [
                o % dims[0],
                (o / dims[0]) % dims[1],
                o / (dims[0] * dims[1]),
            ]
        };
        (0..sites.len())
            .map(|o| {
                let a = idx(o);
                sites
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s)
                    .map(|(p, _)| {
                        let b = idx(p);
                        (0..3)
                            .map(|c| ((a[c] as f64 - b[c] as f64) * s[c]).powi(2))
                            .sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    #[test]
    fn matches_brute_force_on_random_sites() {
        let dims = [7, 5, 6];
        let spacing = [0.7, 1.3, 2.9];
        let mut state = 12345u64;
        for density in [1u64, 5, 20, 60] {
            let sites: Vec<bool> = (0..dims.iter().product::<usize>())
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (state >> 33) % 100 < density
                })
                .collect();
            let got = squared_edt(&sites, dims, spacing);
            let want = brute(&sites, dims, spacing);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-9 * w.max(1.0) || (g.is_infinite() && w.is_infinite()),
                    "{g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn no_site_is_infinite_everywhere() {
        let d = squared_edt(&[false; 8], [2, 2, 2], [1.0; 3]);
        assert!(d.iter().all(|x| x.is_infinite()));
    }
}
