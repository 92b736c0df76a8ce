//! The phantom's anatomy: analytic shapes in LPS millimetres (patient centre at the origin;
//! +x left, +y posterior, +z superior), classified at each point.

use sirt_geometry::PointLps;

/// An axis-aligned ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Ellipsoid {
    /// Centre, LPS mm.
    pub centre: [f64; 3],
    /// Semi-axes along x, y, z, mm.
    pub semi_axes: [f64; 3],
}

impl Ellipsoid {
    /// Whether `p` is inside.
    pub fn contains(&self, p: PointLps) -> bool {
        let q = p.to_array();
        (0..3)
            .map(|c| ((q[c] - self.centre[c]) / self.semi_axes[c]).powi(2))
            .sum::<f64>()
            <= 1.0
    }

    /// A sphere.
    pub fn sphere(centre: [f64; 3], radius: f64) -> Self {
        Self {
            centre,
            semi_axes: [radius; 3],
        }
    }

    /// Volume, mL.
    pub fn volume_ml(&self) -> f64 {
        4.0 / 3.0 * std::f64::consts::PI * self.semi_axes.iter().product::<f64>() / 1000.0
    }
}

/// One tumour of the phantom.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TumourSpec {
    /// Identifier ("T1").
    pub id: String,
    /// Couinaud segment it sits in.
    pub segment: String,
    /// The sphere.
    pub shape: Ellipsoid,
    /// Radius of a necrotic (non-perfused) core, mm; 0 for none.
    pub necrotic_radius_mm: f64,
    /// Tumour-to-normal ratio of MAA concentration (viable tumour).
    pub tnr_maa: f64,
    /// Tumour-to-normal ratio of Y-90 concentration in the delivered distribution.
    pub tnr_y90: f64,
}

/// What a point of the phantom is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Tissue {
    /// Outside the body.
    Air,
    /// Body soft tissue (everything else inside the body).
    Body,
    /// Vertebral bone.
    Bone,
    /// Lung.
    Lung,
    /// Stomach wall and content.
    Stomach,
    /// Non-tumoural liver.
    Liver,
    /// Viable tumour n (index into the tumour list).
    Tumour(usize),
    /// Necrotic core of tumour n.
    Necrosis(usize),
}

/// The anatomy of a phantom.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Anatomy {
    /// Body outline: elliptic cylinder (x, y semi-axes) along z, centre (x, y).
    pub body_centre_xy: [f64; 2],
    /// Body semi-axes, mm.
    pub body_semi_axes_xy: [f64; 2],
    /// Spine: cylinder along z.
    pub spine_centre_xy: [f64; 2],
    /// Spine radius, mm.
    pub spine_radius_mm: f64,
    /// Liver as a union of ellipsoids.
    pub liver: Vec<Ellipsoid>,
    /// Lungs.
    pub lungs: Vec<Ellipsoid>,
    /// Stomach.
    pub stomach: Ellipsoid,
    /// Tumours.
    pub tumours: Vec<TumourSpec>,
    /// Cantlie plane x (right lobe at smaller x), mm.
    pub cantlie_x: f64,
    /// Falciform plane x (segment IV between Cantlie and falciform), mm.
    pub falciform_x: f64,
    /// Right anterior (V, VIII: smaller y) / posterior (VI, VII) split, y mm.
    pub right_sector_y: f64,
    /// Portal plane z (superior segments above), mm.
    pub portal_z: f64,
    /// Caudate lobe (segment I), inside the liver.
    pub caudate: Ellipsoid,
    /// A small extrahepatic MAA deposit (gastric wall).
    pub gi_deposit: Ellipsoid,
}

