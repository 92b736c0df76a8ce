//! Dose engines behind one trait: local deposition (LDM) and dose-voxel kernel convolution (DVK).
//!
//! Microspheres are permanently trapped: the activity map holds A₀, the activity at the
//! administration instant, and every voxel's decays to full decay are Ã = A₀ · T½ / ln2 (E1).
//! - (E2) LDM: D = K · A₀ / m, m = ρ V (K in Gy·kg/GBq covers the full decay);
//! - (E3) DVK: E = Ã ⊛ ε (ε the kernel's energy per decay at each offset), D = E / (ρ V);
//!   the kernel is normalised so that its total energy per decay is E_K = K / τ (τ = T½ / ln2),
//!   the energy per decay implied by K, so that both engines agree on the total energy.
//!
//! Voxels below [`TISSUE_DENSITY_MIN_G_PER_ML`] (air) receive no dose: energy there is reported
//! as deposited outside tissue. Energy that leaves the grid is reported too.

use crate::physics::DoseError;
use crate::physics::fft;
use crate::physics::kernel::VoxelKernel;
use rayon::prelude::*;
use sirt_geometry::Image;
use sirt_nuclides::{Coefficient, Nuclide};
use std::collections::HashMap;
use std::sync::Mutex;

/// J per MeV (exact, SI 2019).
const J_PER_MEV: f64 = 1.602176634e-13;

/// Below this density (g/mL) a voxel is air: no dose is reported there (0.01 g/mL separates air
/// at 0.0012 from lung at ~0.3 with a wide margin).
pub const TISSUE_DENSITY_MIN_G_PER_ML: f64 = 0.01;

/// An activity map: A₀ per voxel, MBq, at the administration instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityMap {
    /// MBq per voxel at administration.
    pub mbq: Image<f32>,
    /// The nuclide.
    pub nuclide: Nuclide,
    /// K and its convention (LDM coefficient and kernel normalisation).
    pub k: Coefficient,
    /// How the map was made (scaling, decay correction, clamping).
    pub provenance: Vec<String>,
}

impl ActivityMap {
    /// Total activity, MBq.
    pub fn total_mbq(&self) -> f64 {
        // Chunk sums in parallel, added in chunk order (independent of the thread count).
        let sums: Vec<f64> = self
            .mbq
            .data()
            .par_chunks(1 << 16)
            .map(|c| c.iter().map(|&a| f64::from(a)).sum::<f64>())
            .collect();
        sums.iter().sum()
    }

    /// Mean life τ = T½ / ln2, s.
    pub fn mean_life_s(&self) -> f64 {
        self.nuclide.half_life().seconds() / std::f64::consts::LN_2
    }

    /// Energy per decay implied by K, MeV: E_K = K / (1e9 τ) J.
    pub fn energy_per_decay_mev(&self) -> f64 {
        self.k.k.gy_kg_per_gbq() / (1e9 * self.mean_life_s()) / J_PER_MEV
    }
}

/// A dose map with its energy balance.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseMap {
    /// Absorbed dose, Gy, on the activity grid.
    pub gy: Image<f32>,
    /// Energy emitted by all decays (with the K convention), J.
    pub energy_emitted_j: f64,
    /// Energy deposited in tissue voxels, J.
    pub energy_in_tissue_j: f64,
    /// Energy deposited in air voxels (density below the tissue threshold), J.
    pub energy_in_air_j: f64,
    /// Energy that left the grid, J.
    pub energy_outside_grid_j: f64,
    /// Engine name and parameters.
    pub engine: String,
}

/// A dose engine.
pub trait DoseEngine {
    /// Name and parameters, printed with results.
    fn describe(&self) -> String;
    /// The dose of `activity` in a medium of `density` (g/mL, same grid).
    fn dose(&self, activity: &ActivityMap, density: &Image<f32>) -> Result<DoseMap, DoseError>;
}

/// The first voxel that is NaN, infinite or negative (searched in parallel).
fn first_invalid(data: &[f32]) -> Option<(usize, f32)> {
    const CHUNK: usize = 1 << 16;
    let bad = |v: &f32| !v.is_finite() || *v < 0.0;
    // Without short-circuit, so that the scan is vectorised: NaN fails both comparisons.
    let any_bad = |c: &[f32]| {
        c.iter()
            .fold(false, |a, &v| a | !(0.0..f32::INFINITY).contains(&v))
    };
    let c = data.par_chunks(CHUNK).position_first(any_bad)?;
    let n = c * CHUNK + data[c * CHUNK..].iter().position(bad)?;
    Some((n, data[n]))
}

