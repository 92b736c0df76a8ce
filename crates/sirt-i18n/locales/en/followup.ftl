# Follow-up: tumour response (RECIST 1.1, mRECIST, Choi), eligibility, laboratory grading (CTCAE v5.0, REILD), cohort statistics.

## sirtplan recist: tumour response (sirt-recist's text rendering).
fu-recist-title = Tumour response, { $criteria }: patient { $patient } (file { $file })
fu-recist-criteria = Criteria: { $criteria } ({ $source })
fu-recist-modified-choi = modified Choi
fu-recist-protocol = Protocol: confirmation { $required } for the reported best response (the other rule is shown too); confirmation at least { $min_days } days later with at most { $max_ne } NE between{ $sd_between }; SD counts from day { $sd_days } after the { $reference } ({ $reference_date }); too small to measure = { $too_small }
fu-recist-required = required
fu-recist-not-required = not required
fu-recist-sd-between-accepted = and one SD accepted
fu-recist-reference-treatment = treatment start
fu-recist-reference-baseline = baseline scan
fu-recist-slices = { $thickness } slices
fu-recist-short-axis = short axis
fu-recist-viable = viable { $diameter }
fu-recist-baseline = Baseline { $date } ({ $modality }{ $slices }): targets { $targets }; non-targets { $non_targets }
fu-recist-modality-ct = CT
fu-recist-modality-mri = MRI
fu-recist-modality-caliper = caliper
fu-recist-modality-chest-xray = chest X-ray
fu-recist-organ-liver = liver
fu-recist-organ-lung = lung
fu-recist-organ-lymph-node = lymph node
fu-recist-organ-bone = bone
fu-recist-organ-peritoneum = peritoneum
fu-recist-organ-adrenal = adrenal
fu-recist-warnings = Warnings:
fu-recist-none = none
fu-recist-global-title = All lesions (global response)
fu-recist-hepatic-title = Liver lesions only (hepatic response)
fu-recist-hepatic-not-evaluated = Liver lesions only (hepatic response): not evaluated ({ $reason })
fu-recist-no-liver-lesion = no liver lesion
fu-recist-track-lesions = targets { $targets }; non-targets { $non_targets }; baseline sum { $sum }
fu-recist-choi-density = Choi density criterion applied
fu-recist-non-target-only = non-target disease only: RECIST 1.1 Table 2 (CR, non-CR/non-PD, PD, NE; never SD or PR)
fu-recist-col-date = date
fu-recist-col-day = day
fu-recist-col-sum = sum
fu-recist-col-vs-base = vs base
fu-recist-col-nadir = nadir
fu-recist-col-vs-nadir = vs nadir
fu-recist-col-target = target
fu-recist-col-non-target = non-target
fu-recist-col-new = new
fu-recist-col-overall = overall
fu-recist-col-reasons = reasons
fu-recist-attenuation = attenuation { $change } vs baseline
fu-recist-no-visit = no follow-up visit
fu-recist-cr = CR
fu-recist-pr = PR
fu-recist-sd = SD
fu-recist-pd = PD
fu-recist-ne = NE
fu-recist-non-cr-non-pd = non-CR/non-PD
fu-recist-new-no = no
fu-recist-new-equivocal = equivocal
fu-recist-new-yes = yes
fu-recist-best-cr = CR
fu-recist-best-pr = PR
fu-recist-best-sd = SD
fu-recist-best-pd = PD
fu-recist-best-ne = NE
fu-recist-best-non-cr-non-pd = non-CR/non-PD
fu-recist-confirmation-required = confirmation required
fu-recist-confirmation-not-required = confirmation not required
fu-recist-best = Best overall response ({ $rule }): { $response }
fu-recist-on = on { $date }
fu-recist-confirmed-on = confirmed on { $date }
fu-recist-other-rule-differs = with { $rule }, the time-point responses differ on { $dates }
fu-recist-first-progression = First progression: { $date }
fu-recist-footnote = Sums in integer tenths of a millimetre; percentages exact, rounded half away from zero to one decimal.

## Laboratory analytes (short names).
fu-lab-bilirubin = bilirubin
fu-lab-albumin = albumin
fu-lab-platelets = platelets
fu-lab-leukocytes = leukocytes
fu-lab-granulocytes = granulocytes
fu-lab-creatinine = creatinine
fu-lab-sodium = sodium
fu-lab-gfr = GFR
fu-lab-ast = AST
fu-lab-alt = ALT
fu-lab-alp = ALP

