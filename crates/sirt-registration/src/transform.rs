//! The transform being optimised, and rotation angles for people.
//!
//! The optimiser moves `moving_from_fixed` (the direction a metric samples: a fixed point is
//! looked up in the moving image): y = R (x − c) + c + t, with c the centre of rotation in fixed
//! patient coordinates (the region's centre), R a rotation and t a translation, mm. A step
//! (δθ, δt) turns R about c by the rotation vector δθ (radians, Rodrigues' formula) and adds δt:
//! R ← exp([δθ]×) R, t ← t + δt. For a sample x with y₀ = R (x − c), the derivatives at the
//! step's origin are ∂y/∂δt = I and ∂y/∂δθ · v = v × y₀, so a metric's gradient is
//! Σ w ∇m (translation) and Σ w (y₀ × ∇m) (rotation).

use crate::error::{RegistrationError, geometry};
use sirt_geometry::{FrameOfReference, PointLps, Rigid};

/// 3 × 3 matrices, row-major.
pub(crate) type Mat3 = [[f64; 3]; 3];

pub(crate) const IDENTITY: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// Rotation angles below this are the identity in Rodrigues' formula: design choice, far below
/// the 1e-6 rad a step can usefully take and far above f64 rounding.
const TINY_ANGLE_RAD: f64 = 1e-12;

pub(crate) fn mat_mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut m = [[0.0; 3]; 3];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

pub(crate) fn mat_vec(a: &Mat3, v: [f64; 3]) -> [f64; 3] {
    [
        a[0][0] * v[0] + a[0][1] * v[1] + a[0][2] * v[2],
        a[1][0] * v[0] + a[1][1] * v[1] + a[1][2] * v[2],
        a[2][0] * v[0] + a[2][1] * v[1] + a[2][2] * v[2],
    ]
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// exp([w]×): the rotation by |w| radians about w (Rodrigues' formula).
pub(crate) fn rotation_from_vector(w: [f64; 3]) -> Mat3 {
    let theta = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
    if theta < TINY_ANGLE_RAD {
        return IDENTITY;
    }
    let k = [w[0] / theta, w[1] / theta, w[2] / theta];
    let (s, c) = theta.sin_cos();
    let v = 1.0 - c;
    [
        [
            c + k[0] * k[0] * v,
            k[0] * k[1] * v - k[2] * s,
            k[0] * k[2] * v + k[1] * s,
        ],
        [
            k[1] * k[0] * v + k[2] * s,
            c + k[1] * k[1] * v,
            k[1] * k[2] * v - k[0] * s,
        ],
        [
            k[2] * k[0] * v - k[1] * s,
            k[2] * k[1] * v + k[0] * s,
            c + k[2] * k[2] * v,
        ],
    ]
}

/// The nearest rotation by Gram–Schmidt on the rows (removes the drift of many products).
fn orthonormalised(r: Mat3) -> Mat3 {
    let norm = |v: [f64; 3]| {
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        [v[0] / n, v[1] / n, v[2] / n]
    };
    let a = norm(r[0]);
    let d = a[0] * r[1][0] + a[1] * r[1][1] + a[2] * r[1][2];
    let b = norm([r[1][0] - d * a[0], r[1][1] - d * a[1], r[1][2] - d * a[2]]);
    [a, b, cross(a, b)]
}

/// `moving_from_fixed` as rotation about a centre plus translation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pose {
    /// R.
    pub rotation: Mat3,
    /// c, fixed patient coordinates, mm.
    pub centre: [f64; 3],
    /// t, mm.
    pub translation: [f64; 3],
}

impl Pose {
    /// The pose of a `moving_from_fixed` affine y = A x + b about `centre`.
    pub fn from_affine(rotation: Mat3, offset: [f64; 3], centre: [f64; 3]) -> Self {
        // A (x − c) + c + t = A x + b  ⇒  t = b + A c − c.
        let translation = sub(add(offset, mat_vec(&rotation, centre)), centre);
        Self {
            rotation,
            centre,
            translation,
        }
    }

