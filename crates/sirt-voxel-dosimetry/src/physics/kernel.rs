//! Dose-voxel kernels: the energy a decay in one voxel deposits in each voxel around it.
//!
//! From a dose point kernel (DPK): with e(r) = E′(r) / (4π r²) the energy density per decay at
//! distance r from a point source, a source uniform in a box S of sides a = (a₁, a₂, a₃) puts in
//! the box T = S + Δ the energy
//!
//! (K1) E(Δ) = (1/V) ∫_S ∫_T e(|y − x|) dy dx = ∫ e(|u|) Πᵢ tri((uᵢ − Δᵢ)/aᵢ) d³u,
//!
//! tri(t) = max(0, 1 − |t|) being the overlap of a box with its copy shifted by t·a (the
//! autocorrelation of the box). In spherical coordinates the 1/r² of e(r) cancels:
//!
//! (K2) E(Δ) = ∫₀^∞ E′(r) ⟨Πᵢ tri((r Ωᵢ − Δᵢ)/aᵢ)⟩_Ω dr = Σ_shells E_shell ⟨…⟩_Ω,shell,
//!
//! the direction average taken with a Gauss–Legendre (cos θ) × uniform (φ) product rule and the
//! radial average over each 0.1 mm shell with two Gauss points. No singular integrand is sampled.
//!
//! (K3) Medium: the water DPK is scaled to a medium of density ρ by range (electron ranges in
//! g/cm²): E′_ρ(r) = ρ · E′_w(ρ r); elemental composition is ignored.
//!
//! (K4) S (mGy per MBq·s) = E(Δ) [MeV] × 1.602176634e-13 J/MeV × 1e6 decays/(MBq·s) × 1e3 mGy/Gy
//! / (ρ V) [kg].

use crate::physics::DoseError;
use sirt_geometry::Grid;

/// The embedded Y-90 β dose point kernel in water (Graves, Flynn & Hyer, Med Phys 2019;46:5284;
/// `data/kernels/README`): shells of 0.1 mm to 1.2 cm.
pub const GRAVES_Y90_WATER: &str =
    include_str!("../../../../data/kernels/graves2019_y90_beta_water_r_le_1.2cm.csv");

/// J per MeV (exact, SI 2019).
const J_PER_MEV: f64 = 1.602176634e-13;

/// A radial dose point kernel: energy deposited per decay in spherical shells.
#[derive(Debug, Clone, PartialEq)]
pub struct PointKernel {
    /// Shells: (inner radius mm, outer radius mm, energy MeV per decay).
    pub shells: Vec<(f64, f64, f64)>,
    /// Density of the medium, g/mL.
    pub density_g_per_ml: f64,
    /// Where it comes from.
    pub source: String,
}

impl PointKernel {
    /// Reads the Graves et al. CSV layout (outer radius cm, energy MeV, …).
    pub fn from_graves_csv(text: &str, source: &str) -> Result<Self, DoseError> {
        let mut shells = Vec::new();
        let mut inner = 0.0;
        for (n, line) in text.lines().enumerate() {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let (Some(r), Some(e)) = (fields.first(), fields.get(1)) else {
                continue;
            };
            let (Ok(r_cm), Ok(e_mev)) = (r.parse::<f64>(), e.parse::<f64>()) else {
                if n < 2 {
                    continue; // header lines
                }
                return Err(DoseError::Kernel(format!(
                    "{source}: line {}: expected numbers, found \"{line}\"",
                    n + 1
                )));
            };
            let outer = r_cm * 10.0;
            if !(outer > inner && e_mev.is_finite() && e_mev >= 0.0) {
                return Err(DoseError::Kernel(format!(
                    "{source}: line {}: shells must grow and energies be ≥ 0",
                    n + 1
                )));
            }
            shells.push((inner, outer, e_mev));
            inner = outer;
        }
        if shells.is_empty() {
            return Err(DoseError::Kernel(format!("{source}: no shells")));
        }
        Ok(Self {
            shells,
            density_g_per_ml: 1.0,
            source: source.to_owned(),
        })
    }

    /// The embedded Y-90 water kernel.
    pub fn graves_y90_water() -> Result<Self, DoseError> {
        Self::from_graves_csv(
            GRAVES_Y90_WATER,
            "Graves et al. 2019 Y-90 β DPK in water (r ≤ 1.2 cm)",
        )
    }

