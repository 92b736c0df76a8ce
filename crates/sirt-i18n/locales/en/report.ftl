# The plan report (sirt-report: plan_doc.rs), its sign-off block (signoff.rs), the
# treatment-day sheets (treatment_day.rs) and the site-settings section (sirt-planning).
# Variables are snake_case; numbers arrive already formatted in the reader's language.

## Title and headings
report-title = sirtplan { $version } — SIRT plan for { $patient }
report-patient-and-inputs = Patient and inputs
report-treatment-history = Treatment history
report-summary = Summary
report-sessions = Sessions
report-checks = Checks
report-bases-of-values = Bases of the values
report-sources-of-rules = Sources of the rules
report-notes-not-passed = Notes on checks not passed
report-accepted-exceptions = Accepted exceptions
report-notes = Notes
report-injection-heading = Injection { $id } (session { $session })
report-session-heading = Session { $id } — { $instant } ({ $extent })
report-predicted-doses = Predicted doses (99mTc-MAA, partition model)
report-vial-order = Vial order
report-delivered = Delivered

## Patient and inputs
report-patient = Patient
report-diagnosis = Diagnosis
report-history = History
report-bilirubin = Bilirubin
report-whole-liver = Whole liver
report-tumours = Tumours
report-non-tumoural-liver = Non-tumoural liver
report-lungs = Lungs
report-planar-lsf = Planar LSF
report-mapping-lsf = Mapping LSF
report-sex-male = male
report-sex-female = female
report-age-years = { $years } y
report-primary-site = primary: { $site }
report-default = default
report-tumours-value =
    { $count ->
        [one] { $count } lesion
       *[other] { $count } lesions
    }, { $volume }; tumour burden { $burden }
report-non-tumoural-liver-value = { $mass } (whole liver minus tumours)
report-planar-lsf-value = { $lsf } (geometric mean: lung { $lung_ant }/{ $lung_post }, liver { $liver_ant }/{ $liver_post } counts ant/post)
report-lung-mass-convention = { $mass } (TheraSphere IFU convention)
report-lung-mass-ct = { $mass } (CT lung volume { $volume } × { $density })
report-lung-mass-stated = { $mass } (stated)
report-mass-from-volume = volume × density
report-mass-stated = stated mass
report-lobe-right = right
report-lobe-left = left
report-lobe-both = both lobes

## Table headers
report-col-tumour = tumour
report-col-segment = segment
report-col-lobe = lobe
report-col-volume-ml = volume (mL)
report-col-mass-g = mass (g)
report-col-mass-from = from
report-col-injection = injection
report-col-session = session
report-col-treatment = treatment
report-col-device = device
report-col-method = method
report-col-administered = administered
report-col-vial-at-injection = vial at injection
report-col-binding-constraint = binding constraint
report-col-whole-tumour-dose = whole-tumour dose (Gy)
report-col-status = status
report-col-rule = rule
report-col-subject = subject
report-col-basis = basis
report-col-value = value
report-col-requirement = requirement
report-col-source = source
report-col-compartment = compartment
report-col-tnr = TNR
report-col-activity-gbq = activity (GBq)
report-col-dose-gy = dose (Gy)
report-col-activity-with-vial = activity with vial (GBq)
report-col-dose-with-vial = dose with vial (Gy)
report-col-candidate = candidate
report-col-activity = activity
report-col-other-vial = other vial
report-col-calibration = calibration
report-col-at-treatment = at treatment
report-col-deviation = deviation
report-col-treatment-day = treatment day (same clock time)
report-col-weekday = weekday
report-col-days-after-calibration = days after calibration
report-col-in-the-vial = in the vial
report-col-date = date
report-col-kind = kind
report-col-description = description
report-col-recorded = recorded

