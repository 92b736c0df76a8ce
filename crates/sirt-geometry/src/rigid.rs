//! Rigid transforms between frames of reference, named `to_from_from` (`ct_from_spect`).
//!
//! (R1) p_to = R · p_from + t, with R a rotation (orthonormal, det +1) and t in mm.
//! (R2) inverse: p_from = Rᵀ · (p_to − t). (R3) composition: a_from_c = a_from_b ∘ b_from_c,
//! R = R_ab · R_bc, t = R_ab · t_bc + t_ab.

use crate::GeometryError;
use crate::grid::FrameOfReference;
use crate::point::PointLps;

/// A rigid transform that maps points of frame `from` to frame `to`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rigid {
    /// Target frame.
    pub to: FrameOfReference,
    /// Source frame.
    pub from: FrameOfReference,
    /// Rotation, row-major.
    pub rotation: [[f64; 3]; 3],
    /// Translation, mm.
    pub translation_mm: [f64; 3],
}

impl Rigid {
    /// The identity between two frames known to coincide (same Frame of Reference UID, or a
    /// stated identity registration).
    pub fn identity(to: FrameOfReference, from: FrameOfReference) -> Self {
        Self {
            to,
            from,
            rotation: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            translation_mm: [0.0; 3],
        }
    }

    /// A pure translation.
    pub fn translation(to: FrameOfReference, from: FrameOfReference, t_mm: [f64; 3]) -> Self {
        Self {
            translation_mm: t_mm,
            ..Self::identity(to, from)
        }
    }

    /// A transform from a rotation and a translation, checked (R orthonormal with det +1).
    pub fn new(
        to: FrameOfReference,
        from: FrameOfReference,
        rotation: [[f64; 3]; 3],
        translation_mm: [f64; 3],
    ) -> Result<Self, GeometryError> {
        let r = rotation;
        if !r
            .iter()
            .flatten()
            .chain(translation_mm.iter())
            .all(|x| x.is_finite())
        {
            return Err(GeometryError::Invalid(
                "rigid transform with a non-finite value".into(),
            ));
        }
        for a in 0..3 {
            for b in 0..3 {
                let d: f64 = (0..3).map(|k| r[a][k] * r[b][k]).sum();
                let expected = if a == b { 1.0 } else { 0.0 };
                if (d - expected).abs() > 1e-6 {
                    return Err(GeometryError::Invalid(format!(
                        "rotation is not orthonormal: {rotation:?}"
                    )));
                }
            }
        }
        let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
            - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
        if (det - 1.0).abs() > 1e-6 {
            return Err(GeometryError::Invalid(format!(
                "rotation has determinant {det}, not +1 (a reflection is not rigid)"
            )));
        }
        Ok(Self {
            to,
            from,
            rotation,
            translation_mm,
        })
    }

    /// From a row-major 4 × 4 homogeneous matrix (DICOM Frame of Reference Transformation Matrix).
    pub fn from_matrix(
        to: FrameOfReference,
        from: FrameOfReference,
        m: [[f64; 4]; 4],
    ) -> Result<Self, GeometryError> {
        if m[3] != [0.0, 0.0, 0.0, 1.0] {
            return Err(GeometryError::Invalid(format!(
                "last row of a rigid matrix must be 0 0 0 1, found {:?}",
                m[3]
            )));
        }
        let rotation = [
            [m[0][0], m[0][1], m[0][2]],
            [m[1][0], m[1][1], m[1][2]],
            [m[2][0], m[2][1], m[2][2]],
        ];
        Self::new(to, from, rotation, [m[0][3], m[1][3], m[2][3]])
    }

    /// Applies (R1).
    pub fn apply(&self, p: PointLps) -> PointLps {
        let r = &self.rotation;
        let t = &self.translation_mm;
        PointLps::new(
            r[0][0] * p.x + r[0][1] * p.y + r[0][2] * p.z + t[0],
            r[1][0] * p.x + r[1][1] * p.y + r[1][2] * p.z + t[1],
            r[2][0] * p.x + r[2][1] * p.y + r[2][2] * p.z + t[2],
        )
    }

    /// (R2): `from_to` of a `to_from`.
    pub fn inverse(&self) -> Rigid {
        let r = &self.rotation;
        let rt = [
            [r[0][0], r[1][0], r[2][0]],
            [r[0][1], r[1][1], r[2][1]],
            [r[0][2], r[1][2], r[2][2]],
        ];
        let t = &self.translation_mm;
        let ti = [
            -(rt[0][0] * t[0] + rt[0][1] * t[1] + rt[0][2] * t[2]),
            -(rt[1][0] * t[0] + rt[1][1] * t[1] + rt[1][2] * t[2]),
            -(rt[2][0] * t[0] + rt[2][1] * t[1] + rt[2][2] * t[2]),
        ];
        Rigid {
            to: self.from.clone(),
            from: self.to.clone(),
            rotation: rt,
            translation_mm: ti,
        }
    }

    /// (R3): `self` (a_from_b) after `other` (b_from_c) gives a_from_c. Fails when the frames do
    /// not chain.
    pub fn then_from(&self, other: &Rigid) -> Result<Rigid, GeometryError> {
        if self.from != other.to {
            return Err(GeometryError::FrameMismatch {
                expected: self.from.clone(),
                found: other.to.clone(),
                what: "composition of rigid transforms".into(),
            });
        }
        let a = &self.rotation;
        let b = &other.rotation;
        let mut r = [[0.0; 3]; 3];
        for (i, row) in r.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        let tb = self.apply(PointLps::new(
            other.translation_mm[0],
            other.translation_mm[1],
            other.translation_mm[2],
        ));
        Ok(Rigid {
            to: self.to.clone(),
            from: other.from.clone(),
            rotation: r,
            translation_mm: tb.to_array(),
        })
    }
}
