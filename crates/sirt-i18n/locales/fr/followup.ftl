# Suivi : réponse tumorale (RECIST 1.1, mRECIST, Choi), éligibilité, toxicité biologique (CTCAE v5.0, REILD), statistiques de cohorte.

## sirtplan recist : réponse tumorale (rendu texte de sirt-recist).
# Catégories de réponse : abréviations françaises partout (RC, RP, MS, MP, NE ; « non-RC/non-MP »),
# comme dans les comptes rendus RECIST 1.1 et les RCP en France ; la meilleure réponse en toutes
# lettres avec son abréviation.
fu-recist-title = Réponse tumorale, { $criteria } : patient { $patient } (fichier { $file })
fu-recist-criteria = Critères : { $criteria } ({ $source })
fu-recist-modified-choi = Choi modifiés
fu-recist-protocol = Protocole : confirmation { $required } pour la meilleure réponse rapportée (l’autre règle est aussi indiquée) ; confirmation au moins { $min_days } jours plus tard avec au plus { $max_ne } NE entre les deux{ $sd_between } ; la MS compte à partir du jour { $sd_days } après { $reference } ({ $reference_date }) ; trop petite pour être mesurée = { $too_small }
fu-recist-required = exigée
fu-recist-not-required = non exigée
fu-recist-sd-between-accepted = et une MS intercalaire acceptée
fu-recist-reference-treatment = le début du traitement
fu-recist-reference-baseline = l’examen de référence
fu-recist-slices = coupes de { $thickness }
fu-recist-short-axis = petit axe
fu-recist-viable = viable { $diameter }
fu-recist-baseline = Examen de référence { $date } ({ $modality }{ $slices }) : cibles { $targets } ; non cibles { $non_targets }
fu-recist-modality-ct = TDM
fu-recist-modality-mri = IRM
fu-recist-modality-caliper = pied à coulisse
fu-recist-modality-chest-xray = radiographie thoracique
fu-recist-organ-liver = foie
fu-recist-organ-lung = poumon
fu-recist-organ-lymph-node = ganglion
fu-recist-organ-bone = os
fu-recist-organ-peritoneum = péritoine
fu-recist-organ-adrenal = surrénale
fu-recist-warnings = Avertissements :
fu-recist-none = aucune
fu-recist-global-title = Toutes les lésions (réponse globale)
fu-recist-hepatic-title = Lésions hépatiques seules (réponse hépatique)
fu-recist-hepatic-not-evaluated = Lésions hépatiques seules (réponse hépatique) : non évaluée ({ $reason })
fu-recist-no-liver-lesion = aucune lésion hépatique
fu-recist-track-lesions = cibles { $targets } ; non cibles { $non_targets } ; somme initiale { $sum }
fu-recist-choi-density = critère de densité de Choi appliqué
fu-recist-non-target-only = maladie non cible seule : RECIST 1.1 tableau 2 (RC, non-RC/non-MP, MP, NE ; jamais MS ni RP)
fu-recist-col-date = date
fu-recist-col-day = jour
fu-recist-col-sum = somme
fu-recist-col-vs-base = vs réf.
fu-recist-col-nadir = nadir
fu-recist-col-vs-nadir = vs nadir
fu-recist-col-target = cible
fu-recist-col-non-target = non cible
fu-recist-col-new = nouv.
fu-recist-col-overall = globale
fu-recist-col-reasons = motifs
fu-recist-attenuation = atténuation { $change } par rapport à la référence
fu-recist-no-visit = aucun examen de suivi
fu-recist-cr = RC
fu-recist-pr = RP
fu-recist-sd = MS
fu-recist-pd = MP
fu-recist-ne = NE
fu-recist-non-cr-non-pd = non-RC/non-MP
fu-recist-new-no = non
fu-recist-new-equivocal = équivoque
fu-recist-new-yes = oui
fu-recist-best-cr = réponse complète (RC)
fu-recist-best-pr = réponse partielle (RP)
fu-recist-best-sd = maladie stable (MS)
fu-recist-best-pd = maladie progressive (MP)
fu-recist-best-ne = non évaluable (NE)
fu-recist-best-non-cr-non-pd = ni RC ni MP (non-RC/non-MP)
fu-recist-confirmation-required = confirmation exigée
fu-recist-confirmation-not-required = confirmation non exigée
fu-recist-best = Meilleure réponse globale ({ $rule }) : { $response }
fu-recist-on = le { $date }
fu-recist-confirmed-on = confirmée le { $date }
fu-recist-other-rule-differs = avec { $rule }, les réponses par évaluation diffèrent le { $dates }
fu-recist-first-progression = Première progression : { $date }
fu-recist-footnote = Sommes en dixièmes de millimètre entiers ; pourcentages exacts, arrondis à une décimale (la moitié s’éloignant de zéro).

## Analyses biologiques (noms courts).
fu-lab-bilirubin = bilirubine
fu-lab-albumin = albumine
fu-lab-platelets = plaquettes
fu-lab-leukocytes = leucocytes
fu-lab-granulocytes = granulocytes
fu-lab-creatinine = créatinine
fu-lab-sodium = natrémie
fu-lab-gfr = DFG
fu-lab-ast = ASAT
fu-lab-alt = ALAT
fu-lab-alp = PAL

