//! β dose point kernels from a β spectrum (used for Ho-166, for which no published kernel is
//! bundled).
//!
//! (B1) r₀(T): CSDA range of an electron of kinetic energy T in liquid water, from the table in
//! `data/kernels/csda_range_water_icru37.csv` (ICRU Report 37 collision stopping power, I = 75 eV,
//! Sternheimer density effect, radiative term (T + mc²)·Z/800 with Z = 7.42 after Attix 1986
//! eq. 8.11), interpolated log–log.
//!
//! (B2) F(x), x = r / r₀(T): the fraction of a monoenergetic electron's energy deposited per bin of
//! scaled radius, taken as independent of T (Berger, NBSIR 73-107, 1973: the scaled point kernels of
//! water vary little with energy above ~0.1 MeV). F was fitted once, by non-negative least squares,
//! so that (B3) with the ICRP-107 Y-90 spectrum reproduces the Graves et al. 2019 Y-90 β kernel
//! (`data/kernels/derive_scaled_electron_kernel.py`; 1.2 % worst shell misfit).
//!
//! (B3) E_shell(r_in, r_out) = n_β ∫ N(T) T Σ_b F_b |[r_in/r₀(T), r_out/r₀(T)] ∩ bin_b| / |bin_b| dT,
//! N the β spectrum per β (ICRP-107), n_β the βs per decay; the integral by the midpoint rule on
//! 2000 energies. Internal-conversion and Auger electrons (tens of keV: ranges ≪ 0.1 mm) are put in
//! the first shell.
//!
//! Validation (`tests/beta_spectrum.rs`): Sr-89 and Re-188 kernels built this way, integrated over
//! voxels, against the Lanconelli et al. 2012 voxel S values of those nuclides, which play no part
//! in the fit.

use crate::physics::DoseError;
use crate::physics::kernel::PointKernel;

/// The CSDA range table of water (B1), embedded.
pub const CSDA_RANGE_WATER: &str =
    include_str!("../../../../data/kernels/csda_range_water_icru37.csv");
/// The scaled monoenergetic electron kernel of water (B2), embedded.
pub const SCALED_ELECTRON_KERNEL_WATER: &str =
    include_str!("../../../../data/kernels/scaled_electron_kernel_water.csv");
/// ICRP Publication 107 β spectrum of Ho-166 (T½ 26.8 h), embedded (`data/spectra/README.md`).
pub const ICRP107_HO166_SPECTRUM: &str =
    include_str!("../../../../data/spectra/icrp107_Ho-166_beta_spectrum.csv");
/// ICRP Publication 107 β spectrum of Y-90 (T½ 64.1 h), embedded.
pub const ICRP107_Y90_SPECTRUM: &str =
    include_str!("../../../../data/spectra/icrp107_Y-90_beta_spectrum.csv");

/// Energies are integrated on this many midpoints over [0, T_max] (B3); the fit used the same rule.
const SPECTRUM_MIDPOINTS: usize = 2000;

/// A β spectrum: probability density per MeV per β, with the βs per decay and the energy of the
/// short-range electrons (internal conversion and Auger) per decay.
#[derive(Debug, Clone, PartialEq)]
pub struct BetaSpectrum {
    /// (energy MeV, probability density per MeV per β), energies increasing from 0.
    pub points: Vec<(f64, f64)>,
    /// βs per decay.
    pub betas_per_decay: f64,
    /// Internal-conversion and Auger electron energy per decay, MeV (deposited locally).
    pub local_electron_mev: f64,
    /// Where it comes from.
    pub source: String,
}

fn parse_err(source: &str, line: usize, what: &str, found: &str) -> DoseError {
    DoseError::Kernel(format!(
        "{source}: line {line}: expected {what}, found \"{found}\""
    ))
}

/// Numeric CSV rows after a header: lines starting with '#' and the first non-numeric line skipped.
fn numeric_rows(text: &str, source: &str, columns: usize) -> Result<Vec<Vec<f64>>, DoseError> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed: Result<Vec<f64>, _> =
            line.split(',').map(|f| f.trim().parse::<f64>()).collect();
        match parsed {
            Ok(v) if v.len() == columns && v.iter().all(|x| x.is_finite()) => rows.push(v),
            _ if !header_seen && rows.is_empty() => header_seen = true,
            _ => {
                return Err(parse_err(
                    source,
                    n + 1,
                    &format!("{columns} finite numbers"),
                    line,
                ));
            }
        }
    }
    if rows.is_empty() {
        return Err(DoseError::Kernel(format!("{source}: no data rows")));
    }
    Ok(rows)
}

/// A `key=value` number from a `# ...` comment line.
fn comment_value(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with('#'))
        .flat_map(|l| l.split_whitespace())
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

