# cli messages (en)
# The command line's own text: the calculators (calc-), the listings and messages of the other
# commands (cli-). Numbers arrive formatted in the reader's language, with their units.

cli-error = error:
cli-caused-by = caused by:

## sirtplan scan
cli-scan-summary = { $dir }: { $files ->
        [one] { $files } file
       *[other] { $files } files
    }, { $studies ->
        [one] { $studies } study
       *[other] { $studies } studies
    }, { $series } series, { $skipped } skipped
cli-scan-study = study { $uid }  patient { $patient } ({ $name })  date { $date }{ $description }
cli-scan-series = series
cli-scan-frame = frame of reference
cli-scan-in = in
cli-scan-skipped = skipped:

## sirtplan phantom
cli-phantom-written = phantom ({ $preset }, seed { $seed }) written to { $dir }:
cli-phantom-files = { $count ->
        [one] { $count } file
       *[other] { $count } files
    }
cli-phantom-synthetic = synthetic data for research and testing only

## sirtplan measure
cli-measure-title = sirtplan measure { $case }: values measured on the MAA SPECT with the case's masks
cli-measure-lsf = Lung shunt fraction: { $lsf } (case file: { $stated })
cli-measure-lsf-counts = counts: lungs { $lungs }, liver { $liver } (masks "{ $lung_mask }" and "{ $liver_mask }" of { $structures }, SPECT { $spect })
cli-measure-tnr-header = Tumour-to-normal ratios:
    tumour inject    TNR   case  tumour/mL  normal/mL  normal liver
cli-measure-perfused-header = Perfused volumes:
    inject     measured    case file  territory mask
cli-measure-no-territory = none
cli-measure-method = Method: counts in the masks on the SPECT grid with partial-volume weights; LSF = lungs / (lungs + liver); TNR = counts per mL in the tumour / in normal liver (liver − tumours) of the injection's territory, else of the whole liver. The SPECT's resolution spills counts across borders: small tumours read low.
cli-measure-note = Research use only: check every measured value before it enters a plan.

## sirtplan devices, sirtplan rules
cli-devices-line = { $id } { $name } ({ $manufacturer }, { $material }, { $nuclide }); K { $k }; ordering { $ordering }{ $vials }; calibration: { $calibration }{ $unverified }
cli-devices-unverified = (unverified)
cli-rules-source = source: { $source }

## sirtplan serve, sirtplan admin
cli-worker-ready = sirtplan worker: { $workers } at once on database { $database }, data folder { $data }; Ctrl-C stops. Research use only.
cli-serve-ready = sirtplan serve: http://{ $addr } (database { $database }, images in { $images }); Ctrl-C stops. Research use only.
cli-admin-created = account { $username } ({ $role }) created in { $database }
cli-password = password:
cli-password-again = password again:
cli-serve-audit-chained = audit log: each row chained with HMAC-SHA-256 under the audit key from { $source }
cli-serve-audit-unprotected = WARNING: the audit log is NOT tamper-evident: no audit key (--audit-key-file FILE or SIRTPLAN_AUDIT_KEY). Rows written now carry no MAC. Make a key with `sirtplan admin create-audit-key --out FILE`.
cli-admin-audit-key-created = audit key written to { $path } (mode 0600). Keep it outside the database and its backups: without it the audit log cannot be verified; with it anyone can forge the chain.
cli-admin-verify-ok = audit log intact: { $verified ->
        [one] { $verified } row verified
       *[other] { $verified } rows verified
    }; { $unprotected ->
        [one] { $unprotected } earlier row without a MAC (written before the audit key), reported as unprotected
       *[other] { $unprotected } earlier rows without a MAC (written before the audit key), reported as unprotected
    }