## sirtplan eligibility (sirt-clinical's text rendering).
fu-elig-title = SIRT eligibility — patient { $patient } ({ $file })
fu-elig-date = Assessment date: { $date }; laboratory values: the latest on or before it.
fu-elig-date-none = Assessment date: not recorded; laboratory values: the latest in the record.
fu-elig-tumour = Tumour
fu-elig-not-recorded = not recorded
fu-elig-ki67-not-recorded = Ki-67 not recorded
fu-elig-who-grade = WHO 2019 grade from Ki-67: { $grade }
fu-elig-grade = grade { $grade }, { $ki67 }
fu-elig-note = note: { $note }
fu-elig-labs-used = Laboratory values used
fu-elig-none = none
fu-elig-liver-function = Liver function
fu-elig-child-pugh = { $class } (points: bilirubin { $bilirubin }, albumin { $albumin }, INR { $inr }, ascites { $ascites }, encephalopathy { $encephalopathy })
fu-elig-albi = { $score }, grade { $grade }, mALBI { $malbi } (Johnson 2015, albumin coefficient { $coefficient })
fu-elig-meld3 = { $score } ({ $raw } before rounding)
fu-elig-not-evaluated = not evaluated: { $reason }
fu-elig-group-contraindication = Contraindications
fu-elig-group-indication = Indications
fu-elig-group-net = NET recommendations (Lam et al., Table 2 mNET)
fu-elig-group-northwestern = Northwestern selection criteria favouring SIRT (pass: present; info: absent)
fu-elig-reason = reason: { $reason }
fu-elig-no-value = no value
fu-elig-value-required = value { $value }; required { $required }
fu-elig-source = source: { $source } ({ $evidence })
fu-elig-summary = Summary: { $fail } fail, { $warn } warn, { $info } info, { $not_evaluated } not evaluated, { $pass } pass (Northwestern criteria not counted).

## sirtplan labs: CTCAE v5.0 grading, REILD (sirt-clinical's text rendering). CTCAE term names
## stay the CTCAE v5.0 English terms in every language.
fu-labs-title = Laboratory toxicity, CTCAE { $version } — patient { $patient } ({ $file })
fu-labs-treatment = SIRT treatment: { $date } (day 0).
fu-labs-treatment-none = SIRT treatment: not recorded; every value is graded against the reference range.
fu-labs-anticoagulation = Anticoagulation: { $anticoagulated }.
fu-labs-not-recorded = not recorded
fu-labs-baseline-rule = Baseline: the latest value on or before the treatment day, graded against the reference range.
fu-labs-no-values = No laboratory values.
fu-labs-col-date = date
fu-labs-col-day = day
fu-labs-col-value = value
fu-labs-col-grade = grade
fu-labs-baseline-tag = baseline
fu-labs-graded = G{ $grade } ({ $criterion })
fu-labs-not-gradable = not gradable ({ $reason })
fu-labs-criterion-uln = × ULN
fu-labs-criterion-baseline = × baseline (baseline above ULN)
fu-labs-criterion-lln-absolute = LLN and absolute cut-offs
fu-labs-criterion-absolute = absolute cut-offs (not anticoagulated)
fu-labs-criterion-absolute-or-baseline = absolute or × baseline, higher (anticoagulated)
fu-labs-no-graded-baseline = no graded baseline
fu-labs-baseline-grade = baseline G{ $grade }
fu-labs-no-graded-after = no graded value after treatment
fu-labs-worst-after = worst after treatment G{ $grade } ({ $value }) on { $date }, day { $day }
fu-labs-first-worsening = first grade above baseline on day { $day }
fu-labs-not-gradable-after = { $count } value(s) after treatment not gradable
fu-labs-reild = REILD (Braat et al. 2017: bilirubin and albumin worse than baseline and new or increased ascites, 2 weeks to 4 months after SIRT, without tumour progression or biliary obstruction): { $status }
fu-labs-reild-met = met
fu-labs-reild-possible = possible
fu-labs-reild-not-met = not met
fu-labs-reild-not-evaluated = not evaluated
fu-labs-reild-window = window { $from } to { $to }
fu-labs-reild-onset = onset { $date } (day { $day })
fu-labs-braat = Hepatotoxicity grade (Braat): { $grade }: { $explanation }

