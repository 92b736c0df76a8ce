//! One module per command (the calculators, dose, follow-up, cohort and server commands are in
//! the modules beside `commands/`).

pub(crate) mod catalogue;
pub(crate) mod measure;
pub(crate) mod optimise;
pub(crate) mod pacs;
pub(crate) mod phantom;
pub(crate) mod plan;
pub(crate) mod receive;
pub(crate) mod register;
pub(crate) mod scan;
pub(crate) mod structure;
pub(crate) mod worker;
