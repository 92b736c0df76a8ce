//! Named structures: a binary mask on the grid it was drawn on with the role it plays in a SIRT
//! plan. Image loading (`sirt-imaging`) makes them; voxel dosimetry puts them on the dose grid.
//! They live here, low in the crate graph, so that neither depends on the other.

use crate::Mask;

/// What a structure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The whole liver, tumours included: the MAA calibration region.
    Liver,
    /// Both lungs: they receive A · LSF.
    Lungs,
    /// A tumour (lesion).
    Tumour,
    /// A perfused territory (cone-beam CT) of one injection.
    Territory,
    /// Derived: liver minus tumours.
    NormalLiver,
    /// A named extrahepatic structure (stomach, duodenum, gallbladder, …): in an MAA prediction
    /// it holds its share of the counts as microspheres, and its uptake is reported.
    Extrahepatic,
    /// Any other structure (reported, not used for calibration).
    Other,
}

/// A named binary mask with its role.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// Name as shown in reports (the RT Struct ROI name, SEG segment label or label-map name).
    pub name: String,
    /// What it is for.
    pub role: Role,
    /// The mask on the grid it was drawn on.
    pub mask: Mask,
}

impl Structure {
    /// A structure.
    pub fn new(name: impl Into<String>, role: Role, mask: Mask) -> Self {
        Self {
            name: name.into(),
            role,
            mask,
        }
    }
}
