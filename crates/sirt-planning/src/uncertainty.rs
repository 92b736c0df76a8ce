//! The uncertainty of an outcome's plan (`sirtplan plan --uncertainty`): `sirt-uncertainty`'s
//! propagation with the site's rules and settings, added to the report (section
//! "Uncertainty", before "Accepted exceptions" and "Notes") and to the JSON.

use crate::{Outcome, PlanningError, SiteData};
use sirt_report::document::Block;
use sirt_uncertainty::{Options, Propagation, propagate, resolve};

impl Outcome {
    /// Propagates the spreads of the plan's inputs (the case's `[uncertainty]`, cited defaults
    /// where it has none) through the plan's doses and checks with `site`'s rules and settings
    /// (those the plan was made with), and adds the result to the report and the JSON
    /// (`interval_gy`, `probability_met`, `uncertainty`). `file` names the case in errors.
    pub fn add_uncertainty(
        &mut self,
        site: &SiteData,
        file: &str,
        options: Options,
    ) -> Result<Propagation, PlanningError> {
        let spreads = resolve(self.plan.case.uncertainty.as_ref(), &self.plan);
        let p = propagate(
            &self.plan,
            file,
            &site.rules,
            &site.settings,
            &spreads,
            options,
        )?;
        sirt_report::uncertainty::add_to_json(&mut self.json, &p);
        let lang = self.report_options.lang;
        let blocks = sirt_report::uncertainty::blocks(&self.plan, &p, lang);
        let at = self.section_end();
        self.document.blocks.splice(at..at, blocks);
        Ok(p)
    }

    /// Where the uncertainty section goes: right after the checks (the next level-1 heading or
    /// notice after the "Checks" heading: the accepted exceptions, the notes, the closing
    /// notice; the voxel part comes later).
    fn section_end(&self) -> usize {
        let checks = sirt_i18n::t!(self.report_options.lang, "report-checks");
        let blocks = &self.document.blocks;
        let start = blocks
            .iter()
            .position(|b| matches!(b, Block::Heading(1, h) if *h == checks))
            .unwrap_or(0);
        blocks
            .iter()
            .enumerate()
            .skip(start + 1)
            .find(|(_, b)| matches!(b, Block::Heading(1, _) | Block::Notice(_)))
            .map_or(blocks.len(), |(n, _)| n)
    }
}