    /// The affine y = A x + b.
    pub fn affine(&self) -> (Mat3, [f64; 3]) {
        let rc = mat_vec(&self.rotation, self.centre);
        (self.rotation, sub(add(self.centre, self.translation), rc))
    }

    /// Maps a fixed point to the moving image's coordinates.
    pub fn apply(&self, x: [f64; 3]) -> [f64; 3] {
        let (a, b) = self.affine();
        add(mat_vec(&a, x), b)
    }

    /// Takes a step: turn by `d_rotation` (rotation vector, rad) about the centre, then shift by
    /// `d_translation` (mm).
    pub fn step(&mut self, d_rotation: [f64; 3], d_translation: [f64; 3]) {
        let turned = mat_mul(&rotation_from_vector(d_rotation), &self.rotation);
        self.rotation = orthonormalised(turned);
        self.translation = add(self.translation, d_translation);
    }

    /// The physical-shift parameter scales (ITK's `RegistrationParameterScalesFromPhysicalShift`):
    /// for each parameter, the largest squared displacement of the `corners` (fixed patient
    /// coordinates) per unit of the parameter: |e_a × R (x − c)|² for the rotations, 1 for the
    /// translations.
    pub fn physical_shift_scales(&self, corners: &[[f64; 3]]) -> [f64; 6] {
        let mut s: [f64; 6] = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        for &x in corners {
            let y0 = mat_vec(&self.rotation, sub(x, self.centre));
            for (a, sa) in s.iter_mut().take(3).enumerate() {
                let mut e = [0.0; 3];
                e[a] = 1.0;
                let v = cross(e, y0);
                *sa = sa.max(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            }
        }
        for sa in s.iter_mut().take(3) {
            // A region of one point has no lever arm: any positive scale will do.
            if *sa <= 0.0 {
                *sa = 1.0;
            }
        }
        s
    }

    /// The `fixed_from_moving` rigid transform between the two frames.
    pub fn fixed_from_moving(
        &self,
        fixed: &FrameOfReference,
        moving: &FrameOfReference,
    ) -> Result<Rigid, RegistrationError> {
        let (a, b) = self.affine();
        let moving_from_fixed = Rigid::new(moving.clone(), fixed.clone(), a, b)
            .map_err(geometry("the registration result"))?;
        Ok(moving_from_fixed.inverse())
    }
}

/// Rotation angles about the x, y and z axes (LPS), degrees, for R = Rz(γ) · Ry(β) · Rx(α)
/// (x first): [α, β, γ]; β in [−90°, 90°].
pub fn rotation_angles_deg(rotation: &[[f64; 3]; 3]) -> [f64; 3] {
    let r = rotation;
    let beta = (-r[2][0]).clamp(-1.0, 1.0).asin();
    let alpha = r[2][1].atan2(r[2][2]);
    let gamma = r[1][0].atan2(r[0][0]);
    [alpha.to_degrees(), beta.to_degrees(), gamma.to_degrees()]
}

/// The angle of a rotation about its axis, degrees, in [0°, 180°].
pub fn rotation_angle_deg(rotation: &[[f64; 3]; 3]) -> f64 {
    let trace = rotation[0][0] + rotation[1][1] + rotation[2][2];
    ((trace - 1.0) / 2.0).clamp(-1.0, 1.0).acos().to_degrees()
}

/// The rotation R = Rz(γ) · Ry(β) · Rx(α) of angles [α, β, γ] in degrees (the inverse of
/// [`rotation_angles_deg`]).
pub fn rotation_from_angles_deg(angles_deg: [f64; 3]) -> [[f64; 3]; 3] {
    let [a, b, g] = angles_deg.map(f64::to_radians);
    let rx = rotation_from_vector([a, 0.0, 0.0]);
    let ry = rotation_from_vector([0.0, b, 0.0]);
    let rz = rotation_from_vector([0.0, 0.0, g]);
    mat_mul(&rz, &mat_mul(&ry, &rx))
}

/// The point of a coordinate array.
pub(crate) fn point(p: [f64; 3]) -> PointLps {
    PointLps::new(p[0], p[1], p[2])
}