## sirtplan cohort: Kaplan–Meier, log-rank, Cox, logistic regression, ROC (sirt-survival's
## text and SVG renderings, sirt-cli's cohort command).
fu-stat-interval = { $lower } to { $upper }
fu-stat-col-se = SE
fu-km-not-reached = not reached
fu-km-unit-days = days
fu-km-unit-weeks = weeks
fu-km-unit-months = months
fu-km-unit-years = years
fu-km-median-first = first time S(t) <= 0.5 (lifelines)
fu-km-median-midpoint = first time S(t) <= 0.5, midpoint of a flat at 0.5 (R)
fu-km-conventions = { $level } pointwise intervals with the { $transform } transform (Greenwood variance); median: { $rule }; median interval by inverting the band
fu-km-title = Kaplan-Meier survival: { $source } (times in { $unit })
fu-km-col-group = group
fu-km-col-events = events
fu-km-col-median = median ({ $level } CI)
fu-km-logrank = Log-rank test ({ $groups } groups): chi-square { $chi2 } on { $df } df, p = { $p }
fu-km-observed = observed
fu-km-expected = expected
fu-km-axis-time = Time ({ $unit })
fu-km-axis-survival = Survival probability
fu-km-legend = { $label } (n = { $n }): median { $median }
fu-km-at-risk = Number at risk
fu-cox-title = Cox proportional hazards ({ $ties } ties): { $n } subjects, { $events } events
fu-cox-col-covariate = covariate
fu-cox-col-ci = { $level } CI of HR
fu-cox-loglik = Partial log-likelihood { $loglik } (null { $null })
fu-cox-lr-test = Likelihood-ratio test: { $statistic } on { $df } df, p = { $p }
fu-cox-wald-test = Wald test: { $statistic } on { $df } df, p = { $p }
fu-cox-concordance = Concordance (Harrell's C, tied event times not compared): { $concordance }
fu-cox-concordance-none = not evaluated (no comparable pairs)
fu-logit-title = Logistic regression of "{ $response }": { $n } rows, { $positives } with response 1
fu-logit-col-term = term
fu-logit-col-ci = { $level } CI of OR
fu-logit-intercept = intercept
fu-logit-loglik = Log-likelihood { $loglik } (intercept only { $null }); likelihood-ratio test { $statistic } on { $df } df, p = { $p }
fu-roc-title = ROC of { $score }: { $positives } positives, { $negatives } negatives
fu-roc-auc = AUC { $auc } (Mann-Whitney U / (n1 n0), ties count 1/2)
fu-roc-youden = Youden threshold: positive when { $score } { $side } { $threshold }: sensitivity { $sensitivity }, specificity { $specificity }, J = { $j }
fu-cohort-registry-survival = Registry { $registry }: duration column "{ $duration }" ({ $unit }), event column "{ $event }"
fu-cohort-registry-response = Registry { $registry }: response column "{ $response }"
fu-cohort-registry-roc = Registry { $registry }: response column "{ $response }", score column "{ $score }"
fu-cohort-dropped = Left out { $count ->
    [one] { $count } row
   *[other] { $count } rows
} with a missing value (lines { $lines }).
fu-cohort-at-risk = Number at risk ({ $unit })
fu-cohort-time = time
fu-cohort-plot-written = Kaplan-Meier plot written to { $path }

## Why a laboratory value has no CTCAE v5.0 grade (the English text is sirt-clinical's
## NotGradable wording).
fu-labs-ng-invalid-value = value { $value } is not a finite, non-negative number
fu-labs-ng-no-uln = no upper limit of normal for { $lab }
fu-labs-ng-no-lln = no lower limit of normal for { $lab } (grade 1 is < LLN)
fu-labs-ng-no-baseline = no baseline { $lab }: CTCAE v5.0 grades against the ULN when the baseline was normal and against the baseline when it was abnormal
fu-labs-ng-below-abnormal-baseline = baseline { $lab } { $baseline } was above the ULN { $uln }; the value is above the ULN but below grade 1 ({ $bound } × baseline = { $limit }), where CTCAE v5.0 defines no grade
fu-labs-ng-anticoagulation = anticoagulation status not recorded: CTCAE v5.0 grades the INR of an anticoagulated patient against the baseline as well
fu-labs-ng-anticoagulated-without-baseline = anticoagulated patient without a baseline INR: the × baseline criterion cannot be applied