cli-admin-verify-row = row { $id } ({ $action }, { $at }): { $fault }
cli-admin-verify-mismatch = the MAC does not match: the row was changed, or the chained row before it removed
cli-admin-verify-no-mac = no MAC after the chain began: written without the audit key, or its MAC removed
cli-admin-verify-unreadable = the stored MAC is not 64 hexadecimal digits
cli-admin-verify-before-chain = before the chain's first row, and not among the rows without a MAC counted when the chain began: inserted behind the application's back
cli-admin-verify-id-out-of-range = an id below 1, which the database never gives: inserted by hand
cli-admin-verify-genesis = the chain began at row { $first } with { $counted } earlier rows without a MAC; { $found } are there now: rows were inserted before the chain's first row, or removed
cli-admin-verify-head-empty = the chain's head is empty (last row with a MAC: { $last }): no row was ever written with this key, or the chain was removed and its head emptied behind the application's back
cli-admin-verify-head-mac = the chain's head (row { $head }) fails its MAC: it was changed in the database, or this key is not the database's
cli-admin-verify-head-missing = the chain's head names row { $head }, which is missing: rows at the end of the log were removed (last chained row: { $last })
cli-admin-verify-head-not-last = the chain's head names row { $head }, but the last chained row is { $last }: the head was set back, or rows were added behind the application's back
cli-admin-verify-failed = audit log: { $rows ->
        [one] { $rows } row fails
       *[other] { $rows } rows fail
    } the verification{ $head }; { $verified } verified
cli-admin-verify-failed-head = , and so does the chain's head
cli-admin-backup-done = backup of { $database } written to { $path } ({ $bytes } bytes, mode 0600)

## sirtplan dose
cli-dose-no-lungs = no --lungs structure: the lung counts keep the liver scale

## sirtplan calc
calc-mird-title = MIRD single compartment (Y-90): D = K · A · (1 − LSF) / M
calc-partition-title = Partition model (Y-90): tumour, normal liver and lung
calc-bsa-title = BSA method (resin): A = (BSA − 0.2) + V_tumour / V_liver
calc-ho166-title = Ho-166 dose rule: A = D · M / K
calc-lung-title = Lung dose: D = K · A · LSF / M_lung
calc-decay-title = Decay of { $nuclide } (T½ { $half_life }, { $source })
calc-footer = (research use only; check every number)

calc-label-perfused-mass = perfused mass
calc-label-lsf = LSF
calc-label-k = K
calc-label-administered-activity = administered activity
calc-label-vial = vial at injection
calc-label-perfused-dose = perfused dose
calc-label-perfused-dose-after-shunt = perfused dose after shunt
calc-label-lung-dose = lung dose
calc-label-lung-dose-1kg = lung dose, 1 kg convention
calc-label-cumulative-lung-dose = cumulative lung dose
calc-label-lung-activity = activity to lungs
calc-label-lung-mass = lung mass
calc-label-masses = tumour / normal mass
calc-label-binding = binding constraint
calc-label-candidates = candidates
calc-label-tumour-dose = tumour dose
calc-label-normal-liver-dose = normal-liver dose
calc-label-bsa = BSA (Du Bois)
calc-label-tumour-involvement = tumour involvement
calc-label-whole-liver-activity = whole-liver activity
calc-label-perfused-fraction = perfused fraction
calc-label-lsf-factor = LSF factor
calc-label-activity = activity
calc-label-bands = bands
calc-label-mass = mass
calc-label-device = device
calc-label-from = from
calc-label-to = to
calc-label-elapsed = elapsed
calc-label-decay-factor = decay factor
calc-label-check = check

calc-lsf-given = given
calc-lsf-planar = planar geometric mean
calc-vial = { $activity } (residual { $residual })
calc-lung-dose-with-mass = { $dose } (lung { $lung_mass })
calc-lung-mass-convention = { $mass } (1 kg TheraSphere IFU convention)
calc-k = { $k } ({ $label }: { $source })
calc-masses = { $tumour } / { $normal }, TNR { $tnr }
calc-bsa-contraindicated = none: LSF { $lsf } is above { $limit }, treatment contraindicated
calc-contraindicated = contraindicated
calc-lung-dose-not-computed = not computed (no --lsf); the rule does not subtract the lung shunt
calc-lung-dose-1kg = { $dose } (K · A · LSF / 1 kg: the convention the lung limits were set in)
calc-cumulative-lung-dose = { $total } (earlier { $earlier })
calc-at = { $instant }: { $activity }
calc-check = { $status } { $rule }: { $value }, must be { $comparison } { $threshold } ({ $source })
calc-true = true
calc-false = false


