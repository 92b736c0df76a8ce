//! The one error type of the analytic models: an input outside the model's domain.

use thiserror::Error;

/// An input the models cannot use. `field` names the quantity ("tumour T1 TNR",
/// "lung shunt fraction"); callers that know the file prefix it with the file and path.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{field}: expected {expected}, found {found}")]
pub struct ModelError {
    /// The quantity at fault, as a person would name it.
    pub field: String,
    /// What the model needs.
    pub expected: String,
    /// What it got.
    pub found: String,
}

impl ModelError {
    /// Builds an error.
    pub fn new(
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl ToString,
    ) -> Self {
        Self {
            field: field.into(),
            expected: expected.into(),
            found: found.to_string(),
        }
    }
}

/// Fails unless `value` is finite and > 0.
pub(crate) fn positive(field: &str, value: f64, shown: impl ToString) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ModelError::new(field, "a value greater than zero", shown))
    }
}
