# notes messages (en): the notes of a plan (defaults used, unverified data, history), the
# reasons an injection has no activity, the treatment history in words.
# Variables are snake_case; numbers arrive already formatted in the reader's language.

note-default-liver-density = Liver and tumour density { $density } is the default (TheraSphere dosimetry convention [R]); state liver.density to change it.
note-lung-mass-convention = Lung mass 1 kg by the TheraSphere IFU convention; give lungs.ct_volume for a CT-derived mass.
note-lung-mass-from-ct = Lung mass { $mass } from the CT lung volume; the TheraSphere label's 0.61 GBq-to-lung limit equals 30 Gy only for 1 kg with K = 50.
note-calibration-unverified = { $device } calibration schedule and usable window are unverified catalogue values ({ $source }); check them against the current IFU.
note-tumour-doses-maa-predicted = Tumour doses are 99mTc-MAA predictions (partition model, uniform uptake per compartment); MAA predicts tumour dose poorly: verify with post-treatment imaging.
note-earlier-sirt-without-ntad = Earlier SIRT of { $dates } without a recorded whole-liver NTAD (earlier_treatments.whole_liver_ntad): counted as 0 Gy, so the cumulative whole-liver NTAD is a lower bound.

# Why an injection has no activity, why a session's whole-liver NTAD is not evaluable.
note-lsf-above-last-band = LSF { $lsf } is above the last resin reduction band: treatment contraindicated
note-limit-already-reached = the { $limit } is already reached by the earlier treatments and the activities fixed in this session
note-mird-without-tumours = MIRD injection { $injections } has no tumours assigned: if its territory holds tumours, its perfused mass counts their tissue as normal liver; list the territory's tumours (injections.tumours) to evaluate the whole-liver NTAD
note-delivery-record-missing = injection { $injections } of the session has no delivery record: the session's delivered doses are not known

# What set an injection's activity.
note-constraint-perfused-target = perfused-volume dose target
note-constraint-tumour-target = tumour dose target
note-constraint-ho166-rule = Ho-166 dose rule
note-constraint-bsa-formula = BSA formula
note-constraint-fixed-activity = activity fixed by the user
note-constraint-normal-liver-limit = perfused normal-liver dose limit
note-constraint-perfused-limit = perfused-volume dose limit
note-constraint-lung-limit = lung dose limit of the injection
note-constraint-whole-liver-ntad-limit = whole-liver normal-tissue dose limit of the session
note-constraint-session-lung-limit = lung dose limit per session
note-constraint-cumulative-lung-limit = cumulative lung dose limit

# The treatment history in words: "SIRT 2024-01-10 (TheraSphere, lobar (right lobe), 2.10 GBq (56.8 mCi))".
note-list-more = { $first }, { $rest }
note-list-more-clauses = { $first }; { $rest }
note-earlier = earlier { $treatment }
note-earlier-treatment = { $kind } { $date }
note-earlier-treatment-recorded = { $kind } { $date } ({ $recorded })
note-earlier-session-treated-lobe = session { $session } ({ $treatment }) treated lobe { $lobes } of this session's territory
note-territory-of-lobe = { $territory } ({ $lobe } lobe)
note-lobe = { $lobe } lobe
note-territory-of-both-lobes = { $territory } (both lobe)
note-both-lobes = both lobe
note-lobe-right = right
note-lobe-left = left
note-lobe-both = both
note-territory-whole-liver = whole-liver
note-territory-lobar = lobar
note-territory-segmental = segmental
note-activity = { $activity }
note-activity-per-cycle = { $activity } per cycle
note-cycles = { $count } cycles
note-fractions = { $count } fractions
note-dose-of = { $what } { $dose }
note-dose-whole-liver-ntad = whole-liver NTAD
note-dose-lung = lung
note-dose-liver = liver
note-dose-kidneys = kidneys
note-dose-mean-liver = mean liver

# Values a case accepts beyond the site's plausibility and image-consistency limits.
note-accepted = { $what }: { $source }: found { $found }, expected { $expected }: accepted by the case (accepted[{ $index }]: { $reason })
note-source-case-file = case file { $file }
note-source-structure = { $file } (structure "{ $name }")
note-plausible-range = a plausible { $quantity }, from { $min } to { $max }
note-value = { $value }
note-quantity-liver-volume = whole-liver volume
note-quantity-lung-mass = lung mass (lungs.mass, or lungs.ct_volume × lungs.density)
note-quantity-body-weight = body weight
note-quantity-body-height = body height
note-quantity-segmented-liver-volume = segmented liver volume
note-quantity-segmented-lung-volume = segmented lung volume
note-qform-sform-expected = its qform and sform within { $max } of each other at the image corners (the sform is the one read)
note-qform-sform-found = { $distance } apart at corner (i, j, k) = ({ $i }, { $j }, { $k }): qform { $qform } mm, sform { $sform } mm (RAS)
note-xyz = ({ $x }, { $y }, { $z })
note-at-least = at least { $least } { $of_what }
note-of-counts-in-body = of the counts inside the CT's body outline
note-of-counts-in-liver-and-lungs = of the counts in the liver (with its { $margin } margin) and the lungs
note-of-activity-in-body = of the activity inside the CT's body outline
note-of-activity-in-liver = of the activity in the liver (with its { $margin } margin)
note-maa-fractions = { $in_body } of the counts inside the body outline, { $in_liver_and_lungs } in the liver (with its { $margin } margin) and the lungs
note-pet-fractions = { $in_body } of the activity inside the body outline, { $in_liver } in the liver (with its { $margin } margin)
note-maa-spect-file = MAA SPECT { $file }: { $found }
note-y90-pet-file = Y-90 PET { $file }: { $found }

# The notes of the voxel part of a plan.
note-voxel-missing-tumour = tumour { $tumour }: no structure "{ $name }" in { $file }: not in the voxel dosimetry
note-voxel-whole-liver-holds-session = session { $session }: not every injection has a territory structure: the whole liver holds the session's activity
note-voxel-pet = Y-90 PET: { $note }
note-voxel-no-prediction = session { $session }: no MAA prediction to compare the PET with