## register
cli-register-title = Rigid registration by Mattes mutual information ({ $levels } levels)
cli-register-fixed = {"  "}fixed:  { $modality } { $path } (frame { $frame })
cli-register-moving = {"  "}moving: { $modality } { $path } (frame { $frame })
cli-register-moving-through-ct = {"  "}moving: { $modality } { $path } through its CT { $ct } (frame { $frame })
cli-register-region = {"  "}region: { $region }; start: the images' centres aligned
cli-register-region-whole = the whole fixed image
cli-register-region-box = box ({ $x0 }, { $y0 }, { $z0 }) to ({ $x1 }, { $y1 }, { $z1 }) mm
cli-register-region-mask = mask { $source } ({ $voxels } voxels, { $volume }), dilated by { $margin }
cli-register-matrix = fixed_from_moving (a point in the moving series' patient coordinates → the fixed series', LPS, mm):
cli-register-translation = {"  "}translation: { $x }, { $y }, { $z } mm
cli-register-rotation = {"  "}rotation: { $x }° about x, { $y }° about y, { $z }° about z (R = Rz·Ry·Rx); { $total }° in all
cli-register-nmi = quality: normalised MI { $nmi } (at the start { $start }; 1 = independent, 2 = identical images)
cli-register-mattes = {"  "}Mattes MI { $mi } nats (at the start { $start }); correlation { $correlation } (at the start { $correlation_start }); overlap { $overlap } of the region
cli-register-level-converged = shrink { $shrink }: { $iterations } iterations (converged)
cli-register-level-not-converged = shrink { $shrink }: { $iterations } iterations (not converged)
cli-register-levels = {"  "}levels: { $levels }
cli-register-warning = warning: { $warning }
cli-register-written = written: { $path } (DICOM Spatial Registration)
cli-register-not-written = not written: see the warnings
cli-register-note = Research use only: look at the fused images before using a registration.


## pacs
cli-pacs-echo-ok = { $node } answers ({ $protocol })
cli-pacs-find-summary = { $node }: { $studies ->
        [one] { $studies } study
       *[other] { $studies } studies
    }, { $series } series
cli-pacs-study = study { $uid }  patient { $patient } ({ $name })  date { $date }  accession { $accession }{ $description }
cli-pacs-series = {"  "}series { $number }  { $modality }  { $instances ->
        [one] { $instances } instance
       *[other] { $instances } instances
    }  uid { $uid }{ $description }
cli-pacs-progress = … { $instances } instances ({ $megabytes } MB)
cli-pacs-pulled = { $count ->
        [one] { $count } instance
       *[other] { $count } instances
    } from { $node } written to { $dir }
cli-pacs-pushed = { $node }: { $stored } stored, { $refused } refused, { $skipped ->
        [one] { $skipped } file
       *[other] { $skipped } files
    } skipped (not DICOM)