## Summary and injections
report-contraindicated = contraindicated
report-no-activity-allowed = no activity allowed
report-method-partition = partition model
report-method-ho166 = Ho-166 dose rule
report-method-mird-text = MIRD single compartment (uniform uptake in the perfused volume)
report-method-partition-text = partition model (multi-compartment, Ho et al. 1996)
report-method-bsa-text = BSA method (resin; Kennedy et al. 2007)
report-method-ho166-text = Ho-166 dose rule (3.781 GBq per kg for 60 Gy)
report-constraint-perfused-target = perfused-volume dose target
report-constraint-tumour-target = tumour dose target
report-constraint-ho166-rule = Ho-166 dose rule
report-constraint-bsa-formula = BSA formula
report-constraint-fixed-activity = activity fixed by the user
report-constraint-normal-liver-limit = perfused normal-liver dose limit
report-constraint-perfused-limit = perfused-volume dose limit
report-constraint-lung-limit = lung dose limit of the injection
report-constraint-ntad-limit = whole-liver normal-tissue dose limit of the session
report-constraint-session-lung-limit = lung dose limit per session
report-constraint-cumulative-lung-limit = cumulative lung dose limit
report-no-activity = No activity: { $reason }.
report-catheter-position = Catheter position
report-territory = Territory
report-territory-value = { $territory }; perfused { $volume } = { $mass }; non-tumoural { $normal }
report-territory-whole-liver = whole liver
report-territory-lobar-both = lobar, both lobes
report-territory-lobe = { $lobe } lobe
report-territory-segmental = segmental
report-territory-segmental-lobe = segmental, { $lobe } lobe
report-material-glass = glass
report-material-resin = resin
report-material-plla = poly-L-lactic acid
report-device = Device
report-method = Method
report-lsf = Lung shunt fraction
report-lsf-stated = stated for this injection
report-lsf-mapping = mapping
report-lsf-measured = measured on the mapping SPECT/CT
report-lsf-planar = planar geometric mean
report-residual-fraction = Residual fraction
report-goal = Goal
report-goal-combined = mean dose of all tumours in the territory { $dose }
report-goal-every = every tumour of the territory at least { $dose }
report-goal-tumour = tumour { $id } { $dose }
report-goal-perfused = perfused-volume dose { $dose }
report-goal-activity = administered activity fixed at { $activity }
report-goal-maximum = largest activity the limits allow
report-goal-formula = BSA formula
report-limits = Limits
report-limit-normal-liver = perfused normal liver ≤ { $dose }
report-limit-perfused = perfused volume ≤ { $dose }
report-limit-lung-injection = lung (injection) ≤ { $dose }
report-limit-ntad-session = whole-liver NTAD (session) ≤ { $dose }
report-limit-lung-session = lung (session) ≤ { $dose }
report-limit-lung-cumulative = lung (cumulative) ≤ { $dose }
report-no-limits = none
report-bsa-method = BSA method
report-bsa-method-value = BSA { $bsa }; (BSA − 0.2) + { $involvement } = { $whole_liver } for the whole liver; × { $fraction } (perfused / liver volume); LSF factor { $lsf_factor }
report-administered-activity = Administered activity
report-vial-activity-at-injection = Vial activity at injection
report-vial-activity-value = { $activity } = administered / (1 − { $residual })
report-binding-constraint = Binding constraint
report-target = Target
report-target-not-reached = NOT reached: a limit binds before the tumour target
report-with-ordered-vial = With the ordered vial
report-with-ordered-vial-value = { $activity } administered if injected at the planned instant (whole vial less the residual; { $deviation } vs the prescription); the checks use these doses
report-row-tumour = tumour { $id }
report-row-tumour-part = tumour { $id } ({ $fraction } in territory)
report-row-tumours-combined = tumours combined
report-row-normal-liver = normal liver (perfused)
report-row-perfused = perfused volume
report-row-lungs = lungs