## sirtplan eligibility (rendu texte de sirt-clinical).
fu-elig-title = Éligibilité à la SIRT — patient { $patient } ({ $file })
fu-elig-date = Date de l’évaluation : { $date } ; valeurs biologiques : les dernières à cette date ou avant.
fu-elig-date-none = Date de l’évaluation : non renseignée ; valeurs biologiques : les dernières du dossier.
fu-elig-tumour = Tumeur
fu-elig-not-recorded = non renseigné
fu-elig-ki67-not-recorded = Ki-67 non renseigné
fu-elig-who-grade = grade OMS 2019 d’après le Ki-67 : { $grade }
fu-elig-grade = grade { $grade }, { $ki67 }
fu-elig-note = remarque : { $note }
fu-elig-labs-used = Valeurs biologiques utilisées
fu-elig-none = aucune
fu-elig-liver-function = Fonction hépatique
fu-elig-child-pugh = { $class } (points : bilirubine { $bilirubin }, albumine { $albumin }, INR { $inr }, ascite { $ascites }, encéphalopathie { $encephalopathy })
fu-elig-albi = { $score }, grade { $grade }, mALBI { $malbi } (Johnson 2015, coefficient de l’albumine { $coefficient })
fu-elig-meld3 = { $score } ({ $raw } avant arrondi)
fu-elig-not-evaluated = non évalué : { $reason }
fu-elig-group-contraindication = Contre-indications
fu-elig-group-indication = Indications
fu-elig-group-net = Recommandations TNE (Lam et al., tableau 2 mNET)
fu-elig-group-northwestern = Critères de sélection de Northwestern en faveur de la SIRT (conforme : présent ; info : absent)
fu-elig-reason = motif : { $reason }
fu-elig-no-value = aucune valeur
fu-elig-value-required = valeur { $value } ; exigé { $required }
fu-elig-source = source : { $source } ({ $evidence })
fu-elig-summary = Synthèse : { $fail } échec(s), { $warn } alerte(s), { $info } info, { $not_evaluated } non évalué(s), { $pass } conforme(s) (critères de Northwestern non comptés).

## sirtplan labs : gradation CTCAE v5.0, REILD (rendu texte de sirt-clinical). Les termes CTCAE
## restent les termes anglais de la CTCAE v5.0 : une traduction française n’est pas une source
## officielle dont nous disposons. LSN/LIN : limite supérieure/inférieure de la normale.
fu-labs-title = Toxicité biologique, CTCAE { $version } — patient { $patient } ({ $file })
fu-labs-treatment = Traitement par SIRT : { $date } (J0).
fu-labs-treatment-none = Traitement par SIRT : non renseigné ; chaque valeur est gradée par rapport aux valeurs de référence.
fu-labs-anticoagulation = Anticoagulation : { $anticoagulated }.
fu-labs-not-recorded = non renseignée
fu-labs-baseline-rule = Valeur initiale : la dernière valeur le jour du traitement ou avant, gradée par rapport aux valeurs de référence.
fu-labs-no-values = Aucune valeur biologique.
fu-labs-col-date = date
fu-labs-col-day = jour
fu-labs-col-value = valeur
fu-labs-col-grade = grade
fu-labs-baseline-tag = valeur initiale
fu-labs-graded = grade { $grade } ({ $criterion })
fu-labs-not-gradable = non gradable ({ $reason })
fu-labs-criterion-uln = × LSN
fu-labs-criterion-baseline = × valeur initiale (valeur initiale au-dessus de la LSN)
fu-labs-criterion-lln-absolute = LIN et seuils absolus
fu-labs-criterion-absolute = seuils absolus (patient non anticoagulé)
fu-labs-criterion-absolute-or-baseline = seuil absolu ou × valeur initiale, le plus élevé (patient anticoagulé)
fu-labs-no-graded-baseline = pas de grade initial
fu-labs-baseline-grade = grade initial { $grade }
fu-labs-no-graded-after = aucune valeur gradée après le traitement
fu-labs-worst-after = pire grade après le traitement : grade { $grade } ({ $value }) le { $date }, J{ $day }
fu-labs-first-worsening = premier grade supérieur au grade initial à J{ $day }
fu-labs-not-gradable-after = { $count ->
    [one] { $count } valeur après le traitement non gradable
   *[other] { $count } valeurs après le traitement non gradables
}
fu-labs-reild = REILD (Braat et al. 2017 : bilirubine et albumine aggravées par rapport à la valeur initiale et ascite nouvelle ou majorée, de 2 semaines à 4 mois après la SIRT, sans progression tumorale ni obstacle biliaire) : { $status }
fu-labs-reild-met = présente
fu-labs-reild-possible = possible
fu-labs-reild-not-met = absente
fu-labs-reild-not-evaluated = non évaluée
fu-labs-reild-window = fenêtre du { $from } au { $to }
fu-labs-reild-onset = début le { $date } (J{ $day })
fu-labs-braat = Grade d’hépatotoxicité (Braat) : { $grade } : { $explanation }

