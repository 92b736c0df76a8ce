# checks messages (en): the reasons a check was not evaluated, and how its note is put
# together. Variables are snake_case; numbers arrive already formatted in the reader's language.

# What fired a check (the facts), then the rule's note.
check-detail-and-note = { $detail }. { $note }

check-reason-tumour-burden-unknown = tumour burden unknown (no tumour or liver volume)
check-reason-no-bilirubin = no bilirubin value in the case labs
check-reason-tumour-volume-unknown = tumour volume unknown (mass given)
check-reason-no-activity-in-session = no activity planned in the session
check-reason-not-evaluable = not evaluable: { $why }
check-reason-no-maa-accounting = no MAA accounting
check-reason-no-imaging-date = no imaging date: the case has no mapping.date and the session no mapping_date
check-reason-no-activity-for-tumour = no activity planned for this tumour
check-reason-no-activity = no activity planned
check-reason-no-lsf = no LSF

# How the values a check compares were obtained ("values from").
values-partition = partition model at the ordered vials
values-delivered = partition model at the delivered activity (vial − residual of the delivery record)

# The facts shown with the lung checks.
check-lung-detail = lung mass used { $mass }; LSF { $lsf }
check-lung-mass-convention = { $mass } (TheraSphere IFU convention)
check-lung-mass-ct = { $mass } (CT lung volume { $volume } × { $density })
check-lung-mass-stated = { $mass } (stated)
check-lsf-of-injection = { $injection } { $lsf } ({ $method })
check-lsf-stated-on-injection = stated on the injection
check-lsf-planar = planar geometric mean
check-lsf-measured = measured on the mapping SPECT/CT

# The facts shown with the imaging-age check.
check-imaging-age-detail = imaging of { $date } ({ $from }), treatment { $treatment }: { $age } days old; site limit { $limit } days (retreatment.imaging_max_age)
check-imaging-from-session = the session's mapping_date

# How the voxel values of a check were obtained.
values-voxel = MAA SPECT voxel dosimetry at the planned activities ({ $engine }; structure mean doses, mass from the CT)
values-voxel-with-margin = MAA SPECT voxel dosimetry at the planned activities ({ $engine }; structure mean doses, mass from the CT); counts in the liver margin ({ $margins }) count as the liver's activity but stay outside the liver contour, so the voxel liver doses leave them out
values-margin-of-session = session { $session }: { $fraction }
values-pet = Y-90 PET voxel dosimetry ({ $engine }; structure mean doses, mass from the CT)
values-engine-kernel = dose-voxel kernel
values-engine-local-deposition = local deposition

# The facts shown with the voxel lung checks.
check-voxel-lung-detail = voxel mean dose of structure "{ $structure }"; the lungs hold A · LSF (planning LSF, activity-weighted over the session)
check-voxel-lung-detail-with-mass = voxel mean dose of structure "{ $structure }", lung mass { $mass } from the CT; the lungs hold A · LSF (planning LSF, activity-weighted over the session)