fn check_inputs(activity: &ActivityMap, density: &Image<f32>) -> Result<(), DoseError> {
    if !activity.mbq.grid().same_as(density.grid()) {
        return Err(DoseError::Input(
            "activity and density maps are on different grids: resample one onto the other first"
                .into(),
        ));
    }
    if let Some((n, v)) = first_invalid(activity.mbq.data()) {
        return Err(DoseError::Input(format!(
            "activity voxel {n} is {v}: an activity map must be finite and non-negative (clamp SPECT noise first)"
        )));
    }
    if let Some((n, v)) = first_invalid(density.data()) {
        return Err(DoseError::Input(format!(
            "density voxel {n} is {v}: expected a finite, non-negative density"
        )));
    }
    Ok(())
}

/// Splits voxel energies (J) into dose (Gy) by local mass, tissue vs air.
/// Energies (J, f32) → absorbed dose (Gy) in place; returns the energy in tissue and in air
/// (voxels below [`TISSUE_DENSITY_MIN_G_PER_ML`] get no dose).
fn energy_to_dose(energy_j: &mut [f32], rho: &[f32], voxel_ml: f64) -> (f64, f64) {
    const LANES: usize = 8;
    let kg_per_g_ml = (voxel_ml / 1000.0) as f32;
    // Eight partial sums (independent chains, vectorised), added at the end.
    let (mut tissue, mut air) = ([0.0f64; LANES], [0.0f64; LANES]);
    for (e8, r8) in energy_j.chunks_mut(LANES).zip(rho.chunks(LANES)) {
        for (l, (v, &r)) in e8.iter_mut().zip(r8).enumerate() {
            // Round-off of the FFT can leave tiny negative energies far from the activity.
            let e = v.max(0.0);
            let in_tissue = f64::from(r) >= TISSUE_DENSITY_MIN_G_PER_ML;
            tissue[l] += if in_tissue { f64::from(e) } else { 0.0 };
            air[l] += if in_tissue { 0.0 } else { f64::from(e) };
            *v = if in_tissue {
                e / (r * kg_per_g_ml)
            } else {
                0.0
            };
        }
    }
    (tissue.iter().sum(), air.iter().sum())
}

fn to_dose<T: Copy + Into<f64> + Sync>(
    energy_j: &[T],
    activity: &ActivityMap,
    density: &Image<f32>,
    emitted: f64,
    engine: String,
) -> Result<DoseMap, DoseError> {
    let voxel_ml = density.grid().voxel_volume_mm3() / 1000.0;
    // Chunks in parallel; their sums added in chunk order (the result does not depend on the
    // number of threads).
    const CHUNK: usize = 1 << 16;
    let mut gy = vec![0.0f32; energy_j.len()];
    let sums: Vec<(f64, f64)> = gy
        .par_chunks_mut(CHUNK)
        .zip(energy_j.par_chunks(CHUNK))
        .zip(density.data().par_chunks(CHUNK))
        .map(|((out, e), rho)| {
            let (mut tissue, mut air) = (0.0, 0.0);
            for ((o, &e), &rho) in out.iter_mut().zip(e).zip(rho) {
                // Round-off of the FFT can leave tiny negative energies far from the activity.
                let e: f64 = e.into().max(0.0);
                if f64::from(rho) < TISSUE_DENSITY_MIN_G_PER_ML {
                    air += e;
                } else {
                    tissue += e;
                    *o = (e / (f64::from(rho) * voxel_ml / 1000.0)) as f32;
                }
            }
            (tissue, air)
        })
        .collect();
    let (tissue, air) = sums.iter().fold((0.0, 0.0), |(t, a), s| (t + s.0, a + s.1));
    let deposited = tissue + air;
    Ok(DoseMap {
        gy: Image::new(activity.mbq.grid().clone(), gy)
            .map_err(|e| DoseError::Input(e.to_string()))?,
        energy_emitted_j: emitted,
        energy_in_tissue_j: tissue,
        energy_in_air_j: air,
        energy_outside_grid_j: (emitted - deposited).max(0.0),
        engine,
    })
}

/// (E2) Local deposition.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalDeposition;

impl DoseEngine for LocalDeposition {
    fn describe(&self) -> String {
        "local deposition (LDM): D = K · A₀ / (ρ V)".into()
    }

