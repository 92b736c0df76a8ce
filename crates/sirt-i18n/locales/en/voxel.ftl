# voxel messages (en): the voxel sections of a report (voxel-), DVH tables and plots (dvh-),
# the figures (figure-).
# Variables are snake_case; numbers arrive already formatted in the reader's language.

## Roles of structures.
voxel-role-liver = liver
voxel-role-lungs = lungs
voxel-role-tumour = tumour
voxel-role-territory = territory
voxel-role-normal-liver = normal liver
voxel-role-extrahepatic = extrahepatic
voxel-role-other = other

## The per-structure table of one dosimetry.
voxel-col-structure = Structure
voxel-col-role = Role
voxel-col-volume-ml = Volume (mL)
voxel-col-mass-g = Mass (g)
voxel-col-activity-mbq = A₀ (MBq)
voxel-col-mean-gy = Mean (Gy)
voxel-col-max-gy = Max (Gy)
voxel-col-partition-gy = Partition (Gy)
voxel-col-voxel-vs-partition = Voxel vs partition
voxel-col-note = Note
voxel-small-lesion = < 2 mL: partial volume
voxel-dose-grid = Dose grid
voxel-dose-grid-value = { $nx } × { $ny } × { $nz } voxels of { $sx } × { $sy } × { $sz } mm
voxel-activity-in-map = Activity in the map (A₀)
voxel-k = K
voxel-k-value = { $k } ({ $label }: { $source })
voxel-accounting-intro = Activity accounting of the MAA prediction: the liver and the counts within the liver margin (SPECT spill-out) hold A (1 − LSF − f_EH), the lungs A · LSF, each named extrahepatic structure A · f_i (its share of the liver, margin and extrahepatic counts); other counts are not microspheres and are left out of the map.
voxel-administered = Administered
voxel-in-map = In the map
voxel-in-map-value = { $activity } ({ $percent } of administered)
voxel-liver-and-margin = Liver and margin
voxel-lungs = Lungs
voxel-extrahepatic-named = Extrahepatic (named)
voxel-counts = Counts
voxel-counts-value = liver { $liver }, margin ({ $margin_mm }) { $margin }, lungs { $lungs }, extrahepatic { $extrahepatic }, excluded { $excluded }
voxel-col-extrahepatic-structure = Extrahepatic structure
voxel-col-activity-mbq-long = Activity (MBq)
voxel-col-share-administered = Share of administered
voxel-weighting-note = Mean, D_x and max are mass-weighted over the structure's partial-volume fractions on the dose grid; a border voxel weighs the density of its part inside the structure (the CT voxels inside both), and that part gets the voxel's energy per mL over its own density. Partition = K · A / M from the same masks (uniform uptake); with local deposition it equals the voxel mean, with the kernel the difference is the energy crossing the structure's border. Volumes are as drawn.

## Predicted vs delivered.
voxel-verification-heading = Predicted (MAA SPECT) vs delivered (Y-90 PET)
voxel-col-predicted-gy = Predicted (Gy)
voxel-col-delivered-gy = Delivered (Gy)
voxel-col-delivered-over-predicted = Delivered / predicted
voxel-tumours-compared = Tumours compared
voxel-bias = Bias (delivered − predicted)
voxel-bias-value = { $bias }, limits of agreement { $low } to { $high }
voxel-relative-bias = Relative bias
voxel-relative-bias-value = { $bias }, limits { $low } to { $high }
voxel-no-bland-altman = Fewer than two tumours matched: no Bland–Altman summary.
voxel-unmatched = Structures present on one side only: { $names }.

## The stand-alone document of one dosimetry (sirtplan dose).
voxel-document-title = sirtplan voxel dosimetry
voxel-document-section = Dose per structure

## The voxel part of a plan's report.
voxel-heading = Voxel dosimetry
voxel-session-predicted = Session { $session }: predicted from the MAA SPECT at the planned activities
voxel-plan-vs-voxel-intro = Session { $session }: the plan's partition-model doses (case volumes and TNR, ordered vials) against the voxel means from the images. The partition model assumes uniform uptake in each compartment; the voxel means use the SPECT as it is (blur, heterogeneity).
voxel-col-compartment = Compartment
voxel-col-plan-partition-gy = Plan, partition model (Gy)
voxel-col-voxel-mean-gy = Voxel mean (Gy)
voxel-col-voxel-over-plan = Voxel / plan
voxel-row-tumour = tumour { $id }
voxel-row-ntad = whole non-tumoural liver (NTAD)
voxel-row-lungs = lungs
voxel-session-delivered = Session { $session }: delivered, from the Y-90 PET
voxel-compared-at-delivered = The prediction compared is the MAA SPECT scaled to the delivered activity of the case's delivery record ({ $in_map } in the map, accounted as above), so that the differences are those of the distribution, not of the activity. The PET's own activity is { $pet }.
voxel-compared-at-planned = The case has no delivery record: the prediction compared is at the planned activity, so the differences include those of the activity.