## Vial order
report-vial = Vial
report-at-calibration = { $activity } at calibration { $instant }
report-in-vial-at-treatment = In the vial at treatment
report-in-vial-at-treatment-value = { $activity } ({ $deviation } vs the required { $required }), { $days } days after calibration
report-exact-activity-at = Exact activity at
report-exact-activity-at-value = { $instant } (the vial holds exactly the required activity)
report-vials = Vials
report-vials-at-calibration = { $count } × { $activity } at calibration { $instant }
report-in-vials-at-treatment = In the vials at treatment
report-fraction-to-draw = Fraction to draw
report-fraction-to-draw-value = { $fraction } of each vial, { $activity } in all
report-order = Order
report-order-value = { $activity } at calibration { $instant } (= { $at_treatment } at treatment)
report-microspheres = Microspheres
report-microspheres-value = about { $millions } million in the vial(s) at calibration or drawn (catalogue activity per sphere; the residual keeps a part)
report-calibration-schedule = Calibration schedule
report-unverified = unverified
report-monday = Monday
report-tuesday = Tuesday
report-wednesday = Wednesday
report-thursday = Thursday
report-friday = Friday
report-saturday = Saturday
report-sunday = Sunday

## Delivered
report-injected = Injected
report-vial-at-injection = Vial at injection
report-residual-at-injection = Residual at injection
report-delivered-activity = Delivered activity