cli-pacs-refused = {"  "}refused: { $path } ({ $uid }): { $reason }
cli-pacs-skipped = {"  "}skipped: { $path }: { $reason }
cli-pacs-refused-error = { $refused } of { $sent } objects refused by { $node }
cli-receive-listening = receiving as { $aet } on port { $port } into { $dir } (Ctrl-C to stop)
cli-receive-associated = association from { $calling } ({ $peer })
cli-receive-echo = C-ECHO from { $calling }
cli-receive-stored = stored { $uid } from { $calling }: { $path }
cli-receive-refused = refused { $uid } from { $calling }: status { $status } ({ $reason })
cli-receive-released = association from { $calling } released
cli-receive-failed = association from { $peer } failed: { $reason }
cli-receive-left = files land in the folder only (with --database URL --data DIR instead of --out, they are stored under their patients in the web application's store)
cli-receive-store = storing received objects under their patients: database { $database }, data folder { $data }; Ctrl-C stops. Research use only.
cli-receive-dimse-listening = DIMSE receiver: { $aet } on { $addr }
cli-receive-study-stored = stored from { $calling } ({ $peer }): study { $study } of patient { $patient }, { $series } series, { $instances } instances
cli-receive-not-stored = not stored, from { $calling } ({ $peer }): { $reason }
cli-receive-ended = association from { $calling } ended ({ $instances } objects)

## sirtplan optimise (sirt-cli: commands/optimise.rs)
cli-optimise-title = sirtplan optimise { $case }: session "{ $session }", planned { $planned }
cli-optimise-aim = Aim: the highest probability that every tumour goal of the session is met, with a probability of at most { $epsilon } that one of its dose limits is exceeded (ε { $source })
cli-optimise-epsilon-option = from --epsilon
cli-optimise-epsilon-site = from the site settings, optimisation.epsilon
cli-optimise-goals = Goals: { $goals }
cli-optimise-goal = { $injection }: { $target } ≥ { $dose }
cli-optimise-goal-combined = tumours combined
cli-optimise-goal-every = every tumour
cli-optimise-goal-named = tumour { $id }
cli-optimise-limits = Limits: { $limits }
cli-optimise-monte-carlo = Monte Carlo: { $samples } samples, seed { $seed }, the same draws for every candidate; spreads: { $spreads }
cli-optimise-spreads-case = the case's [uncertainty]
cli-optimise-spreads-case-defaults = the case's [uncertainty], cited defaults for { $defaults }
cli-optimise-spreads-defaults = the cited defaults (the case has no [uncertainty])
cli-optimise-candidates = Candidates: { $count } (every vial, calibration and activity that can be ordered on days { $from } to { $to } from the planned day); days without an order: { $without }
cli-optimise-none = none
cli-optimise-grid = Activity grid (resin, Ho-166): { $steps } steps up to { $factor } × the planned activity, where the first limit is reached with the case's own values
cli-optimise-best = Best choice: day { $day } ({ $treatment })
cli-optimise-none-feasible = No candidate keeps the probability that a limit is exceeded at or below { $epsilon }: see the trade-off table, and review the activity or the limits.
cli-optimise-planned = As planned ({ $treatment }):
cli-optimise-choice-vial = { $injection }: { $device } { $size } vial calibrated { $calibration }: { $vial } in the vial at injection, { $administered } administered
cli-optimise-choice-drawn = { $injection }: { $device }: { $administered } administered, { $fraction } drawn from { $vials } × { $size } calibrated { $calibration }
cli-optimise-choice-ordered = { $injection }: { $device }: { $ordered } ordered for { $calibration }, { $administered } administered
cli-optimise-spheres = { $millions } million spheres, { $per_sphere } per sphere at injection
cli-optimise-probabilities = P(every goal met) { $goals }; P(a limit exceeded) { $exceeded }
cli-optimise-front = Trade-off (Pareto front: no other candidate has a higher P(every goal met) without a higher P(a limit exceeded)):
cli-optimise-col-day = day
cli-optimise-col-treatment = treatment
cli-optimise-col-choice = choice
cli-optimise-col-administered = administered
cli-optimise-col-goals = P(goals)
cli-optimise-col-exceeded = P(limit)
cli-optimise-cell-vial = { $injection }: { $size } vial, cal. { $calibration }
cli-optimise-mark-best = ← best
cli-optimise-mark-above = > ε
cli-optimise-legend = {"  "}← best: the best choice; > ε: P(a limit exceeded) above { $epsilon }
cli-optimise-method = Method: each candidate's doses by the partition model, its inputs drawn from their spreads (docs/uncertainty.md, "Optimisation"); a goal is the injection's tumour dose with the ordered vial, a limit the case's; the day changes only the activity left in the vial by decay.