impl BetaSpectrum {
    /// Reads the layout of `data/spectra/*.csv`: `# betas_per_decay=… ice_auger_energy_mev=…`,
    /// then `energy_mev,pdf_per_mev` rows.
    pub fn from_csv(text: &str, source: &str) -> Result<Self, DoseError> {
        let rows = numeric_rows(text, source, 2)?;
        let points: Vec<(f64, f64)> = rows.iter().map(|r| (r[0], r[1])).collect();
        if points.windows(2).any(|w| w[1].0 <= w[0].0 || w[0].1 < 0.0)
            || points.first().is_some_and(|p| p.0 != 0.0)
        {
            return Err(DoseError::Kernel(format!(
                "{source}: expected energies increasing from 0 MeV and densities ≥ 0"
            )));
        }
        let betas_per_decay = comment_value(text, "betas_per_decay").ok_or_else(|| {
            DoseError::Kernel(format!(
                "{source}: expected a \"# betas_per_decay=…\" line, found none"
            ))
        })?;
        let local_electron_mev = comment_value(text, "ice_auger_energy_mev").ok_or_else(|| {
            DoseError::Kernel(format!(
                "{source}: expected a \"# ice_auger_energy_mev=…\" line, found none"
            ))
        })?;
        if !(betas_per_decay > 0.0 && local_electron_mev >= 0.0) {
            return Err(DoseError::Kernel(format!(
                "{source}: βs per decay must be above 0 and the local electron energy ≥ 0"
            )));
        }
        Ok(Self {
            points,
            betas_per_decay,
            local_electron_mev,
            source: source.to_owned(),
        })
    }

    /// The embedded ICRP-107 Ho-166 spectrum.
    pub fn icrp107_ho166() -> Result<Self, DoseError> {
        Self::from_csv(ICRP107_HO166_SPECTRUM, "ICRP-107 Ho-166 β spectrum")
    }

    /// The embedded ICRP-107 Y-90 spectrum.
    pub fn icrp107_y90() -> Result<Self, DoseError> {
        Self::from_csv(ICRP107_Y90_SPECTRUM, "ICRP-107 Y-90 β spectrum")
    }

    /// Endpoint energy, MeV.
    pub fn max_energy_mev(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.0)
    }

    /// Density at `t` MeV (linear interpolation, 0 outside).
    fn density(&self, t: f64) -> f64 {
        let i = self.points.partition_point(|p| p.0 <= t);
        match (
            i.checked_sub(1).and_then(|j| self.points.get(j)),
            self.points.get(i),
        ) {
            (Some(a), Some(b)) => a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0),
            _ => 0.0,
        }
    }

    /// Midpoints and their β-energy weights n_β N(T) ΔT · T (MeV per decay).
    fn energy_weights(&self) -> Vec<(f64, f64)> {
        let dt = self.max_energy_mev() / SPECTRUM_MIDPOINTS as f64;
        (0..SPECTRUM_MIDPOINTS)
            .map(|i| {
                let t = (i as f64 + 0.5) * dt;
                (t, self.betas_per_decay * self.density(t) * dt * t)
            })
            .collect()
    }

    /// Mean β energy per decay by the same quadrature, MeV.
    pub fn mean_beta_energy_mev(&self) -> f64 {
        self.energy_weights().iter().map(|w| w.1).sum()
    }
}

/// (B1)+(B2): the CSDA range table and the scaled electron kernel of water.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledElectronKernel {
    /// (ln T, ln r₀) with T in MeV and r₀ in g/cm².
    log_range: Vec<(f64, f64)>,
    /// (x_low, x_high, energy fraction) bins.
    bins: Vec<(f64, f64, f64)>,
}

impl ScaledElectronKernel {
    /// From the two CSV tables.
    pub fn from_csv(range_csv: &str, kernel_csv: &str) -> Result<Self, DoseError> {
        let range = numeric_rows(range_csv, "CSDA range table", 2)?;
        let mut log_range = Vec::with_capacity(range.len());
        for r in &range {
            if !(r[0] > 0.0 && r[1] > 0.0) {
                return Err(DoseError::Kernel(
                    "CSDA range table: energies and ranges must be above 0".into(),
                ));
            }
            log_range.push((r[0].ln(), r[1].ln()));
        }
        if log_range
            .windows(2)
            .any(|w| !(w[1].0 > w[0].0 && w[1].1 > w[0].1))
        {
            return Err(DoseError::Kernel(
                "CSDA range table: energies and ranges must increase".into(),
            ));
        }
        let bins: Vec<(f64, f64, f64)> = numeric_rows(kernel_csv, "scaled electron kernel", 3)?
            .into_iter()
            .map(|r| (r[0], r[1], r[2]))
            .collect();
        if bins.iter().any(|b| !(b.1 > b.0 && b.2 >= 0.0)) {
            return Err(DoseError::Kernel(
                "scaled electron kernel: bins must have x_high > x_low and fractions ≥ 0".into(),
            ));
        }
        Ok(Self { log_range, bins })
    }

    /// The embedded water tables.
    pub fn water() -> Result<Self, DoseError> {
        Self::from_csv(CSDA_RANGE_WATER, SCALED_ELECTRON_KERNEL_WATER)
    }