    /// (K3): the kernel in a medium of density ρ (ranges scale by 1/ρ).
    pub fn scaled_to_density(&self, density_g_per_ml: f64) -> Self {
        let f = self.density_g_per_ml / density_g_per_ml;
        Self {
            shells: self
                .shells
                .iter()
                .map(|&(a, b, e)| (a * f, b * f, e))
                .collect(),
            density_g_per_ml,
            source: format!("{} scaled by range to {density_g_per_ml} g/mL", self.source),
        }
    }

    /// Total energy of all shells, MeV per decay.
    pub fn total_energy_mev(&self) -> f64 {
        self.shells.iter().map(|s| s.2).sum()
    }

    /// Largest radius, mm.
    pub fn max_radius_mm(&self) -> f64 {
        self.shells.last().map_or(0.0, |s| s.1)
    }
}

/// A kernel on a voxel grid: energy (MeV per decay) deposited at each offset, and its medium.
#[derive(Debug, Clone, PartialEq)]
pub struct VoxelKernel {
    /// Half-widths along i, j, k: offsets −h..=h.
    pub half: [usize; 3],
    /// Voxel size, mm.
    pub voxel_mm: [f64; 3],
    /// Energy per decay, MeV, at offset (di, dj, dk), stored i fastest over the full box.
    pub energy_mev: Vec<f64>,
    /// Density of the medium the kernel was computed for, g/mL.
    pub density_g_per_ml: f64,
    /// Description: origin and normalisation.
    pub source: String,
}

/// Gauss–Legendre nodes and weights on [−1, 1] (Golub–Welsch by Newton on P_n).
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            let dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-15 {
                break;
            }
        }
        let (mut p0, mut p1) = (1.0, x);
        for k in 2..=n {
            let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
            p0 = p1;
            p1 = p2;
        }
        let dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
        out.push((x, 2.0 / ((1.0 - x * x) * dp * dp)));
    }
    out
}

