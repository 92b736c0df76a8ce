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

use crate::DoseError;
use crate::fft;
use crate::kernel::VoxelKernel;
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
        self.mbq.data().iter().map(|&a| f64::from(a)).sum()
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

fn check_inputs(activity: &ActivityMap, density: &Image<f32>) -> Result<(), DoseError> {
    if !activity.mbq.grid().same_as(density.grid()) {
        return Err(DoseError::Input(
            "activity and density maps are on different grids: resample one onto the other first"
                .into(),
        ));
    }
    if let Some((n, v)) = activity
        .mbq
        .data()
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || **v < 0.0)
    {
        return Err(DoseError::Input(format!(
            "activity voxel {n} is {v}: an activity map must be finite and non-negative (clamp SPECT noise first)"
        )));
    }
    if let Some((n, v)) = density
        .data()
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || **v < 0.0)
    {
        return Err(DoseError::Input(format!(
            "density voxel {n} is {v}: expected a finite, non-negative density"
        )));
    }
    Ok(())
}

/// Splits voxel energies (J) into dose (Gy) by local mass, tissue vs air.
fn to_dose(
    energy_j: &[f64],
    activity: &ActivityMap,
    density: &Image<f32>,
    emitted: f64,
    engine: String,
) -> Result<DoseMap, DoseError> {
    let voxel_ml = density.grid().voxel_volume_mm3() / 1000.0;
    let mut tissue = 0.0;
    let mut air = 0.0;
    let gy: Vec<f32> = energy_j
        .iter()
        .zip(density.data())
        .map(|(&e, &rho)| {
            // Round-off of the FFT can leave tiny negative energies far from the activity.
            let e = e.max(0.0);
            if f64::from(rho) < TISSUE_DENSITY_MIN_G_PER_ML {
                air += e;
                0.0
            } else {
                tissue += e;
                (e / (f64::from(rho) * voxel_ml / 1000.0)) as f32
            }
        })
        .collect();
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
}

impl KernelConvolution {
    /// An engine for a kernel (its voxel size must match the activity grid).
    pub fn new(kernel: VoxelKernel) -> Self {
        Self {
            kernel,
            cache: Mutex::new(HashMap::new()),
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
        let energy =
            fft::convolve_scaled(activity.mbq.data(), decays_per_mbq, grid.dims, &spectrum);
        let emitted: f64 = activity.total_mbq() * decays_per_mbq * e_k * J_PER_MEV;
        to_dose(
            &energy,
            activity,
            density,
            emitted,
            format!(
                "{} (K {} Gy·kg/GBq, {})",
                self.describe(),
                activity.k.k.gy_kg_per_gbq(),
                activity.k.label
            ),
        )
    }
}
