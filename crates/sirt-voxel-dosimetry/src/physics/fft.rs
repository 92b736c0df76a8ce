//! Linear 3-D convolution by FFT, padded to 2·3·5·7-smooth sizes so that there is no
//! wrap-around. Single precision (the FFT round-off, ~1e-6 of the largest value, is far below
//! any dosimetric tolerance; sums are taken in f64 by the callers).
//!
//! Layout: real input [k][j][i] → real-to-complex along i → per k slab [ic][j] (q = j + pj·ic),
//! transformed along j → along k per group of columns q. A kernel spectrum is stored [q][k]
//! (`kernel_spectrum`, computed once per padded size through blocked transposes); a convolution
//! (`convolve_scaled`) fuses the k transforms, the product with the kernel spectrum and the
//! inverse k transforms on gathered columns, so the volume is never transposed; slabs and column
//! groups run in parallel.

use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

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

/// Columns gathered per FFT batch along k in the fused pass (64 complex values, 512 bytes, read
/// contiguously from each k slab; 32 and 256 measured the same).
const COLUMNS: usize = 64;

/// Linear convolution of `data` × `factor` (dims, i fastest) with a kernel whose spectrum was
/// computed on `spectrum.padded`, on the original dims, in single precision (the product of an
/// activity in MBq and a kernel in J per decay, ~1e-13, is far inside the f32 range). The factor
/// (e.g. decays per MBq), divided by the FFT length, multiplies the output.
///
/// Three passes, no transposed copy of the volume:
/// 1. per k slab with data (k < nz): real-to-complex along i of the rows j < ny, written as
///    [ic][j], then FFT along j;
/// 2. per group of columns q = (ic, j): gathered along k, FFT, product with the kernel
///    spectrum, inverse FFT, and only k < nz written back (slabs k ≥ nz are zero on input and not
///    needed on output: they are never stored);
/// 3. per k slab: inverse FFT along j, complex-to-real along i of the rows j < ny, scaled.
#[cfg(test)]
pub(crate) fn convolve_scaled(
    data: &[f32],
    factor: f64,
    dims: [usize; 3],
    spectrum: &Spectrum,
) -> Vec<f32> {
    let mut out = vec![0.0f32; dims.iter().product()];
    convolve_into(
        data,
        factor,
        dims,
        spectrum,
        &mut Workspace::default(),
        &mut out,
        |_, _| (),
    );
    out
}

/// The transformed volume, kept between convolutions of the same engine so that a session that
/// computes several dose maps does not fault in fresh pages for each.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    slabs: Vec<C32>,
}

/// [`convolve_scaled`] into `out` (dims, i fastest), calling `finish(k, plane)` on each output
/// plane k as soon as it is complete (in parallel); returns what `finish` returned, by k.
pub(crate) fn convolve_into<R, F>(
    data: &[f32],
    factor: f64,
    dims: [usize; 3],
    spectrum: &Spectrum,
    work: &mut Workspace,
    out: &mut [f32],
    finish: F,
) -> Vec<R>
where
    R: Send,
    F: Fn(usize, &mut [f32]) -> R + Sync,
{
    let [pi, pj, pk] = spectrum.padded;
    let [nx, ny, nz] = [dims[0].min(pi), dims[1].min(pj), dims[2].min(pk)];
    let ci = pi / 2 + 1;
    let q_len = ci * pj;
    if q_len == 0 || nx * ny * nz == 0 {
        return Vec::new();
    }
    let shape = Shape {
        padded: spectrum.padded,
        n: [nx, ny, nz],
        ci,
        q_len,
    };
    let plans = Plans::new(spectrum.padded);
    let slabs = &mut work.slabs;
    forward_ij(data, &shape, &plans, slabs);
    multiply_along_k(&shape, &plans, spectrum, slabs);
    let norm = (factor / (pi * pj * pk) as f64) as f32;
    inverse_ij(&shape, &plans, slabs, norm, out, finish)
}

