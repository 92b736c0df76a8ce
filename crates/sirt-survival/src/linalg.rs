//! Small dense symmetric positive-definite algebra (Cholesky), row-major `Vec<f64>`.

/// A pivot smaller than this fraction of its original diagonal element marks the matrix as
/// numerically singular (collinear covariates). Chosen as about 1e4·ε·(typical condition),
/// the same order as R `coxph.control(toler.chol = .Machine$double.eps^0.75)` ≈ 1.8e-12.
pub(crate) const CHOLESKY_TOLERANCE: f64 = 1.8e-12;

/// Lower Cholesky factor L (row-major n×n) of the symmetric matrix `a`, or `Err(j)` with the
/// index of the first pivot that is not clearly positive.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Result<Vec<f64>, usize> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        let scale = a[j * n + j].abs().max(f64::MIN_POSITIVE);
        if !d.is_finite() || d <= CHOLESKY_TOLERANCE * scale {
            return Err(j);
        }
        let djj = d.sqrt();
        l[j * n + j] = djj;
        for i in (j + 1)..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = s / djj;
        }
    }
    Ok(l)
}

/// Solves (L Lᵀ) x = b.
pub(crate) fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..n {
        let mut s = y[i];
        for k in 0..i {
            s -= l[i * n + k] * y[k];
        }
        y[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in (i + 1)..n {
            s -= l[k * n + i] * y[k];
        }
        y[i] = s / l[i * n + i];
    }
    y
}

/// (L Lᵀ)⁻¹, row-major.
pub(crate) fn cholesky_inverse(l: &[f64], n: usize) -> Vec<f64> {
    let mut inv = vec![0.0; n * n];
    let mut e = vec![0.0; n];
    for c in 0..n {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[c] = 1.0;
        let col = cholesky_solve(l, n, &e);
        for r in 0..n {
            inv[r * n + c] = col[r];
        }
    }
    // Symmetrise against round-off.
    for r in 0..n {
        for c in (r + 1)..n {
            let m = 0.5 * (inv[r * n + c] + inv[c * n + r]);
            inv[r * n + c] = m;
            inv[c * n + r] = m;
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn solves_and_inverts_a_small_spd_matrix() {
        // A = [[4, 2], [2, 3]]: A⁻¹ = [[3, -2], [-2, 4]] / 8 (hand inverse).
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2).unwrap();
        let inv = cholesky_inverse(&l, 2);
        let want = [0.375, -0.25, -0.25, 0.5];
        for (g, w) in inv.iter().zip(want) {
            assert!((g - w).abs() < 1e-15);
        }
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_err());
    }
}