    fn dose(&self, activity: &ActivityMap, density: &Image<f32>) -> Result<DoseMap, DoseError> {
        check_inputs(activity, density)?;
        let k = activity.k.k.gy_kg_per_gbq();
        let energy: Vec<f64> = activity
            .mbq
            .data()
            .iter()
            .map(|&a| k * f64::from(a) / 1000.0)
            .collect();
        let emitted: f64 = energy.iter().sum();
        to_dose(
            &energy,
            activity,
            density,
            emitted,
            format!(
                "{} (K {k} Gy·kg/GBq, {})",
                self.describe(),
                activity.k.label
            ),
        )
    }
}

/// Kernel spectra by (padded dims, bits of the energy per decay they were normalised to).
type SpectrumCache = HashMap<([usize; 3], u64), std::sync::Arc<fft::Spectrum>>;

/// (E3) Dose-voxel kernel convolution by FFT, kernel spectra cached per padded size.
pub struct KernelConvolution {
    kernel: VoxelKernel,
    cache: Mutex<SpectrumCache>,
    workspace: Mutex<fft::Workspace>,
}

impl KernelConvolution {
    /// An engine for a kernel (its voxel size must match the activity grid).
    pub fn new(kernel: VoxelKernel) -> Self {
        Self {
            kernel,
            cache: Mutex::new(HashMap::new()),
            workspace: Mutex::new(fft::Workspace::default()),
        }
    }

    /// The kernel.
    pub fn kernel(&self) -> &VoxelKernel {
        &self.kernel
    }
}

impl DoseEngine for KernelConvolution {
    fn describe(&self) -> String {
        format!(
            "dose-voxel kernel (DVK) by FFT, kernel {} ({:?} voxels, medium {} g/mL), density-corrected D = E / (ρ V)",
            self.kernel.source,
            self.kernel.dims(),
            self.kernel.density_g_per_ml
        )
    }

    fn dose(&self, activity: &ActivityMap, density: &Image<f32>) -> Result<DoseMap, DoseError> {
        check_inputs(activity, density)?;
        let grid = activity.mbq.grid();
        if !self.kernel.fits(grid) {
            return Err(DoseError::Input(format!(
                "the kernel is for {:?} mm voxels, the activity grid has {:?} mm: compute the kernel for this grid",
                self.kernel.voxel_mm, grid.spacing_mm
            )));
        }
        let e_k = activity.energy_per_decay_mev();
        let kernel = self
            .kernel
            .normalised_to(e_k, "energy per decay implied by K");
        let tau = activity.mean_life_s();
        // Ã in decays = A₀ [MBq] × 1e6 τ; kernel in J per decay. The factor is applied to the
        // convolution's output (no f64 copy of the activity).
        let decays_per_mbq = 1e6 * tau;
        let kernel_j: Vec<f64> = kernel.energy_mev.iter().map(|e| e * J_PER_MEV).collect();
        let padded = fft::padded_dims(grid.dims, kernel.half);
        let spectrum = {
            let mut cache = self
                .cache
                .lock()
                .map_err(|_| DoseError::Input("kernel cache poisoned".into()))?;
            cache
                .entry((padded, e_k.to_bits()))
                .or_insert_with(|| {
                    std::sync::Arc::new(fft::kernel_spectrum(&kernel_j, kernel.half, padded))
                })
                .clone()
        };
        let emitted: f64 = activity.total_mbq() * decays_per_mbq * e_k * J_PER_MEV;
        let voxel_ml = grid.voxel_volume_mm3() / 1000.0;
        let plane_len = grid.dims[0] * grid.dims[1];
        // The energy of each plane becomes its dose in place as soon as the plane is complete.
        let mut gy = vec![0.0f32; grid.len()];
        let sums = {
            let mut work = self
                .workspace
                .lock()
                .map_err(|_| DoseError::Input("kernel workspace poisoned".into()))?;
            fft::convolve_into(
                activity.mbq.data(),
                decays_per_mbq,
                grid.dims,
                &spectrum,
                &mut work,
                &mut gy,
                |k, plane| {
                    let rho = &density.data()[k * plane_len..(k + 1) * plane_len];
                    energy_to_dose(plane, rho, voxel_ml)
                },
            )
        };
        let (tissue, air) = sums.iter().fold((0.0, 0.0), |(t, a), s| (t + s.0, a + s.1));
        Ok(DoseMap {
            gy: Image::new(grid.clone(), gy).map_err(|e| DoseError::Input(e.to_string()))?,
            energy_emitted_j: emitted,
            energy_in_tissue_j: tissue,
            energy_in_air_j: air,
            energy_outside_grid_j: (emitted - tissue - air).max(0.0),
            engine: format!(
                "{} (K {} Gy·kg/GBq, {})",
                self.describe(),
                activity.k.k.gy_kg_per_gbq(),
                activity.k.label
            ),
        })
    }
}
