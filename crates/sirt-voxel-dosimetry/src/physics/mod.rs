//! The physics of voxel dosimetry: every equation with its source.
//!
//! | module | what |
//! |---|---|
//! | [`kernel`] | dose-voxel kernels integrated from a dose point kernel over voxel pairs (K1–K4); Lanconelli 2012 tables |
//! | [`beta`] | β dose point kernels from a β spectrum (B1–B3): CSDA range, scaled electron kernel; ICRP-107 Y-90 and Ho-166 spectra |
//! | [`engine`] | [`DoseEngine`](engine::DoseEngine): local deposition and kernel convolution (E1–E3) with the energy balance |
//! | [`fft`] | linear 3-D convolution by FFT on 7-smooth padded sizes |
//! | [`dvh`] | mass- or volume-weighted DVH (differential, cumulative), mean/min/max, D_x, V_x (H1–H4) |
//! | [`activity`] | activity maps A₀: MAA-predictive SPECT scaling, PET decay correction, self-calibration (A1–A3); HU → density |
//! | [`compartments`] | compartment concentrations with partial-volume fractions (C1–C2) |

pub mod activity;
pub mod beta;
pub mod compartments;
pub mod dvh;
pub mod engine;
pub mod fft;
pub mod kernel;

/// A dose calculation that cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseError {
    /// A kernel that cannot be built or read.
    #[error("dose kernel: {0}")]
    Kernel(String),
    /// Inputs that cannot be used together.
    #[error("dose: {0}")]
    Input(String),
}
