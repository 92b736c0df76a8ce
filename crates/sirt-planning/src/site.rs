//! The data a site plans with: the embedded device catalogue and rule set, with the site's own
//! files merged in (adding, overriding or disabling entries; docs/rules.md), and the site
//! settings (`--site FILE`; docs/site-settings.md).

use crate::PlanningError;
use sirt_devices::Catalogue;
use sirt_rules::RuleSet;
use sirt_settings::SiteSettings;

/// A site file's text and the name its errors carry (usually its path). The caller reads it.
#[derive(Debug, Clone, Copy)]
pub struct SiteFile<'a> {
    /// Name in messages.
    pub name: &'a str,
    /// The TOML text.
    pub text: &'a str,
}

/// The device catalogue and rule set a plan is made with.
#[derive(Debug, Clone)]
pub struct SiteData {
    /// The device catalogue.
    pub devices: Catalogue,
    /// The rule set.
    pub rules: RuleSet,
    /// The site settings (defaults unless a settings file was read).
    pub settings: SiteSettings,
}

impl SiteData {
    /// The embedded catalogue and rules (`sirtplan plan` without site files).
    pub fn embedded() -> Result<Self, PlanningError> {
        Ok(Self {
            devices: Catalogue::embedded().map_err(PlanningError::EmbeddedDevices)?,
            rules: RuleSet::embedded().map_err(PlanningError::EmbeddedRules)?,
            settings: SiteSettings::default(),
        })
    }

    /// The embedded data with site device catalogues and rule files merged in, in order.
    pub fn with_site_files(
        devices: &[SiteFile<'_>],
        rules: &[SiteFile<'_>],
    ) -> Result<Self, PlanningError> {
        let mut site = Self::embedded()?;
        for f in devices {
            site.merge_devices(*f)?;
        }
        for f in rules {
            site.merge_rules(*f)?;
        }
        Ok(site)
    }

    /// Merges a site device catalogue (adding or replacing devices by id).
    pub fn merge_devices(&mut self, file: SiteFile<'_>) -> Result<(), PlanningError> {
        self.devices
            .merge_toml(file.text, file.name)
            .map_err(PlanningError::SiteDevices)
    }

    /// Plans a validated case with the site's devices, rules and settings (event profile,
    /// imaging age limit: the partition and delivered checks; the voxel checks are added with
    /// the voxel part).
    pub fn plan(
        &self,
        case: &sirt_case::Case,
        file: &str,
    ) -> Result<sirt_workflow::Plan, sirt_workflow::PlanError> {
        sirt_workflow::plan_for_site(case, &self.devices, &self.rules, &self.settings, file)
    }

    /// Reads a site settings file over the defaults (replacing settings read before).
    pub fn read_settings(&mut self, file: SiteFile<'_>) -> Result<(), PlanningError> {
        self.settings =
            SiteSettings::from_toml(file.text, file.name).map_err(PlanningError::SiteSettings)?;
        Ok(())
    }

    /// Merges a site rule file (adding, replacing or disabling rules by id).
    pub fn merge_rules(&mut self, file: SiteFile<'_>) -> Result<(), PlanningError> {
        self.rules
            .merge_toml(file.text, file.name)
            .map_err(PlanningError::SiteRules)
    }
}
