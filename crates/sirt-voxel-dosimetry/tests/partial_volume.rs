//! Mass and mean dose of structures whose border cuts dose voxels (density D2): a lung-density
//! block beside soft tissue, its boundary inside a dose voxel, with answers derived by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_nuclides::{KConvention, Nuclide};
use sirt_units::Instant;
use sirt_voxel_dosimetry::physics::activity::HuToDensity;
use sirt_voxel_dosimetry::{ActivityInput, DensityInput, EngineChoice, Request, Role, Structure};

/// CT: 30 × 12 × 12 voxels of 1 mm, centres at x = 0 … 29 mm. CT columns x ≤ 12 are lung
/// (−700 HU), the rest soft tissue (40 HU).
const LUNG_COLUMNS: usize = 13;
/// Lung and soft-tissue HU and the densities the test's calibration gives them: the curve
/// (−1000, 0.0)–(0, 1.0) gives 0.3 g/mL at −700 HU and holds 1.0 g/mL above 0 HU.
const LUNG_HU: f32 = -700.0;
const SOFT_HU: f32 = 40.0;
const RHO_LUNG: f64 = 0.3;
const RHO_SOFT: f64 = 1.0;
/// Activity concentration everywhere, Bq/mL (a PET referenced to the administration).
const C_BQ_PER_ML: f64 = 2.0e8;

fn frame() -> FrameOfReference {
    FrameOfReference("1.2.3.4".into())
}

/// The dose grid: 10 × 4 × 4 voxels of 3 mm whose first centre is at the CT's (1, 1, 1): dose
/// voxel j holds CT columns 3j … 3j + 2, so the lung boundary (between CT columns 12 and 13, at
/// x = 12.5 mm) lies inside dose voxel 4, which is 1/3 lung (column 12) and 2/3 soft tissue; the
/// dose grid's planes are at x = 11.5 and 14.5 mm. The fraction samples (3 per axis, at −1, 0,
/// +1 mm from the centre) hit CT centres, so the fractions are exact: 1/3 for the lung.
fn dose_grid() -> Grid {
    Grid::axis_aligned([10, 4, 4], [3.0; 3], PointLps::new(1.0, 1.0, 1.0), frame()).unwrap()
}

fn ct() -> Image<f32> {
    let g = Grid::axis_aligned(
        [30, 12, 12],
        [1.0; 3],
        PointLps::new(0.0, 0.0, 0.0),
        frame(),
    )
    .unwrap();
    let mut ct = Image::filled(g, SOFT_HU);
    for k in 0..12 {
        for j in 0..12 {
            for i in 0..LUNG_COLUMNS {
                ct.set(i, j, k, LUNG_HU);
            }
        }
    }
    ct
}

#[test]
fn border_voxels_weigh_the_density_of_the_part_inside_the_structure() {
    let ct = ct();
    let lung = Structure::new("lungs", Role::Lungs, ct.map(|hu| hu < -500.0));
    let soft = Structure::new("soft", Role::Liver, ct.map(|hu| hu >= -500.0));
    let structures = [lung, soft];
    let pet = Image::filled(dose_grid(), C_BQ_PER_ML as f32);
    let t: Instant = "2026-03-05T10:00:00[Europe/Paris]".parse().unwrap();
    let k = KConvention::TheraSphereIfu.resolve(Nuclide::Y90).unwrap();
    let k_gy_kg_per_gbq = k.k.gy_kg_per_gbq();
    let result = sirt_voxel_dosimetry::run(&Request {
        activity: ActivityInput::Pet {
            bq_per_ml: &pet,
            reference: t.clone(),
            administration: t,
        },
        density: DensityInput::FromCt {
            ct: &ct,
            curve: HuToDensity {
                points: vec![(-1000.0, 0.0), (0.0, 1.0)],
                source: "test".into(),
            },
        },
        structures: &structures,
        registration: None,
        k,
        engine: EngineChoice::LocalDeposition,
        bin_gy: 0.1,
        dx_percent: vec![],
        vx_gy: vec![],
    })
    .unwrap();

    // Truth. Lung: 13 × 12 × 12 CT voxels of 0.001 mL = 1.872 mL at 0.3 g/mL = 0.5616 g.
    // Soft tissue: 17 × 144 voxels = 2.448 mL at 1.0 g/mL = 2.448 g. With a uniform concentration
    // c and local deposition, every point of a tissue of density ρ gets K c / ρ:
    // K [Gy·kg/GBq] × c [GBq/mL] / ρ [kg/mL].
    let lung_mass_kg = (LUNG_COLUMNS * 144) as f64 * 1e-3 * RHO_LUNG / 1000.0;
    let soft_mass_kg = ((30 - LUNG_COLUMNS) * 144) as f64 * 1e-3 * RHO_SOFT / 1000.0;
    let c_gbq_per_ml = C_BQ_PER_ML / 1e9;
    let lung_gy = k_gy_kg_per_gbq * c_gbq_per_ml / (RHO_LUNG / 1000.0);
    let soft_gy = k_gy_kg_per_gbq * c_gbq_per_ml / (RHO_SOFT / 1000.0);

    // The old method (mean density of the whole border voxel): ρ̄ = (0.3 + 2 × 1.0) / 3 in the
    // 16 border voxels of 27 mm³. Lung mass 12 columns × 144 × 0.001 mL × 0.3 + 16 × (1/3) ×
    // 0.027 mL × ρ̄ = 0.5184 + 0.1104 = 0.6288 g (+12 %); border voxel dose K c / ρ̄, so the mean
    // (0.5184 K c/0.3 + 0.1104 K c/ρ̄) / 0.6288 is 10.7 % below K c / 0.3.
    let rho_mixed = (RHO_LUNG + 2.0 * RHO_SOFT) / 3.0;
    let full_g = 12.0 * 144.0 * 1e-3 * RHO_LUNG;
    let border_g = 16.0 / 3.0 * 0.027 * rho_mixed;
    let old_mass_kg = (full_g + border_g) / 1000.0;
    let old_lung_gy =
        (full_g * lung_gy + border_g * lung_gy * RHO_LUNG / rho_mixed) / (full_g + border_g);
    assert!((old_mass_kg / lung_mass_kg - 1.0) > 0.11);
    assert!((old_lung_gy / lung_gy - 1.0) < -0.10);

    let l = result.structure("lungs").unwrap();
    let s = result.structure("soft").unwrap();
    let rel = |a: f64, b: f64| (a / b - 1.0).abs();
    assert!(
        rel(l.dvh.mass_kg.unwrap(), lung_mass_kg) < 1e-5,
        "{:?}",
        l.dvh.mass_kg
    );
    assert!(
        rel(s.dvh.mass_kg.unwrap(), soft_mass_kg) < 1e-5,
        "{:?}",
        s.dvh.mass_kg
    );
    assert!(
        rel(l.dvh.mean_gy, lung_gy) < 1e-5,
        "{} vs {lung_gy}",
        l.dvh.mean_gy
    );
    assert!(
        rel(s.dvh.mean_gy, soft_gy) < 1e-5,
        "{} vs {soft_gy}",
        s.dvh.mean_gy
    );
    // Every part of the lung gets the lung's dose: the border no longer lowers the minimum.
    assert!(rel(l.dvh.min_gy, lung_gy) < 1e-5);
    // The partition value from the same masks agrees (LDM).
    assert!(rel(l.partition_gy, lung_gy) < 1e-5);
}
