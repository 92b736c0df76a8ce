//! Linear 3-D convolution by FFT, padded to 2·3·5·7-smooth sizes so that there is no
//! wrap-around. Single precision (the FFT round-off, ~1e-6 of the largest value, is far below
//! any dosimetric tolerance; sums are taken in f64 by the callers).
//!
//! Layout: real input [k][j][i] → real-to-complex along i → [k][j][ic] → each k slab transposed
//! to [k][ic][j] and transformed along j → the whole box transposed to [q][k] (q = j + pj·ic) and
//! transformed along k. The spectrum stays in that layout: the product with the kernel spectrum
//! is element-wise, and the inverse walks the same steps back. Every FFT runs on contiguous
//! batches; the transposes are blocked; slabs and blocks run in parallel.

use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

type C32 = Complex<f32>;

/// The smallest 7-smooth number ≥ n (sizes whose FFTs are fast).
pub fn smooth_size(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for p in [2, 3, 5, 7] {
            while r.is_multiple_of(p) {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

/// A padded 3-D spectrum in the [q][k] layout.
pub(crate) struct Spectrum {
    pub(crate) padded: [usize; 3],
    pub(crate) data: Vec<C32>,
}

const BLOCK: usize = 16;

/// Transposes a rows × cols matrix into cols × rows, blocked, in parallel.
fn transpose(src: &[C32], rows: usize, cols: usize) -> Vec<C32> {
    let mut dst = vec![C32::new(0.0, 0.0); rows * cols];
    dst.par_chunks_mut(BLOCK * rows)
        .enumerate()
        .for_each(|(b, out)| {
            let c0 = b * BLOCK;
            let width = out.len() / rows;
            for r in 0..rows {
                let row = &src[r * cols + c0..r * cols + c0 + width];
                for (c, v) in row.iter().enumerate() {
                    out[c * rows + r] = *v;
                }
            }
        });
    dst
}

/// Batched in-place FFTs of length `n` over a contiguous buffer, in parallel.
fn batch(data: &mut [C32], fft: &dyn rustfft::Fft<f32>, n: usize) {
    if n == 1 {
        return;
    }
    let per_task = n * (4096 / n).max(1);
    data.par_chunks_mut(per_task).for_each(|chunk| {
        let mut scratch = vec![C32::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        fft.process_with_scratch(chunk, &mut scratch);
    });
}

/// Forward transform of `real` (padded dims); only rows j < live[0] of slabs k < live[1] may be
/// non-zero (the zero padding of an activity map): the others are not transformed along i and j
/// (their transforms are zero).
fn forward(real: Vec<f32>, padded: [usize; 3], live: [usize; 2]) -> Spectrum {
    let [pi, pj, pk] = padded;
    let ci = pi / 2 + 1;
    let mut rp = RealFftPlanner::<f32>::new();
    let r2c = rp.plan_fft_forward(pi);
    let mut cp = FftPlanner::<f32>::new();
    let fj = cp.plan_fft_forward(pj);
    let fk = cp.plan_fft_forward(pk);
    // [k][j][ic] → per slab [ic][j], FFT along j.
    let mut slabs = vec![C32::new(0.0, 0.0); ci * pj * pk];
    slabs
        .par_chunks_mut(ci * pj)
        .zip(real.par_chunks(pi * pj))
        .take(live[1].min(pk))
        .for_each(|(slab, rows)| {
            let mut row_out = vec![C32::new(0.0, 0.0); ci];
            let mut input = vec![0.0f32; pi];
            let mut scratch = r2c.make_scratch_vec();
            for j in 0..live[0].min(pj) {
                input.copy_from_slice(&rows[j * pi..(j + 1) * pi]);
                // Lengths match by construction.
                let _ = r2c.process_with_scratch(&mut input, &mut row_out, &mut scratch);
                for (ic, v) in row_out.iter().enumerate() {
                    slab[ic * pj + j] = *v;
                }
            }
            let mut s = vec![C32::new(0.0, 0.0); fj.get_inplace_scratch_len()];
            if pj > 1 {
                fj.process_with_scratch(slab, &mut s);
            }
        });
    // [k][q] → [q][k], FFT along k.
    let mut data = transpose(&slabs, pk, ci * pj);
    drop(slabs);
    batch(&mut data, &*fk, pk);
    Spectrum { padded, data }
}

/// Inverse transform, keeping only the voxels i < keep[0], j < keep[1], k < keep[2] (the
/// original grid of a linear convolution), multiplied by `factor`, in f64.
fn inverse(mut s: Spectrum, keep: [usize; 3], factor: f64) -> Vec<f64> {
    let [pi, pj, pk] = s.padded;
    let [nx, ny, nz] = [keep[0].min(pi), keep[1].min(pj), keep[2].min(pk)];
    let ci = pi / 2 + 1;
    let mut cp = FftPlanner::<f32>::new();
    let fk = cp.plan_fft_inverse(pk);
    let fj = cp.plan_fft_inverse(pj);
    let mut rp = RealFftPlanner::<f32>::new();
    let c2r = rp.plan_fft_inverse(pi);
    batch(&mut s.data, &*fk, pk);
    let slabs = transpose(&s.data, ci * pj, pk);
    drop(s);
    let norm = factor / (pi * pj * pk) as f64;
    let mut out = vec![0.0f64; nx * ny * nz];
    out.par_chunks_mut(nx * ny)
        .zip(slabs.par_chunks(ci * pj))
        .for_each(|(plane, slab)| {
            let mut slab = slab.to_vec();
            let mut scratch = vec![C32::new(0.0, 0.0); fj.get_inplace_scratch_len()];
            if pj > 1 {
                fj.process_with_scratch(&mut slab, &mut scratch);
            }
            let mut spec = vec![C32::new(0.0, 0.0); ci];
            let mut row = vec![0.0f32; pi];
            let mut s2 = c2r.make_scratch_vec();
            for j in 0..ny {
                for (ic, v) in spec.iter_mut().enumerate() {
                    *v = slab[ic * pj + j];
                }
                // The imaginary parts of the DC and Nyquist bins are round-off for real data.
                spec[0].im = 0.0;
                if pi % 2 == 0 {
                    spec[ci - 1].im = 0.0;
                }
                let _ = c2r.process_with_scratch(&mut spec, &mut row, &mut s2);
                for (o, v) in plane[j * nx..(j + 1) * nx].iter_mut().zip(&row) {
                    *o = f64::from(*v) * norm;
                }
            }
        });
    out
}

/// The padded sizes for convolving `dims` with a kernel of half-widths `half`.
pub fn padded_dims(dims: [usize; 3], half: [usize; 3]) -> [usize; 3] {
    [0, 1, 2].map(|c| smooth_size(dims[c] + 2 * half[c]))
}

/// The spectrum of a kernel (centre at offset 0, negative offsets wrapped) on `padded`.
pub(crate) fn kernel_spectrum(kernel: &[f64], half: [usize; 3], padded: [usize; 3]) -> Spectrum {
    let [pi, pj, pk] = padded;
    let nb = [2 * half[0] + 1, 2 * half[1] + 1, 2 * half[2] + 1];
    let mut real = vec![0.0f32; pi * pj * pk];
    for k in 0..nb[2] {
        for j in 0..nb[1] {
            for i in 0..nb[0] {
                let v = kernel[i + nb[0] * (j + nb[1] * k)];
                let wrap = |x: usize, h: usize, p: usize| (x + p - h) % p;
                let (a, b, c) = (
                    wrap(i, half[0], pi),
                    wrap(j, half[1], pj),
                    wrap(k, half[2], pk),
                );
                real[a + pi * (b + pj * c)] = v as f32;
            }
        }
    }
    forward(real, padded, [pj, pk])
}

/// Linear convolution of `data` × `factor` (dims, i fastest; f32 or f64) with a kernel whose
/// spectrum was computed on `spectrum.padded`, on the original dims. The factor is applied to
/// the output, so the input is never copied at full precision.
pub(crate) fn convolve_scaled<T: Copy + Into<f64> + Sync>(
    data: &[T],
    factor: f64,
    dims: [usize; 3],
    spectrum: &Spectrum,
) -> Vec<f64> {
    let [pi, pj, pk] = spectrum.padded;
    let [nx, ny, nz] = dims;
    // Scale to O(1) in single precision; undone at the end.
    let peak = data.iter().fold(0.0f64, |m, &v| m.max(v.into().abs()));
    let scale = if peak > 0.0 { 1.0 / peak } else { 1.0 };
    let mut real = vec![0.0f32; pi * pj * pk];
    real.par_chunks_mut(pi * pj)
        .enumerate()
        .take(nz)
        .for_each(|(k, plane)| {
            for j in 0..ny {
                let src = &data[nx * (j + ny * k)..nx * (j + ny * k) + nx];
                for (o, &v) in plane[pi * j..pi * j + nx].iter_mut().zip(src) {
                    *o = (v.into() * scale) as f32;
                }
            }
        });
    let mut s = forward(real, spectrum.padded, [ny, nz]);
    s.data
        .par_iter_mut()
        .zip(spectrum.data.par_iter())
        .for_each(|(a, b)| *a *= *b);
    inverse(s, dims, factor / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_sizes() {
        assert_eq!(smooth_size(128), 128);
        assert_eq!(smooth_size(139), 140);
        assert_eq!(smooth_size(11), 12);
        assert_eq!(smooth_size(1), 1);
        assert_eq!(smooth_size(269), 270);
    }

    /// FFT convolution equals the direct sum on a random box with an asymmetric kernel, to the
    /// single-precision round-off relative to the largest output.
    #[test]
    fn equals_direct_convolution() {
        for (dims, half) in [
            ([9, 7, 5], [2, 1, 3]),
            ([17, 4, 1], [3, 1, 0]),
            ([6, 6, 6], [0, 0, 0]),
        ] {
            let nb = [2 * half[0] + 1, 2 * half[1] + 1, 2 * half[2] + 1];
            let mut x = 12345u64;
            let mut rnd = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 1000) as f64 / 1000.0
            };
            let data: Vec<f64> = (0..dims.iter().product::<usize>()).map(|_| rnd()).collect();
            let kernel: Vec<f64> = (0..nb.iter().product::<usize>()).map(|_| rnd()).collect();
            let padded = padded_dims(dims, half);
            let out = convolve_scaled(&data, 1.0, dims, &kernel_spectrum(&kernel, half, padded));
            let mut direct_all = vec![0.0; out.len()];
            for k in 0..dims[2] as i64 {
                for j in 0..dims[1] as i64 {
                    for i in 0..dims[0] as i64 {
                        let mut direct = 0.0;
                        for dk in -(half[2] as i64)..=half[2] as i64 {
                            for dj in -(half[1] as i64)..=half[1] as i64 {
                                for di in -(half[0] as i64)..=half[0] as i64 {
                                    let (si, sj, sk) = (i - di, j - dj, k - dk);
                                    if si < 0
                                        || sj < 0
                                        || sk < 0
                                        || si >= dims[0] as i64
                                        || sj >= dims[1] as i64
                                        || sk >= dims[2] as i64
                                    {
                                        continue;
                                    }
                                    let kv = kernel[(di + half[0] as i64) as usize
                                        + nb[0]
                                            * ((dj + half[1] as i64) as usize
                                                + nb[1] * (dk + half[2] as i64) as usize)];
                                    direct += kv
                                        * data[si as usize
                                            + dims[0] * (sj as usize + dims[1] * sk as usize)];
                                }
                            }
                        }
                        direct_all[i as usize + dims[0] * (j as usize + dims[1] * k as usize)] =
                            direct;
                    }
                }
            }
            let peak = direct_all.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (n, (got, want)) in out.iter().zip(&direct_all).enumerate() {
                assert!(
                    (got - want).abs() < 2e-6 * peak,
                    "{dims:?} voxel {n}: {got} vs {want}"
                );
            }
        }
    }
}