impl Anatomy {
    /// The standard phantom: an adult abdomen with a bilobar NET-like tumour load.
    pub fn standard() -> Self {
        let radius = |ml: f64| (3.0 * ml * 1000.0 / (4.0 * std::f64::consts::PI)).cbrt();
        let t = |id: &str,
                 segment: &str,
                 centre: [f64; 3],
                 ml: f64,
                 necrosis: f64,
                 tnr_maa: f64,
                 tnr_y90: f64| TumourSpec {
            id: id.into(),
            segment: segment.into(),
            shape: Ellipsoid::sphere(centre, radius(ml)),
            necrotic_radius_mm: necrosis,
            tnr_maa,
            tnr_y90,
        };
        Self {
            body_centre_xy: [0.0, 5.0],
            body_semi_axes_xy: [165.0, 115.0],
            spine_centre_xy: [0.0, 85.0],
            spine_radius_mm: 20.0,
            liver: vec![
                Ellipsoid {
                    centre: [-55.0, 10.0, 10.0],
                    semi_axes: [85.0, 75.0, 70.0],
                },
                Ellipsoid {
                    centre: [30.0, -15.0, 25.0],
                    semi_axes: [60.0, 45.0, 40.0],
                },
            ],
            lungs: vec![
                Ellipsoid {
                    centre: [-75.0, 20.0, 140.0],
                    semi_axes: [60.0, 75.0, 85.0],
                },
                Ellipsoid {
                    centre: [75.0, 20.0, 140.0],
                    semi_axes: [55.0, 75.0, 85.0],
                },
            ],
            stomach: Ellipsoid {
                centre: [85.0, -25.0, 35.0],
                semi_axes: [38.0, 30.0, 35.0],
            },
            tumours: vec![
                t("T1", "VII", [-95.0, 40.0, 40.0], 62.0, 0.0, 3.0, 2.4),
                t("T2", "VI", [-100.0, 35.0, -25.0], 24.0, 8.0, 3.5, 4.2),
                t("T3", "VIII", [-40.0, -15.0, 45.0], 9.0, 0.0, 2.2, 1.6),
                t("T4", "II", [45.0, -20.0, 38.0], 18.0, 0.0, 3.0, 3.3),
                t("T5", "III", [55.0, -25.0, 5.0], 1.4, 0.0, 1.8, 2.5),
                t("T6", "V", [-45.0, -35.0, -20.0], 0.9, 0.0, 4.0, 2.0),
            ],
            cantlie_x: -15.0,
            falciform_x: 20.0,
            right_sector_y: 15.0,
            portal_z: 15.0,
            caudate: Ellipsoid {
                centre: [0.0, 40.0, 5.0],
                semi_axes: [14.0, 12.0, 22.0],
            },
            gi_deposit: Ellipsoid::sphere([70.0, -48.0, 30.0], 7.0),
        }
    }

    fn in_body(&self, p: PointLps) -> bool {
        let dx = (p.x - self.body_centre_xy[0]) / self.body_semi_axes_xy[0];
        let dy = (p.y - self.body_centre_xy[1]) / self.body_semi_axes_xy[1];
        dx * dx + dy * dy <= 1.0
    }

    /// The tissue at a point (priority: tumour, liver, stomach, lung, bone, body).
    pub fn tissue_at(&self, p: PointLps) -> Tissue {
        if !self.in_body(p) {
            return Tissue::Air;
        }
        let in_liver = self.liver.iter().any(|e| e.contains(p));
        if in_liver {
            for (n, t) in self.tumours.iter().enumerate() {
                if t.shape.contains(p) {
                    let c = t.shape.centre;
                    let r2 = (p.x - c[0]).powi(2) + (p.y - c[1]).powi(2) + (p.z - c[2]).powi(2);
                    return if r2 <= t.necrotic_radius_mm.powi(2) {
                        Tissue::Necrosis(n)
                    } else {
                        Tissue::Tumour(n)
                    };
                }
            }
            return Tissue::Liver;
        }
        if self.stomach.contains(p) {
            return Tissue::Stomach;
        }
        if self.lungs.iter().any(|e| e.contains(p)) {
            return Tissue::Lung;
        }
        let (dx, dy) = (p.x - self.spine_centre_xy[0], p.y - self.spine_centre_xy[1]);
        if dx * dx + dy * dy <= self.spine_radius_mm.powi(2) {
            return Tissue::Bone;
        }
        Tissue::Body
    }

    /// Couinaud segment (1–8) of a liver point, simplified by planes: I caudate; II/III left
    /// lateral above/below the portal plane; IV between Cantlie and falciform planes; V/VIII right
    /// anterior below/above; VI/VII right posterior below/above.
    pub fn segment_at(&self, p: PointLps) -> u8 {
        if self.caudate.contains(p) {
            return 1;
        }
        let superior = p.z >= self.portal_z;
        if p.x >= self.falciform_x {
            return if superior { 2 } else { 3 };
        }
        if p.x >= self.cantlie_x {
            return 4;
        }
        let anterior = p.y < self.right_sector_y;
        match (anterior, superior) {
            (true, false) => 5,
            (false, false) => 6,
            (false, true) => 7,
            (true, true) => 8,
        }
    }
}
