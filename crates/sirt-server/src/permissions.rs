//! The permission table: which roles may take each action. The single source of what a role
//! may do; the route table ([`crate::routes`]) names the action of every endpoint, and
//! docs/server.md prints this table.

use serde::Serialize;
use sirt_store::Role;

/// What an endpoint does, for the permission check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read patients, cases, plans, reports and plan history.
    ReadClinical,
    /// Register a patient.
    CreatePatient,
    /// Change a registered patient's identity: birth date, sex and pseudonym (`PATCH
    /// /api/patients/{id}` with any of them), what case and RECIST files are matched against.
    EditPatientIdentity,
    /// Open a case for a patient.
    CreateCase,
    /// Upload images of a patient (a zip of a DICOM folder, one DICOM file, NIfTI) as a study.
    UploadImages,
    /// Import the demo case (synthetic patient, case and plan).
    ImportDemo,
    /// Create a plan version from a case file.
    CreatePlan,
    /// Change a plan's parameters (and recompute it).
    EditPlan,
    /// Compute a plan's uncertainty and optimise a session's order (`GET
    /// /api/plans/{id}/uncertainty`, `POST /api/plans/{id}/optimise`): computations that
    /// change nothing but take seconds of the server's cores.
    AnalysePlan,
    /// Check a draft plan.
    CheckPlan,
    /// Approve a checked plan.
    ApprovePlan,
    /// Record the delivery of an approved plan.
    DeliverPlan,
    /// Record a follow-up visit or an adverse event (toxicity) of a case.
    RecordFollowUp,
    /// Store a document in a case (the plan report as HTML and PDF).
    StoreDocument,
    /// Read the audit log.
    ReadAudit,
    /// List, create and change accounts (role, disabled, password).
    ManageAccounts,
    /// List, add, change, remove and test the site's PACS nodes.
    ManagePacs,
    /// Search a PACS node and retrieve series from it into a patient's studies.
    ImportFromPacs,
    /// Send an approved plan's objects (RT Dose, SEG, RT Struct, report) to a PACS node.
    SendToPacs,
}

use Role::{Admin, Physician, Physicist, Technologist, Viewer};

/// Action → roles allowed.
pub const PERMISSIONS: &[(Action, &[Role])] = &[
    (
        Action::ReadClinical,
        &[Admin, Physician, Physicist, Technologist, Viewer],
    ),
    (Action::CreatePatient, &[Physician, Physicist, Technologist]),
    (Action::EditPatientIdentity, &[Physician, Physicist]),
    (Action::CreateCase, &[Physician, Physicist]),
    (Action::UploadImages, &[Physician, Physicist, Technologist]),
    (Action::ImportDemo, &[Admin, Physician, Physicist]),
    (Action::CreatePlan, &[Physician, Physicist]),
    (Action::EditPlan, &[Physician, Physicist]),
    (Action::AnalysePlan, &[Physician, Physicist]),
    (Action::CheckPlan, &[Physicist]),
    (Action::ApprovePlan, &[Physician]),
    (Action::DeliverPlan, &[Physician, Physicist, Technologist]),
    (Action::RecordFollowUp, &[Physician]),
    (Action::StoreDocument, &[Physician, Physicist]),
    (Action::ReadAudit, &[Admin]),
    (Action::ManageAccounts, &[Admin]),
    (Action::ManagePacs, &[Admin]),
    (
        Action::ImportFromPacs,
        &[Physician, Physicist, Technologist],
    ),
    (Action::SendToPacs, &[Physician, Physicist]),
];

impl Action {
    /// The roles allowed.
    pub fn roles(self) -> &'static [Role] {
        PERMISSIONS
            .iter()
            .find(|(a, _)| *a == self)
            .map_or(&[], |(_, r)| *r)
    }

    /// Whether `role` may take this action.
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// The name in messages and in `GET /api/session`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ReadClinical => "read_clinical",
            Action::CreatePatient => "create_patient",
            Action::EditPatientIdentity => "edit_patient_identity",
            Action::CreateCase => "create_case",
            Action::UploadImages => "upload_images",
            Action::ImportDemo => "import_demo",
            Action::CreatePlan => "create_plan",
            Action::EditPlan => "edit_plan",
            Action::AnalysePlan => "analyse_plan",
            Action::CheckPlan => "check_plan",
            Action::ApprovePlan => "approve_plan",
            Action::DeliverPlan => "deliver_plan",
            Action::RecordFollowUp => "record_follow_up",
            Action::StoreDocument => "store_document",
            Action::ReadAudit => "read_audit",
            Action::ManageAccounts => "manage_accounts",
            Action::ManagePacs => "manage_pacs",
            Action::ImportFromPacs => "import_from_pacs",
            Action::SendToPacs => "send_to_pacs",
        }
    }
}

/// The actions a role may take.
pub fn actions_of(role: Role) -> Vec<Action> {
    PERMISSIONS
        .iter()
        .filter(|(_, roles)| roles.contains(&role))
        .map(|(a, _)| *a)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_in_the_table_once() {
        let all = [
            Action::ReadClinical,
            Action::CreatePatient,
            Action::EditPatientIdentity,
            Action::CreateCase,
            Action::UploadImages,
            Action::ImportDemo,
            Action::CreatePlan,
            Action::EditPlan,
            Action::AnalysePlan,
            Action::CheckPlan,
            Action::ApprovePlan,
            Action::DeliverPlan,
            Action::RecordFollowUp,
            Action::StoreDocument,
            Action::ReadAudit,
            Action::ManageAccounts,
            Action::ManagePacs,
            Action::ImportFromPacs,
            Action::SendToPacs,
        ];
        for a in all {
            assert_eq!(
                PERMISSIONS.iter().filter(|(b, _)| *b == a).count(),
                1,
                "{a:?}"
            );
        }
        assert_eq!(PERMISSIONS.len(), all.len());
    }

    #[test]
    fn separation_of_duties() {
        assert_eq!(Action::CheckPlan.roles(), &[Role::Physicist]);
        assert_eq!(Action::ApprovePlan.roles(), &[Role::Physician]);
        assert!(!Action::EditPlan.allows(Role::Viewer));
        assert!(!Action::ApprovePlan.allows(Role::Technologist));
        assert_eq!(actions_of(Role::Viewer), [Action::ReadClinical]);
        assert_eq!(Action::ManageAccounts.roles(), &[Role::Admin]);
    }
}