    /// (B1) CSDA range in water, mm (ρ = 1 g/mL), log–log interpolation; linear in T below the
    /// table.
    pub fn csda_range_mm(&self, t_mev: f64) -> f64 {
        let (Some(first), Some(last)) = (self.log_range.first(), self.log_range.last()) else {
            return 0.0;
        };
        let lt = t_mev.ln();
        let lr = if lt <= first.0 {
            first.1 + (lt - first.0)
        } else if lt >= last.0 {
            last.1
        } else {
            let i = self.log_range.partition_point(|p| p.0 <= lt);
            let (a, b) = (self.log_range[i - 1], self.log_range[i]);
            a.1 + (b.1 - a.1) * (lt - a.0) / (b.0 - a.0)
        };
        lr.exp() * 10.0
    }

    /// Largest scaled radius with energy.
    fn x_max(&self) -> f64 {
        self.bins
            .iter()
            .rev()
            .find(|b| b.2 > 0.0)
            .map_or(0.0, |b| b.1)
    }

    /// Fraction of an electron's energy deposited between scaled radii `lo` and `hi`.
    fn fraction_between(&self, lo: f64, hi: f64) -> f64 {
        self.bins
            .iter()
            .map(|&(a, b, f)| f * ((hi.min(b) - lo.max(a)).max(0.0) / (b - a)))
            .sum()
    }
}

impl PointKernel {
    /// (B3): the β dose point kernel in water of a spectrum, in shells of `shell_mm` out to the
    /// largest scaled radius at the endpoint energy.
    pub fn from_beta_spectrum(
        spectrum: &BetaSpectrum,
        scaled: &ScaledElectronKernel,
        shell_mm: f64,
    ) -> Result<Self, DoseError> {
        if !(shell_mm.is_finite() && shell_mm > 0.0) {
            return Err(DoseError::Kernel(format!(
                "shell width must be above 0 mm, found {shell_mm}"
            )));
        }
        let weights: Vec<(f64, f64, f64)> = spectrum
            .energy_weights()
            .into_iter()
            .map(|(t, w)| (t, w, scaled.csda_range_mm(t)))
            .collect();
        let r_max = scaled.x_max() * scaled.csda_range_mm(spectrum.max_energy_mev());
        let n = (r_max / shell_mm).ceil() as usize;
        if n == 0 {
            return Err(DoseError::Kernel(format!(
                "{}: the spectrum has no range",
                spectrum.source
            )));
        }
        let mut shells = Vec::with_capacity(n);
        for i in 0..n {
            let (r_in, r_out) = (i as f64 * shell_mm, (i + 1) as f64 * shell_mm);
            let mut e: f64 = weights
                .iter()
                .map(|&(_, w, r0)| w * scaled.fraction_between(r_in / r0, r_out / r0))
                .sum();
            if i == 0 {
                e += spectrum.local_electron_mev;
            }
            shells.push((r_in, r_out, e));
        }
        Ok(Self {
            shells,
            density_g_per_ml: 1.0,
            source: format!(
                "β DPK in water from the {} (scaled electron kernel fitted to Graves 2019 Y-90, B1–B3)",
                spectrum.source
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_ho166_kernel_keeps_the_spectrum_energy() {
        let spectrum = BetaSpectrum::icrp107_ho166().unwrap();
        let scaled = ScaledElectronKernel::water().unwrap();
        let dpk = PointKernel::from_beta_spectrum(&spectrum, &scaled, 0.1).unwrap();
        let fraction: f64 = scaled.bins.iter().map(|b| b.2).sum();
        let expected = spectrum.mean_beta_energy_mev() * fraction + spectrum.local_electron_mev;
        assert!((dpk.total_energy_mev() / expected - 1.0).abs() < 1e-9);
        // ICRP-107: mean β energy 0.664993 MeV per decay; the tabulated spectrum integrates to
        // 1.002 βs, its midpoint quadrature to 0.669054 MeV (+0.6 %).
        let mean = spectrum.mean_beta_energy_mev();
        assert!((mean / 0.664993 - 1.0).abs() < 0.01, "{mean}");
        // Out to 1.3 × the CSDA range at the endpoint (≈ 9 mm in water).
        assert!((11.0..12.5).contains(&dpk.max_radius_mm()));
    }

    #[test]
    fn spectrum_files_that_cannot_be_used_are_refused() {
        let e = BetaSpectrum::from_csv("energy_mev,pdf\n0,1\n1,0\n", "s.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "dose kernel: s.csv: expected a \"# betas_per_decay=…\" line, found none"
        );
        let e = BetaSpectrum::from_csv(
            "# betas_per_decay=1 ice_auger_energy_mev=0\nenergy_mev,pdf\n0,1\n0.5,1\n0.4,0\n",
            "s.csv",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "dose kernel: s.csv: expected energies increasing from 0 MeV and densities ≥ 0"
        );
        let e = BetaSpectrum::from_csv(
            "# betas_per_decay=1 ice_auger_energy_mev=0\nenergy_mev,pdf\n0,1\n0.5,x\n",
            "s.csv",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "dose kernel: s.csv: line 4: expected 2 finite numbers, found \"0.5,x\""
        );
    }
}