## DVH figures and files.
dvh-figure-predicted-title = Session { $session }: cumulative DVH, predicted from the MAA SPECT at the planned activities
dvh-figure-predicted-caption = Session { $session }: cumulative dose–volume histograms of the MAA-predicted dose at the planned activities (mass-weighted, % of each structure).
dvh-figure-overlay-title = Session { $session }: cumulative DVH, predicted (solid) vs delivered (dashed)
dvh-figure-overlay-caption-at-delivered = Session { $session }: cumulative dose–volume histograms of the MAA prediction at the delivered activity (solid) and of the delivered dose from the Y-90 PET (dashed).
dvh-figure-overlay-caption-at-planned = Session { $session }: cumulative dose–volume histograms of the MAA prediction at the planned activities (solid) and of the delivered dose from the Y-90 PET (dashed).
dvh-predicted = predicted
dvh-delivered = delivered
dvh-solid = solid
dvh-dashed = dashed
dvh-default-title = Cumulative dose–volume histograms
dvh-axis-dose = Dose (Gy)
dvh-axis-volume = Volume (%)
dvh-file-title = Cumulative DVH
dvh-file-title-predicted = Session { $session }: cumulative DVH
dvh-file-title-delivered = Session { $session }: delivered cumulative DVH
dvh-file-title-at-delivered = Session { $session }: MAA prediction at the delivered activity (solid) vs Y-90 PET (dashed)

## DVH metrics as a table.
dvh-metrics-title = Dose–volume metrics
dvh-col-structure = structure
dvh-col-weighting = weighting
dvh-col-volume-ml = volume (mL)
dvh-col-mass-kg = mass (kg)
dvh-col-mean-gy = mean (Gy)
dvh-col-min-gy = min (Gy)
dvh-col-max-gy = max (Gy)
dvh-weighting-mass = mass
dvh-weighting-volume = volume
dvh-doses-heading = Volume, mass and doses
dvh-vx-heading = Volume receiving at least x Gy
dvh-definitions = D_x: the minimum dose to the hottest x % of the structure, at the DVH bin ({ $bins }); V_x: the percentage of the structure receiving at least x Gy. Weighting "mass": by voxel mass from the density map; "volume": by voxel volume.

## The Bland–Altman plot.
figure-ba-title = Session { $session }: tumour mean doses, delivered − predicted
figure-ba-caption = Session { $session }: Bland–Altman plot of the mean doses of { $count } { $count ->
        [one] tumour
       *[other] tumours
    }, delivered (Y-90 PET) − predicted (MAA SPECT): bias { $bias } (solid), 95 % limits of agreement { $low } to { $high } (dashed, bias ± 1.96 SD).
figure-ba-axis-mean = Mean of predicted and delivered (Gy)
figure-ba-axis-difference = Delivered − predicted (Gy)
figure-ba-bias = bias { $value }
figure-ba-upper = +1.96 SD { $value }
figure-ba-lower = −1.96 SD { $value }
figure-ba-point = { $name }: predicted { $predicted }, delivered { $delivered }

