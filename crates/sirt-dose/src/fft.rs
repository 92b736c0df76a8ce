//! Linear 3-D convolution by FFT (realfft along i, complex FFTs along j and k), padded to
//! 2·3·5·7-smooth sizes so that there is no wrap-around, rows and columns in parallel.

use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

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

/// A padded 3-D spectrum: dims (pi/2 + 1, pj, pk), i fastest.
pub(crate) struct Spectrum {
    pub(crate) padded: [usize; 3],
    pub(crate) data: Vec<Complex<f64>>,
}

fn forward(real: Vec<f64>, padded: [usize; 3]) -> Spectrum {
    let [pi, pj, pk] = padded;
    let ci = pi / 2 + 1;
    let mut rp = RealFftPlanner::<f64>::new();
    let r2c = rp.plan_fft_forward(pi);
    let mut data = vec![Complex::new(0.0, 0.0); ci * pj * pk];
    data.par_chunks_mut(ci)
        .zip(real.par_chunks(pi))
        .for_each(|(out, row)| {
            let mut input = row.to_vec();
            let mut scratch = r2c.make_scratch_vec();
            // Lengths match by construction; an error here would be a bug, and leaves zeros.
            let _ = r2c.process_with_scratch(&mut input, out, &mut scratch);
        });
    let mut cp = FftPlanner::<f64>::new();
    strided_fft(&mut data, [ci, pj, pk], 1, &*cp.plan_fft_forward(pj));
    strided_fft(&mut data, [ci, pj, pk], 2, &*cp.plan_fft_forward(pk));
    Spectrum { padded, data }
}

/// In-place FFT along axis 1 (j) or 2 (k) of a complex box (ci, pj, pk).
fn strided_fft(
    data: &mut [Complex<f64>],
    dims: [usize; 3],
    axis: usize,
    fft: &dyn rustfft::Fft<f64>,
) {
    let [ci, pj, pk] = dims;
    let n = dims[axis];
    if n == 1 {
        return;
    }
    match axis {
        1 => {
            // For each k slab, transform the pj-long columns of each i.
            data.par_chunks_mut(ci * pj).for_each(|slab| {
                let mut buf = vec![Complex::new(0.0, 0.0); pj];
                let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
                for i in 0..ci {
                    for j in 0..pj {
                        buf[j] = slab[i + ci * j];
                    }
                    fft.process_with_scratch(&mut buf, &mut scratch);
                    for j in 0..pj {
                        slab[i + ci * j] = buf[j];
                    }
                }
            });
        }
        _ => {
            // Along k: gather columns of length pk for each (i, j), in parallel over j rows.
            let plane = ci * pj;
            let columns: Vec<Vec<Complex<f64>>> = (0..plane)
                .into_par_iter()
                .map(|p| {
                    let mut buf: Vec<Complex<f64>> = (0..pk).map(|k| data[p + plane * k]).collect();
                    let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
                    fft.process_with_scratch(&mut buf, &mut scratch);
                    buf
                })
                .collect();
            for (p, col) in columns.into_iter().enumerate() {
                for (k, v) in col.into_iter().enumerate() {
                    data[p + plane * k] = v;
                }
            }
        }
    }
}

fn inverse(mut s: Spectrum) -> Vec<f64> {
    let [pi, pj, pk] = s.padded;
    let ci = pi / 2 + 1;
    let mut cp = FftPlanner::<f64>::new();
    strided_fft(&mut s.data, [ci, pj, pk], 2, &*cp.plan_fft_inverse(pk));
    strided_fft(&mut s.data, [ci, pj, pk], 1, &*cp.plan_fft_inverse(pj));
    let mut rp = RealFftPlanner::<f64>::new();
    let c2r = rp.plan_fft_inverse(pi);
    let norm = 1.0 / (pi * pj * pk) as f64;
    let mut out = vec![0.0; pi * pj * pk];
    out.par_chunks_mut(pi)
        .zip(s.data.par_chunks(ci))
        .for_each(|(row, spec)| {
            let mut input = spec.to_vec();
            // The imaginary parts of the DC and Nyquist bins are round-off for real data.
            input[0].im = 0.0;
            if pi % 2 == 0 {
                input[ci - 1].im = 0.0;
            }
            let mut scratch = c2r.make_scratch_vec();
            let _ = c2r.process_with_scratch(&mut input, row, &mut scratch);
            for v in row.iter_mut() {
                *v *= norm;
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
    let mut real = vec![0.0; pi * pj * pk];
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
                real[a + pi * (b + pj * c)] = v;
            }
        }
    }
    forward(real, padded)
}

/// Linear convolution of `data` (dims, i fastest) with a kernel whose spectrum was computed on
/// `spectrum.padded`; returns the result on the original dims.
pub(crate) fn convolve_with(data: &[f64], dims: [usize; 3], spectrum: &Spectrum) -> Vec<f64> {
    let [pi, pj, pk] = spectrum.padded;
    let [nx, ny, nz] = dims;
    let mut real = vec![0.0; pi * pj * pk];
    for k in 0..nz {
        for j in 0..ny {
            let src = &data[nx * (j + ny * k)..nx * (j + ny * k) + nx];
            real[pi * (j + pj * k)..pi * (j + pj * k) + nx].copy_from_slice(src);
        }
    }
    let mut s = forward(real, spectrum.padded);
    s.data
        .par_iter_mut()
        .zip(spectrum.data.par_iter())
        .for_each(|(a, b)| *a *= *b);
    let full = inverse(s);
    let mut out = vec![0.0; nx * ny * nz];
    for k in 0..nz {
        for j in 0..ny {
            out[nx * (j + ny * k)..nx * (j + ny * k) + nx]
                .copy_from_slice(&full[pi * (j + pj * k)..pi * (j + pj * k) + nx]);
        }
    }
    out
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

    /// FFT convolution equals the direct sum on a random box with an asymmetric kernel.
    #[test]
    fn equals_direct_convolution() {
        let dims = [9, 7, 5];
        let half = [2, 1, 3];
        let nb = [5, 3, 7];
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
        let out = convolve_with(&data, dims, &kernel_spectrum(&kernel, half, padded));
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
                    let got = out[i as usize + dims[0] * (j as usize + dims[1] * k as usize)];
                    assert!(
                        (got - direct).abs() < 1e-12 * direct.abs().max(1.0),
                        "({i},{j},{k}): {got} vs {direct}"
                    );
                }
            }
        }
    }
}