impl VoxelKernel {
    /// (K1)–(K2): integrates `dpk` over voxel pairs of size `voxel_mm`, out to the kernel's range.
    pub fn from_point_kernel(dpk: &PointKernel, voxel_mm: [f64; 3]) -> Result<Self, DoseError> {
        if voxel_mm.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(DoseError::Kernel(format!(
                "voxel size must be positive, found {voxel_mm:?}"
            )));
        }
        let rmax = dpk.max_radius_mm();
        let half = voxel_mm.map(|a| (rmax / a).ceil() as usize + 1);
        // Direction rule: 48 Gauss–Legendre nodes in cos θ × 96 uniform φ.
        let gl = gauss_legendre(48);
        let nphi = 96;
        let mut dirs = Vec::with_capacity(gl.len() * nphi);
        for &(ct, w) in &gl {
            let st = (1.0 - ct * ct).max(0.0).sqrt();
            for m in 0..nphi {
                let phi = 2.0 * std::f64::consts::PI * (m as f64 + 0.5) / nphi as f64;
                dirs.push((
                    [st * phi.cos(), st * phi.sin(), ct],
                    w / (2.0 * nphi as f64),
                ));
            }
        }
        let radial = [(-1.0 / 3f64.sqrt(), 0.5), (1.0 / 3f64.sqrt(), 0.5)];
        let tri = |t: f64| (1.0 - t.abs()).max(0.0);
        let nb = [2 * half[0] + 1, 2 * half[1] + 1, 2 * half[2] + 1];
        let mut energy = vec![0.0; nb[0] * nb[1] * nb[2]];
        // One octant, mirrored.
        for dk in 0..=half[2] {
            for dj in 0..=half[1] {
                for di in 0..=half[0] {
                    let delta = [
                        di as f64 * voxel_mm[0],
                        dj as f64 * voxel_mm[1],
                        dk as f64 * voxel_mm[2],
                    ];
                    // Shells that can reach the box T: |u| between dist(0, T') where T' = box of
                    // half-width a around Δ.
                    let near: f64 = (0..3)
                        .map(|c| (delta[c] - voxel_mm[c]).max(0.0).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    let far: f64 = (0..3)
                        .map(|c| (delta[c] + voxel_mm[c]).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    let mut e = 0.0;
                    for &(r0, r1, es) in &dpk.shells {
                        if es == 0.0 || r1 < near || r0 > far {
                            continue;
                        }
                        let mut avg = 0.0;
                        for &(x, w) in &radial {
                            let r = 0.5 * (r0 + r1) + 0.5 * (r1 - r0) * x;
                            let mut s = 0.0;
                            for (d, wd) in &dirs {
                                let v = tri((r * d[0] - delta[0]) / voxel_mm[0])
                                    * tri((r * d[1] - delta[1]) / voxel_mm[1])
                                    * tri((r * d[2] - delta[2]) / voxel_mm[2]);
                                s += wd * v;
                            }
                            avg += w * s;
                        }
                        e += es * avg;
                    }
                    for sk in [-1i64, 1] {
                        for sj in [-1i64, 1] {
                            for si in [-1i64, 1] {
                                let i = (half[0] as i64 + si * di as i64) as usize;
                                let j = (half[1] as i64 + sj * dj as i64) as usize;
                                let k = (half[2] as i64 + sk * dk as i64) as usize;
                                energy[i + nb[0] * (j + nb[1] * k)] = e;
                            }
                        }
                    }
                }
            }
        }
        Ok(Self {
            half,
            voxel_mm,
            energy_mev: energy,
            density_g_per_ml: dpk.density_g_per_ml,
            source: format!(
                "{} integrated over {:?} mm voxels (K1–K2)",
                dpk.source, voxel_mm
            ),
        })
    }

    /// Dimensions of the kernel box.
    pub fn dims(&self) -> [usize; 3] {
        [
            2 * self.half[0] + 1,
            2 * self.half[1] + 1,
            2 * self.half[2] + 1,
        ]
    }

    /// Energy at offset (di, dj, dk), MeV per decay (0 outside the box).
    pub fn energy_at(&self, di: i64, dj: i64, dk: i64) -> f64 {
        let h = self.half.map(|h| h as i64);
        if di.abs() > h[0] || dj.abs() > h[1] || dk.abs() > h[2] {
            return 0.0;
        }
        let nb = self.dims();
        self.energy_mev
            [(di + h[0]) as usize + nb[0] * ((dj + h[1]) as usize + nb[1] * (dk + h[2]) as usize)]
    }

    /// (K4): the voxel S value at an offset, mGy per MBq·s, for the kernel's own medium.
    pub fn s_value_mgy_per_mbq_s(&self, di: i64, dj: i64, dk: i64) -> f64 {
        let mass_kg = self.density_g_per_ml * self.voxel_mm.iter().product::<f64>() / 1e6;
        self.energy_at(di, dj, dk) * J_PER_MEV * 1e6 * 1e3 / mass_kg
    }

    /// Total energy in the kernel, MeV per decay.
    pub fn total_energy_mev(&self) -> f64 {
        self.energy_mev.iter().sum()
    }

    /// The kernel scaled so that its total energy is `mev_per_decay` (e.g. the energy implied by
    /// the K convention, so that kernel and local deposition agree on total energy).
    pub fn normalised_to(&self, mev_per_decay: f64, why: &str) -> Self {
        let f = mev_per_decay / self.total_energy_mev();
        Self {
            energy_mev: self.energy_mev.iter().map(|e| e * f).collect(),
            source: format!(
                "{}; normalised to {mev_per_decay:.6} MeV per decay ({why}; factor {f:.6})",
                self.source
            ),
            ..self.clone()
        }
    }

    /// Whether the kernel's voxels match a grid's spacing (within 1e-6 mm).
    pub fn fits(&self, grid: &Grid) -> bool {
        (0..3).all(|c| (grid.spacing_mm[c] - self.voxel_mm[c]).abs() < 1e-6)
    }
}

/// Reads a Lanconelli et al. 2012 voxel S value file (one octant, i j k S in mGy/(MBq·s)),
/// mirrored to the full 11 × 11 × 11 box. Returns (S values, i fastest; half-width).
pub fn read_lanconelli(text: &str) -> Result<(Vec<f64>, usize), DoseError> {
    let mut octant = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 4 {
            continue;
        }
        let (Ok(i), Ok(j), Ok(k), Ok(s)) = (
            f[0].parse::<usize>(),
            f[1].parse::<usize>(),
            f[2].parse::<usize>(),
            f[3].parse::<f64>(),
        ) else {
            continue;
        };
        octant.push((i, j, k, s));
    }
    let h = octant
        .iter()
        .map(|o| o.0.max(o.1).max(o.2))
        .max()
        .ok_or_else(|| DoseError::Kernel("no S values".into()))?;
    let n = 2 * h + 1;
    let mut full = vec![0.0; n * n * n];
    for (i, j, k, s) in octant {
        for sk in [-1i64, 1] {
            for sj in [-1i64, 1] {
                for si in [-1i64, 1] {
                    let (a, b, c) = (
                        (h as i64 + si * i as i64) as usize,
                        (h as i64 + sj * j as i64) as usize,
                        (h as i64 + sk * k as i64) as usize,
                    );
                    full[a + n * (b + n * c)] = s;
                }
            }
        }
    }
    Ok((full, h))
}