## Dose slices.
figure-slice-isodose = Isodose:
figure-slice-outlines = Outlines:
figure-slice-tumours = tumours
figure-slice-footer = CT window { $low }/{ $high } HU; dose wash from { $floor }
figure-plane-axial = axial
figure-plane-coronal = coronal
figure-sense-superior = superior positive
figure-sense-posterior = posterior positive
figure-view-axial = radiological view (patient's right on the left, anterior at the top)
figure-view-coronal = seen from the front (patient's right on the left, superior at the top)
figure-short-predicted = predicted (MAA)
figure-short-delivered = delivered (Y-90 PET)
figure-short-at-delivered = predicted at delivered activity
figure-dose-predicted = predicted dose (MAA SPECT, planned activities)
figure-dose-delivered = delivered dose (Y-90 PET)
figure-dose-at-delivered = predicted dose at the delivered activity (MAA SPECT)
figure-through-tumour = tumour { $name }
figure-slice-title = Session { $session } · { $dose } · { $through } · { $plane } { $axis } = { $position }
figure-slice-caption = Session { $session }, { $dose }: { $plane } slice through { $through } (its largest cross-section) at { $axis } = { $position } (LPS, { $sense }), { $view }; CT window { $ct_low }/{ $ct_high } HU; dose wash 0–{ $scale_max } (none below { $floor }); isodose lines { $levels }; outlines { $outlines }.
figure-slices-failed = The slice figures could not be made: { $error }.

## Notes of the voxel dosimetry pipeline (sirt-voxel-dosimetry)
voxel-note-maa = MAA-predictive: A { $administered }; liver holds A(1 − LSF − f_EH) = { $liver } ({ $per_count } MBq/count), lungs A · LSF = { $lungs } (LSF { $lsf }), named extrahepatic structures { $extrahepatic }; the map holds { $in_map }
voxel-note-maa-with-margin = MAA-predictive: A { $administered }; liver and its margin hold A(1 − LSF − f_EH) = { $liver } ({ $per_count } MBq/count), lungs A · LSF = { $lungs } (LSF { $lsf }), named extrahepatic structures { $extrahepatic }; the map holds { $in_map }
voxel-note-lungs-uniform = lungs hold A · LSF uniformly over the lung mask
voxel-note-no-lung-mask = no lung mask: the lung dose comes from the LSF model; counts there are left out unless within the liver margin
voxel-note-margin-counts = { $fraction } of the counts lie within { $margin } of the liver (SPECT spill-out) and count as liver
voxel-note-excluded-counts = { $fraction } of the counts lie outside the liver, lungs and named extrahepatic structures: not microspheres (free pertechnetate, thyroid, kidneys, unnamed bowel, …), left out of the map
voxel-note-excluded-counts-with-margin = { $fraction } of the counts lie outside the liver and its margin, lungs and named extrahepatic structures: not microspheres (free pertechnetate, thyroid, kidneys, unnamed bowel, …), left out of the map
voxel-note-negative-counts = { $counts } negative counts set to 0
voxel-note-pet-calibration = PET Bq/mL × { $voxel_ml } per voxel, decay-corrected over { $hours } from { $reference } back to the administration { $administration } (× { $factor })
voxel-note-self-calibrated = self-calibrated: the region holds the delivered { $delivered } ({ $scale } MBq per image unit)
voxel-note-uniform-density = uniform density { $density } (no CT)
voxel-note-density-mean = mean density of the CT voxels in each dose voxel
voxel-note-density-trilinear = trilinear interpolation of the CT density
voxel-note-density-from-ct = density from the CT: { $source }; { $how }
voxel-note-outside-ct = { $count } dose voxels lie outside the CT field of view: { $density } assumed there
voxel-note-dose-engine = dose engine: { $engine }
voxel-note-energy = energy: { $emitted } emitted, { $tissue } deposited in tissue, { $air } in air, { $outside } left the grid

## Radiobiology (information) (sirt-report: radiobiology.rs)
rb-heading = Radiobiology (information)
rb-intro = Information, not a rule: no limit or goal is checked on these values. BED by Dale's formula for a permanent implant, voxel by voxel ({ $nuclide }, half-life { $half_life }, no biological washout of microspheres; mono-exponential repair), EQD2 = BED / (1 + 2 Gy / (α/β)), gEUD = Niemierko's generalised EUD of the BED map. Published fits are shown with their source, evidence and confidence; their BED may rest on other α/β and repair half-times than those used here, and dose–response at the voxel scale does not capture the microscopic dose of microspheres.
rb-col-tissue = Tissue
rb-col-mean-dose = Mean dose (Gy)
rb-col-mean-bed = Mean BED (Gy)
rb-col-mean-eqd2 = Mean EQD2 (Gy)
rb-col-geud = gEUD of BED (Gy)
rb-geud-value = { $value } (a = { $a })
rb-col-fit = Published fit
rb-col-value = Value here (Gy)
rb-col-probability = Probability
rb-col-evidence = Evidence
rb-no-slope = not evaluated: no slope in the source
rb-without-parameters = No tissue parameters for: { $names }.
rb-failed = The radiobiology could not be computed: { $error }
rb-title-at-delivered = Session { $session }: MAA prediction at the delivered activity
rb-source-tissue = { $tissue }: { $source } — { $evidence }
rb-source-eud = { $tissue }, gEUD a = { $a }: { $source }
rb-source-fit = { $fit } ({ $endpoint }): { $source }
rb-source-fit-confidence = { $fit } ({ $endpoint }): { $source }; confidence: { $confidence }.
