# The plan's measured inputs (sirt-report: measured.rs; sirt-planning: feed.rs): the LSF, TNRs,
# perfused volumes and masses and the lung mass, measured on the images or entered.

## Checks whose inputs were measured
measured-values-from = { $values }; inputs: { $inputs }
measured-input-lsf = LSF measured on the MAA SPECT/CT ({ $injections })
measured-input-tnr = TNR measured on the MAA SPECT/CT ({ $tumours })
measured-input-perfused = perfused volume measured on its mask ({ $injections })
measured-lsf-method = measured on the MAA SPECT/CT

## Report section
measured-heading = Measured inputs
measured-intro = Where each input the images measure came from: measured on the images (the case file leaves it out), or entered (the measurement beside it, with the difference and the reason the case file gives).
measured-lsf-heading = Lung shunt fraction
measured-tnr-heading = Tumour-to-normal ratios
measured-perfused-heading = Perfused volume and mass
measured-lung-mass-heading = Lung mass
measured-not-measured-heading = Not measured
measured-col-injection = Injection
measured-col-tumour = Tumour
measured-col-used = Used
measured-col-origin = Origin
measured-col-measured = Measured
measured-col-difference = Entered − measured
measured-col-reason = Reason
measured-col-counts-per-ml = Counts/mL tumour / normal
measured-col-normal-region = Normal liver
measured-col-mass-used = Mass used
measured-col-mass-ct = Mass from CT
measured-col-mask = Mask
measured-origin-measured = measured
measured-origin-entered = entered ({ $field })
measured-origin-parameter = plan parameter ({ $field })
measured-origin-planar = planar geometric mean (mapping.planar)
measured-no-reason = entered; no reason given
measured-points = { $value } pp
measured-lsf-counts = LSF counts
measured-lsf-counts-value = { $lungs } in { $lung_mask }, { $liver } in { $liver_mask }
measured-planar = Planar geometric mean
measured-planar-value = { $lsf } (mapping.planar): the alternative to the SPECT/CT count, which it over-estimates ({ $citation })
measured-image = Image
measured-image-value = { $image } (series { $series }); masks from { $structures }
measured-no-series = NIfTI, no series UID
measured-grid = Grid
measured-method = Method
measured-mass-used = Mass the plan uses
measured-mass-used-value = the volume × the liver density (tumours at their own mass; { $citation }); the mass from the CT densities is shown beside it
measured-mass-with-density = { $mass } at { $density } g/mL
measured-lung-mass-used = Lung mass the plan uses
measured-lung-mass-used-value = { $mass }; the decisive lung checks use the 1 kg convention the limits were set in ({ $citation })
measured-lung-mass-ct = Lung mass from the CT
measured-lung-mass-ct-value = { $mass } from the CT densities in { $mask } ({ $volume }); { $conventional } at the conventional { $density } g/mL

## sirtplan measure (sirt-cli: commands/measure.rs)
measured-cli-masses-header = Masses from the CT (Σ ρ(HU) · v over the mask's CT voxels; { $curve }):
measured-cli-mass-row = { $injection }: { $mass } from the CT, { $conventional } as volume × liver density ({ $mask })
measured-cli-lung-mass = lungs: { $mass } from the CT, { $conventional } at { $density } g/mL ({ $mask }, { $volume })