/// The sizes of one convolution.
struct Shape {
    /// Padded sizes [pi, pj, pk].
    padded: [usize; 3],
    /// Data sizes [nx, ny, nz] within the padded box.
    n: [usize; 3],
    /// Complex bins along i, pi/2 + 1.
    ci: usize,
    /// Columns q per k slab, ci·pj.
    q_len: usize,
}

/// The FFT plans of one padded size.
struct Plans {
    r2c: Arc<dyn RealToComplex<f32>>,
    c2r: Arc<dyn ComplexToReal<f32>>,
    fj: Arc<dyn Fft<f32>>,
    ij: Arc<dyn Fft<f32>>,
    fk: Arc<dyn Fft<f32>>,
    ik: Arc<dyn Fft<f32>>,
}

impl Plans {
    fn new([pi, pj, pk]: [usize; 3]) -> Plans {
        let mut rp = RealFftPlanner::<f32>::new();
        let r2c = rp.plan_fft_forward(pi);
        let c2r = rp.plan_fft_inverse(pi);
        let mut cp = FftPlanner::<f32>::new();
        let fj = cp.plan_fft_forward(pj);
        let ij = cp.plan_fft_inverse(pj);
        let fk = cp.plan_fft_forward(pk);
        let ik = cp.plan_fft_inverse(pk);
        Plans {
            r2c,
            c2r,
            fj,
            ij,
            fk,
            ik,
        }
    }
}

/// Pass 1, per k slab with data (k < nz): real-to-complex along i of the rows j < ny, written
/// as [ic][j], then FFT along j (every element of the reused buffer is written).
fn forward_ij(data: &[f32], shape: &Shape, plans: &Plans, slabs: &mut Vec<C32>) {
    let [pi, pj, _] = shape.padded;
    let [nx, ny, nz] = shape.n;
    let (ci, q_len) = (shape.ci, shape.q_len);
    let (r2c, fj) = (&plans.r2c, &plans.fj);
    let zero = C32::new(0.0, 0.0);
    slabs.resize(q_len * nz, zero);
    slabs
        .par_chunks_mut(q_len)
        .enumerate()
        .for_each(|(k, slab)| {
            let mut row_out = vec![zero; ci];
            let mut input = vec![0.0f32; pi];
            let mut scratch = r2c.make_scratch_vec();
            for j in 0..ny {
                let src = &data[nx * (j + ny * k)..nx * (j + ny * k) + nx];
                input[..nx].copy_from_slice(src);
                input[nx..].fill(0.0);
                // Lengths match by construction.
                let _ = r2c.process_with_scratch(&mut input, &mut row_out, &mut scratch);
                for (ic, v) in row_out.iter().enumerate() {
                    slab[ic * pj + j] = *v;
                }
            }
            for column in slab.chunks_mut(pj) {
                column[ny..].fill(zero);
            }
            if pj > 1 {
                let mut s = vec![zero; fj.get_inplace_scratch_len()];
                fj.process_with_scratch(slab, &mut s);
            }
        });
}

