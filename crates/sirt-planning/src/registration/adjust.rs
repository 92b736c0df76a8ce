//! A transform adjusted by hand: a nudge (rotation about a point of the fixed image, then a
//! translation, both in the fixed image's patient coordinates) composed with a registration's
//! `fixed_from_moving`; and a transform given as a matrix, checked to be rigid.

use super::RegisterError;
use sirt_geometry::{FrameOfReference, PointLps, Rigid};

/// What a rigid transform's matrix must be, in messages.
const RIGID_MATRIX: &str = "a rigid transform: 4 rows of 4 finite numbers, the upper-left 3 × 3 \
     an orthonormal rotation (R·Rᵀ = I within 1e-6, determinant +1), the last row 0 0 0 1";

/// A manual adjustment in the fixed image's patient coordinates (LPS, mm): a rotation about
/// `centre` (angles about x, y, z with R = Rz·Ry·Rx, as `sirt_registration::rotation_angles_deg`
/// prints them), then a translation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nudge {
    /// The point the rotation turns about (the centre of the view, in the fixed image).
    pub centre: PointLps,
    /// Rotation angles about x, y, z, degrees.
    pub rotation_deg: [f64; 3],
    /// Translation, mm.
    pub translation_mm: [f64; 3],
}

/// `fixed_from_moving` moved by `nudge` in the fixed coordinates: p ↦ N(T(p)) with
/// N(q) = R (q − c) + c + t; so the new rotation is R·R_T and the new translation
/// R (t_T − c) + c + t.
pub fn nudged(fixed_from_moving: &Rigid, nudge: &Nudge) -> Result<Rigid, RegisterError> {
    let r = sirt_registration::rotation_from_angles_deg(nudge.rotation_deg);
    let a = &fixed_from_moving.rotation;
    let c = [nudge.centre.x, nudge.centre.y, nudge.centre.z];
    let rotation: [[f64; 3]; 3] =
        std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| r[i][k] * a[k][j]).sum()));
    let shifted: [f64; 3] = std::array::from_fn(|k| fixed_from_moving.translation_mm[k] - c[k]);
    let translation: [f64; 3] = std::array::from_fn(|i| {
        (0..3).map(|k| r[i][k] * shifted[k]).sum::<f64>() + c[i] + nudge.translation_mm[i]
    });
    Rigid::new(
        fixed_from_moving.to.clone(),
        fixed_from_moving.from.clone(),
        rotation,
        translation,
    )
    .map_err(|e| RegisterError::NotRigid {
        field: "nudge".into(),
        expected: RIGID_MATRIX,
        found: e.to_string(),
    })
}

/// The 4 × 4 matrix of a rigid transform, row-major, translation in the fourth column.
pub fn matrix(r: &Rigid) -> [[f64; 4]; 4] {
    let m = &r.rotation;
    let t = &r.translation_mm;
    [
        [m[0][0], m[0][1], m[0][2], t[0]],
        [m[1][0], m[1][1], m[1][2], t[1]],
        [m[2][0], m[2][1], m[2][2], t[2]],
        [0.0, 0.0, 0.0, 1.0],
    ]
}

/// `fixed_from_moving` from a matrix given by a person or a page (`field` names it in
/// messages), refused unless rigid.
pub fn rigid_from_matrix(
    m: [[f64; 4]; 4],
    fixed: FrameOfReference,
    moving: FrameOfReference,
    field: &str,
) -> Result<Rigid, RegisterError> {
    Rigid::from_matrix(fixed, moving, m).map_err(|e| RegisterError::NotRigid {
        field: field.into(),
        expected: RIGID_MATRIX,
        found: format!("{m:?} ({e})"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn frames() -> (FrameOfReference, FrameOfReference) {
        (
            FrameOfReference("fixed".into()),
            FrameOfReference("moving".into()),
        )
    }

    /// A quarter turn about z through (10, 0, 0) then 5 mm along x, after a 3 mm shift along
    /// y: worked by hand on two points.
    #[test]
    fn a_nudge_turns_about_its_centre_then_shifts() {
        let (f, m) = frames();
        let t = Rigid::translation(f, m, [0.0, 3.0, 0.0]);
        let n = Nudge {
            centre: PointLps::new(10.0, 0.0, 0.0),
            rotation_deg: [0.0, 0.0, 90.0],
            translation_mm: [5.0, 0.0, 0.0],
        };
        let a = nudged(&t, &n).unwrap();
        // (10, −3, 0) → T → (10, 0, 0), the centre: fixed by the turn → + (5, 0, 0).
        let p = a.apply(PointLps::new(10.0, -3.0, 0.0));
        assert!(p.distance(PointLps::new(15.0, 0.0, 0.0)) < 1e-12, "{p:?}");
        // (11, −3, 2) → (11, 0, 2) → 1 mm along x from the centre turns to 1 mm along y:
        // (10, 1, 2) → (15, 1, 2).
        let q = a.apply(PointLps::new(11.0, -3.0, 2.0));
        assert!(q.distance(PointLps::new(15.0, 1.0, 2.0)) < 1e-12, "{q:?}");
    }

    #[test]
    fn a_matrix_that_is_not_rigid_is_refused_naming_the_field() {
        let (f, m) = frames();
        let mut scaled = matrix(&Rigid::identity(f.clone(), m.clone()));
        scaled[0][0] = 1.01;
        let e = rigid_from_matrix(scaled, f.clone(), m.clone(), "fixed_from_moving").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("field `fixed_from_moving`: expected a rigid transform"),
            "{e}"
        );
        let mut last = matrix(&Rigid::identity(f.clone(), m.clone()));
        last[3][0] = 0.5;
        assert!(rigid_from_matrix(last, f.clone(), m.clone(), "x").is_err());
        let mut mirror = matrix(&Rigid::identity(f.clone(), m.clone()));
        mirror[2][2] = -1.0;
        assert!(rigid_from_matrix(mirror, f, m, "x").is_err());
    }
}