## sirtplan cohort : Kaplan-Meier, log-rank, Cox, régression logistique, ROC (rendus texte et
## SVG de sirt-survival, commande cohort de sirt-cli).
fu-stat-interval = { $lower } à { $upper }
fu-stat-col-se = ET
fu-km-not-reached = non atteinte
fu-km-unit-days = jours
fu-km-unit-weeks = semaines
fu-km-unit-months = mois
fu-km-unit-years = ans
fu-km-median-first = premier temps où S(t) <= 0,5 (lifelines)
fu-km-median-midpoint = premier temps où S(t) <= 0,5, milieu d’un palier à 0,5 (R)
fu-km-conventions = intervalles ponctuels à { $level } avec la transformation { $transform } (variance de Greenwood) ; médiane : { $rule } ; intervalle de la médiane par inversion de la bande
fu-km-title = Survie de Kaplan-Meier : { $source } (temps en { $unit })
fu-km-col-group = groupe
fu-km-col-events = évén.
fu-km-col-median = médiane (IC { $level })
fu-km-logrank = Test du log-rank ({ $groups } groupes) : khi-deux { $chi2 } à { $df } ddl, p = { $p }
fu-km-observed = observés
fu-km-expected = attendus
fu-km-axis-time = Temps ({ $unit })
fu-km-axis-survival = Probabilité de survie
fu-km-legend = { $label } (n = { $n }) : médiane { $median }
fu-km-at-risk = Nombre de sujets à risque
fu-cox-title = Modèle de Cox à risques proportionnels (ex aequo : { $ties }) : { $n } sujets, { $events } événements
fu-cox-col-covariate = covariable
fu-cox-col-ci = IC { $level } du HR
fu-cox-loglik = Log-vraisemblance partielle { $loglik } (modèle nul { $null })
fu-cox-lr-test = Test du rapport de vraisemblance : { $statistic } à { $df } ddl, p = { $p }
fu-cox-wald-test = Test de Wald : { $statistic } à { $df } ddl, p = { $p }
fu-cox-concordance = Concordance (C de Harrell, temps d’événement ex aequo non comparés) : { $concordance }
fu-cox-concordance-none = non évaluée (aucune paire comparable)
fu-logit-title = Régression logistique de « { $response } » : { $n } lignes, dont { $positives } avec réponse 1
fu-logit-col-term = terme
fu-logit-col-ci = IC { $level } de l’OR
fu-logit-intercept = constante
fu-logit-loglik = Log-vraisemblance { $loglik } (constante seule { $null }) ; test du rapport de vraisemblance { $statistic } à { $df } ddl, p = { $p }
fu-roc-title = ROC de { $score } : { $positives } positifs, { $negatives } négatifs
fu-roc-auc = ASC { $auc } (U de Mann-Whitney / (n1 n0), ex aequo comptés 1/2)
fu-roc-youden = Seuil de Youden : positif si { $score } { $side } { $threshold } : sensibilité { $sensitivity }, spécificité { $specificity }, J = { $j }
fu-cohort-registry-survival = Registre { $registry } : colonne de durée « { $duration } » ({ $unit }), colonne d’événement « { $event } »
fu-cohort-registry-response = Registre { $registry } : colonne de réponse « { $response } »
fu-cohort-registry-roc = Registre { $registry } : colonne de réponse « { $response } », colonne de score « { $score } »
fu-cohort-dropped = { $count ->
    [one] { $count } ligne écartée
   *[other] { $count } lignes écartées
} pour valeur manquante (lignes { $lines }).
fu-cohort-at-risk = Nombre de sujets à risque ({ $unit })
fu-cohort-time = temps
fu-cohort-plot-written = Courbe de Kaplan-Meier écrite dans { $path }

## Pourquoi une valeur biologique n’a pas de grade CTCAE v5.0.
fu-labs-ng-invalid-value = la valeur { $value } n’est pas un nombre fini positif ou nul
fu-labs-ng-no-uln = pas de limite supérieure de la normale pour { $lab }
fu-labs-ng-no-lln = pas de limite inférieure de la normale pour { $lab } (le grade 1 est < LIN)
fu-labs-ng-no-baseline = pas de valeur initiale de { $lab } : la CTCAE v5.0 grade par rapport à la LSN si la valeur initiale était normale et par rapport à la valeur initiale si elle était anormale
fu-labs-ng-below-abnormal-baseline = la valeur initiale de { $lab } ({ $baseline }) dépassait la LSN ({ $uln }) ; la valeur dépasse la LSN mais reste sous le grade 1 ({ $bound } × valeur initiale = { $limit }), où la CTCAE v5.0 ne définit aucun grade
fu-labs-ng-anticoagulation = statut d’anticoagulation non renseigné : la CTCAE v5.0 grade aussi l’INR d’un patient anticoagulé par rapport à la valeur initiale
fu-labs-ng-anticoagulated-without-baseline = patient anticoagulé sans INR initial : le critère × valeur initiale ne peut pas s’appliquer