/// Pass 2, per group of columns q = (ic, j): gathered along k, FFT, product with the kernel
/// spectrum, inverse FFT, and only k < nz written back. Each task owns a range of columns in
/// every slab.
fn multiply_along_k(shape: &Shape, plans: &Plans, spectrum: &Spectrum, slabs: &mut [C32]) {
    let [_, _, pk] = shape.padded;
    let [_, _, nz] = shape.n;
    let q_len = shape.q_len;
    let (fk, ik) = (&plans.fk, &plans.ik);
    let zero = C32::new(0.0, 0.0);
    let parts = (rayon::current_num_threads() * 8).clamp(1, q_len);
    let part_len = q_len.div_ceil(parts);
    let mut columns: Vec<Vec<&mut [C32]>> = Vec::with_capacity(parts);
    for slab in slabs.chunks_mut(q_len) {
        for (p, piece) in slab.chunks_mut(part_len).enumerate() {
            if columns.len() <= p {
                columns.push(Vec::with_capacity(nz));
            }
            columns[p].push(piece);
        }
    }
    columns
        .into_par_iter()
        .enumerate()
        .for_each(|(p, mut pieces)| {
            let q0 = p * part_len;
            let width = pieces.first().map_or(0, |s| s.len());
            let mut buf = vec![zero; COLUMNS * pk];
            let mut scratch = vec![
                zero;
                fk.get_inplace_scratch_len()
                    .max(ik.get_inplace_scratch_len())
            ];
            for b0 in (0..width).step_by(COLUMNS) {
                let w = COLUMNS.min(width - b0);
                let buf = &mut buf[..w * pk];
                for (k, piece) in pieces.iter().enumerate() {
                    for (b, v) in piece[b0..b0 + w].iter().enumerate() {
                        buf[b * pk + k] = *v;
                    }
                }
                for col in buf.chunks_mut(pk) {
                    col[nz..].fill(zero);
                }
                if pk > 1 {
                    fk.process_with_scratch(buf, &mut scratch);
                }
                let kernel = &spectrum.data[(q0 + b0) * pk..(q0 + b0 + w) * pk];
                for (x, y) in buf.iter_mut().zip(kernel) {
                    *x *= *y;
                }
                if pk > 1 {
                    ik.process_with_scratch(buf, &mut scratch);
                }
                for (k, piece) in pieces.iter_mut().enumerate() {
                    for (b, v) in piece[b0..b0 + w].iter_mut().enumerate() {
                        *v = buf[b * pk + k];
                    }
                }
            }
        });
}

/// Pass 3, per k slab: inverse FFT along j, complex-to-real along i of the rows j < ny, times
/// `norm` into `out`, then `finish(k, plane)`.
fn inverse_ij<R, F>(
    shape: &Shape,
    plans: &Plans,
    slabs: &mut [C32],
    norm: f32,
    out: &mut [f32],
    finish: F,
) -> Vec<R>
where
    R: Send,
    F: Fn(usize, &mut [f32]) -> R + Sync,
{
    let [pi, pj, _] = shape.padded;
    let [nx, ny, _] = shape.n;
    let (ci, q_len) = (shape.ci, shape.q_len);
    let (c2r, ij) = (&plans.c2r, &plans.ij);
    let zero = C32::new(0.0, 0.0);
    out.par_chunks_mut(nx * ny)
        .zip(slabs.par_chunks_mut(q_len))
        .enumerate()
        .map(|(k, (plane, slab))| {
            if pj > 1 {
                let mut s = vec![zero; ij.get_inplace_scratch_len()];
                ij.process_with_scratch(slab, &mut s);
            }
            let mut spec = vec![zero; ci];
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
                    *o = *v * norm;
                }
            }
            finish(k, plane)
        })
        .collect()
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
    /// single-precision round-off relative to the largest output; one workspace serves boxes of
    /// different sizes in turn (its leftovers never leak into the next result).
    #[test]
    fn equals_direct_convolution() {
        let mut work = Workspace::default();
        for (dims, half) in [
            ([9, 7, 5], [2, 1, 3]),
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
            let data: Vec<f32> = (0..dims.iter().product::<usize>())
                .map(|_| rnd() as f32)
                .collect();
            let kernel: Vec<f64> = (0..nb.iter().product::<usize>()).map(|_| rnd()).collect();
            let padded = padded_dims(dims, half);
            let mut out = vec![0.0f32; data.len()];
            convolve_into(
                &data,
                1.0,
                dims,
                &kernel_spectrum(&kernel, half, padded),
                &mut work,
                &mut out,
                |_, _| (),
            );
            assert_eq!(
                out,
                convolve_scaled(&data, 1.0, dims, &kernel_spectrum(&kernel, half, padded))
            );
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
                                        * f64::from(
                                            data[si as usize
                                                + dims[0] * (sj as usize + dims[1] * sk as usize)],
                                        );
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
                let got = f64::from(*got);
                assert!(
                    (got - want).abs() < 2e-6 * peak,
                    "{dims:?} voxel {n}: {got} vs {want}"
                );
            }
        }
    }
}