## Sessions
report-extent-unilobar = unilobar
report-extent-bilobar = bilobar
report-injections = Injections
report-totals = Totals
report-no-activity-in-session = no activity planned in this session
report-scaled = Scaled
report-scaled-value = { $injections } × { $factor } to meet the { $constraint }
report-whole-tumour-doses-intro = Whole-tumour mean doses with the ordered vials (all injections of the session; a tumour split between territories gets the energy of every part over its whole mass):
report-whole-liver-ntad = Whole-liver normal-tissue dose
report-whole-liver-ntad-value = { $dose } (energy { $energy } in all non-tumoural liver / { $mass }; untreated liver at 0 Gy)
report-not-evaluable = not evaluable
report-not-evaluable-because = not evaluable: { $why }
report-ntad-plan-so-far = Whole-liver NTAD, plan so far
report-ntad-plan-so-far-value = { $dose } (this and the plan's earlier sessions; delivered doses where the residual was recorded)
report-ntad-cumulative = Whole-liver NTAD, cumulative
report-ntad-cumulative-value = { $dose } (earlier SIRT as recorded, { $earlier }, plus this and the plan's earlier sessions)
report-treated-fraction = Treated fraction
report-treated-fraction-value = { $fraction } of the non-tumoural liver
report-treated-fraction-with-limit = { $fraction } of the non-tumoural liver; the { $limit } whole-liver limit equals { $equivalent } on the perfused normal liver (limit / fraction)
report-lung-session-1kg = Lung dose, session (1 kg convention)
report-lung-session-1kg-value = { $dose } (K · A · LSF / 1 kg with the planning LSF: the convention of the 30 Gy limit)
report-lung-cumulative-1kg = Lung dose, cumulative (1 kg convention)
report-lung-session-mass-used = Lung dose, session (lung mass used)
report-lung-cumulative-mass-used = Lung dose, cumulative (lung mass used)
report-lung-cumulative-mass-used-value = { $dose } (before this session: { $earlier })

## Treatment history (the values recorded for an earlier treatment)
report-earlier-sirt-ntad = Whole-liver NTAD of earlier SIRT
report-earlier-sirt-ntad-value = { $dose } (as recorded; added to each session's cumulative whole-liver NTAD)
report-history-lobar = lobar
report-history-per-cycle = { $activity } per cycle
report-history-cycles = { $count } cycles
report-history-fractions = { $count } fractions
report-history-ntad = whole-liver NTAD
report-history-lung = lung
report-history-liver = liver
report-history-kidneys = kidneys
report-history-mean-liver = mean liver

## Sign-off block
sign-heading = Sign-off
sign-col-name = name
sign-col-role = role
sign-col-instant = date and time
sign-col-meaning = meaning
sign-col-signature = signature
sign-prepared-by = Prepared by
sign-checked-by = Checked by
sign-approved-by = Approved by
sign-electronic = (electronic)
sign-meaning-prepared = prepared: created plan version { $version }

## Treatment-day sheet
day-title = Treatment day — session { $session } — { $instant }
day-patient = Patient
day-planned-treatment = Planned treatment
day-session = Session
day-plan = Plan
day-plan-value = sirtplan { $version } (the plan report holds the checks and their sources)
day-injection-heading = Injection { $id }
day-device = Device
day-catheter-position = Catheter position
day-time = Time
day-do-not-inject = Do not inject: { $reason }.
day-activity-to-inject = Activity to inject
day-activity-to-inject-value = { $activity } administered (what the vial holds or what is drawn, less the expected { $residual } residual)
day-col-compartment = compartment
day-col-expected-dose = expected dose (Gy)
day-col-limit = limit
day-limits-of-injection = Limits of the injection
day-col-recorded = recorded at treatment
day-col-value = value
day-col-time = time
day-col-initials = initials
day-vial-assay = vial assay before injection
day-injection = injection
day-residual-measured = residual measured
day-session-totals = Session totals
day-col-quantity = quantity
day-col-expected = expected
day-whole-liver-ntad = whole-liver normal-tissue dose
day-activity = activity
day-none-planned = none planned in this session
day-lung-session-1kg = lung dose, session (1 kg convention)
day-lung-cumulative-1kg = lung dose, cumulative (1 kg convention)

## Site settings that differ from the defaults (sirt-planning: settings_report.rs)
settings-heading = Site settings
settings-intro = This plan was made with site settings that differ from the defaults:
settings-col-setting = setting
settings-col-value = value
settings-col-default = default
settings-col-source = source of the default
settings-none = (none)
settings-own-zone = (each instant in its own zone)
settings-site-choice = site choice
settings-language-source = site choice; --lang and each user's choice override it

## The web application's record of a plan (sirt-server: report.rs, frozen.rs, delivery.rs)
record-plan-record = Plan record
record-delivery-record = Delivery record
record-delivery-addendum = Delivery addendum
record-addendum-title = Delivery addendum — { $title }
record-patient = Patient
record-patient-value = { $name } (MRN { $mrn })
record-case = Case
record-plan = Plan
record-plan-value = version { $version }, { $state }
record-state-draft = draft
record-state-checked = checked
record-state-approved = approved
record-state-delivered = delivered
record-created = Created
record-checked = Checked
record-approved = Approved
record-by-at = { $who }, { $at }
record-inputs-sha = Inputs SHA-256
record-parameters-changed = Parameters changed
record-parameters-none = none (the case file as written)
record-signature = Signature
record-signature-value = { $name } ({ $username }, { $role }), { $at }: { $meaning }
record-ack = Failed check acknowledged
record-ack-value = { $rule } ({ $subject }) by { $name } ({ $username }), { $at }: { $reason }
record-engine = Engine
record-approval-sha = Approval SHA-256
record-recording = Recording
record-recording-delivery = the delivery of session { $session }, recorded by { $who } at { $at }
record-recording-correction = a correction of the delivery of session { $session }, recorded by { $who } at { $at }
record-approved-report = Approved report
record-approved-report-value = unchanged: the report frozen at approval ({ $at }), SHA-256 { $sha }; approval SHA-256 { $approval }
record-approved-report-none = none frozen (approved before approvals froze their report)
record-computed = Computed
record-computed-value = { $at } with { $engine }: the delivered doses and the post-treatment checks of the records in force then
record-injection = Injection { $injection } (session { $session })
record-injection-value = injected { $injected }; vial { $vial } assayed { $assayed } ({ $vial_at_injection } at injection); residual { $residual } measured { $measured }; delivered { $delivered }; catheter: { $catheter }; recorded by { $who }, { $at } (version { $version })
record-confirmed = ; more than 50 % from the plan, confirmed: { $reason }
record-correction = ; correction: { $reason }
record-sessions-delivered = Sessions delivered
record-session-delivered = { $session } ({ $who }, { $at })
record-role-admin = admin
record-role-physician = physician
record-role-physicist = physicist
record-role-technologist = technologist
record-role-viewer = viewer
record-meaning-check = checked by physicist
record-meaning-approve = approved by physician
report-history-kind-sirt = SIRT
report-history-kind-prrt = PRRT
report-history-kind-tace = TACE
report-history-kind-surgery = surgery
report-history-kind-systemic = systemic
report-history-kind-ebrt = EBRT
report-history-kind-sbrt = SBRT
report-history-kind-other = other
