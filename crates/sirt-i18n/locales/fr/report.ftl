# Le rapport de plan (sirt-report : plan_doc.rs), son bloc de signatures (signoff.rs), les
# fiches du jour de traitement (treatment_day.rs) et la section des paramètres du site
# (sirt-planning). Les nombres arrivent déjà mis en forme (virgule décimale, espace insécable).

## Titre et intertitres
report-title = sirtplan { $version } — Plan de radioembolisation (SIRT) pour { $patient }
report-patient-and-inputs = Patient et données d'entrée
report-treatment-history = Antécédents thérapeutiques
report-summary = Synthèse
report-sessions = Séances
report-checks = Contrôles
report-bases-of-values = Bases des valeurs
report-sources-of-rules = Sources des règles
report-notes-not-passed = Remarques sur les contrôles non conformes
report-accepted-exceptions = Exceptions acceptées
report-notes = Remarques
report-injection-heading = Injection { $id } (séance { $session })
report-session-heading = Séance { $id } — { $instant } ({ $extent })
report-predicted-doses = Doses prévisionnelles (99mTc-MAA, modèle de partition)
report-vial-order = Commande du flacon
report-delivered = Administration réalisée

## Patient et données d'entrée
report-patient = Patient
report-diagnosis = Diagnostic
report-history = Histoire de la maladie
report-bilirubin = Bilirubine
report-whole-liver = Foie entier
report-tumours = Tumeurs
report-non-tumoural-liver = Foie non tumoral
report-lungs = Poumons
report-planar-lsf = LSF planaire
report-mapping-lsf = LSF du bilan MAA
report-sex-male = homme
report-sex-female = femme
report-age-years = { $years } ans
report-primary-site = primitif : { $site }
report-default = par défaut
report-tumours-value =
    { $count ->
        [one] { $count } lésion
       *[other] { $count } lésions
    }, { $volume } ; charge tumorale { $burden }
report-non-tumoural-liver-value = { $mass } (foie entier moins les tumeurs)
report-planar-lsf-value = { $lsf } (moyenne géométrique : poumons { $lung_ant }/{ $lung_post }, foie { $liver_ant }/{ $liver_post } coups ant./post.)
report-lung-mass-convention = { $mass } (convention de la notice TheraSphere)
report-lung-mass-ct = { $mass } (volume pulmonaire TDM { $volume } × { $density })
report-lung-mass-stated = { $mass } (valeur indiquée)
report-mass-from-volume = volume × densité
report-mass-stated = masse indiquée
report-lobe-right = droit
report-lobe-left = gauche
report-lobe-both = deux lobes

## En-têtes de tableaux
report-col-tumour = tumeur
report-col-segment = segment
report-col-lobe = lobe
report-col-volume-ml = volume (mL)
report-col-mass-g = masse (g)
report-col-mass-from = origine
report-col-injection = injection
report-col-session = séance
report-col-treatment = traitement
report-col-device = dispositif
report-col-method = méthode
report-col-administered = activité administrée
report-col-vial-at-injection = flacon à l'injection
report-col-binding-constraint = contrainte limitante
report-col-whole-tumour-dose = dose tumorale moyenne (Gy)
report-col-status = statut
report-col-rule = règle
report-col-subject = sujet
report-col-basis = base
report-col-value = valeur
report-col-requirement = exigence
report-col-source = source
report-col-compartment = compartiment
report-col-tnr = TNR
report-col-activity-gbq = activité (GBq)
report-col-dose-gy = dose (Gy)
report-col-activity-with-vial = activité avec le flacon (GBq)
report-col-dose-with-vial = dose avec le flacon (Gy)
report-col-candidate = contrainte candidate
report-col-activity = activité
report-col-other-vial = autre flacon
report-col-calibration = calibration
report-col-at-treatment = au traitement
report-col-deviation = écart
report-col-treatment-day = jour de traitement (même heure)
report-col-weekday = jour
report-col-days-after-calibration = jours après calibration
report-col-in-the-vial = dans le flacon
report-col-date = date
report-col-kind = type
report-col-description = description
report-col-recorded = valeurs enregistrées

## Synthèse et injections
report-contraindicated = contre-indiquée
report-no-activity-allowed = aucune activité permise
report-method-partition = modèle de partition
report-method-ho166 = règle de dose Ho-166
report-method-mird-text = MIRD monocompartimental (fixation uniforme dans le volume perfusé)
report-method-partition-text = modèle de partition (multicompartimental, Ho et al. 1996)
report-method-bsa-text = méthode BSA (résine ; Kennedy et al. 2007)
report-method-ho166-text = règle de dose Ho-166 (3,781 GBq/kg pour 60 Gy)
report-constraint-perfused-target = objectif de dose au volume perfusé
report-constraint-tumour-target = objectif de dose tumorale
report-constraint-ho166-rule = règle de dose Ho-166
report-constraint-bsa-formula = formule BSA
report-constraint-fixed-activity = activité fixée par l'utilisateur
report-constraint-normal-liver-limit = limite de dose au foie sain perfusé
report-constraint-perfused-limit = limite de dose au volume perfusé
report-constraint-lung-limit = limite de dose pulmonaire de l'injection
report-constraint-ntad-limit = limite de dose au foie non tumoral (foie entier) de la séance
report-constraint-session-lung-limit = limite de dose pulmonaire par séance
report-constraint-cumulative-lung-limit = limite de dose pulmonaire cumulée
report-no-activity = Aucune activité : { $reason }.
report-catheter-position = Position du cathéter
report-territory = Territoire
report-territory-value = { $territory } ; perfusé { $volume } = { $mass } ; non tumoral { $normal }
report-territory-whole-liver = foie entier
report-territory-lobar-both = lobaire, deux lobes
report-territory-lobe = lobe { $lobe }
report-territory-segmental = segmentaire
report-territory-segmental-lobe = segmentaire, lobe { $lobe }
report-material-glass = verre
report-material-resin = résine
report-material-plla = acide poly-L-lactique
report-device = Dispositif
report-method = Méthode
report-lsf = Fraction de shunt pulmonaire (LSF)
report-lsf-stated = indiqué pour cette injection
report-lsf-mapping = bilan MAA
report-lsf-measured = mesurée sur la TEMP/TDM du bilan MAA
report-lsf-planar = moyenne géométrique planaire
report-residual-fraction = Fraction résiduelle
report-goal = Objectif
report-goal-combined = dose moyenne de l'ensemble des tumeurs du territoire { $dose }
report-goal-every = chaque tumeur du territoire au moins { $dose }
report-goal-tumour = tumeur { $id } { $dose }
report-goal-perfused = dose au volume perfusé { $dose }
report-goal-activity = activité administrée fixée à { $activity }
report-goal-maximum = activité maximale permise par les limites
report-goal-formula = formule BSA
report-limits = Limites
report-limit-normal-liver = foie sain perfusé ≤ { $dose }
report-limit-perfused = volume perfusé ≤ { $dose }
report-limit-lung-injection = poumons (injection) ≤ { $dose }
report-limit-ntad-session = NTAD foie entier (séance) ≤ { $dose }
report-limit-lung-session = poumons (séance) ≤ { $dose }
report-limit-lung-cumulative = poumons (cumulée) ≤ { $dose }
report-no-limits = aucune
report-bsa-method = Méthode BSA
report-bsa-method-value = BSA { $bsa } ; (BSA − 0,2) + { $involvement } = { $whole_liver } pour le foie entier ; × { $fraction } (volume perfusé / volume hépatique) ; facteur LSF { $lsf_factor }
report-administered-activity = Activité administrée
report-vial-activity-at-injection = Activité du flacon à l'injection
report-vial-activity-value = { $activity } = activité administrée / (1 − { $residual })
report-binding-constraint = Contrainte limitante
report-target = Objectif
report-target-not-reached = NON atteint : une limite s'applique avant l'objectif tumoral
report-with-ordered-vial = Avec le flacon commandé
report-with-ordered-vial-value = { $activity } administrée si l'injection a lieu à l'heure prévue (flacon entier moins le résidu ; { $deviation } par rapport à la prescription) ; les contrôles utilisent ces doses
report-row-tumour = tumeur { $id }
report-row-tumour-part = tumeur { $id } ({ $fraction } dans le territoire)
report-row-tumours-combined = ensemble des tumeurs
report-row-normal-liver = foie sain (perfusé)
report-row-perfused = volume perfusé
report-row-lungs = poumons

## Commande du flacon
report-vial = Flacon
report-at-calibration = { $activity } à la calibration du { $instant }
report-in-vial-at-treatment = Dans le flacon au traitement
report-in-vial-at-treatment-value = { $activity } ({ $deviation } par rapport aux { $required } requis), { $days } jours après la calibration
report-exact-activity-at = Activité exacte le
report-exact-activity-at-value = { $instant } (le flacon contient exactement l'activité requise)
report-vials = Flacons
report-vials-at-calibration = { $count } × { $activity } à la calibration du { $instant }
report-in-vials-at-treatment = Dans les flacons au traitement
report-fraction-to-draw = Fraction à prélever
report-fraction-to-draw-value = { $fraction } de chaque flacon, { $activity } au total
report-order = Commande
report-order-value = { $activity } à la calibration du { $instant } (= { $at_treatment } au traitement)
report-microspheres = Microsphères
report-microspheres-value = environ { $millions } millions dans le ou les flacons à la calibration ou prélevées (activité par sphère du catalogue ; le résidu en retient une partie)
report-calibration-schedule = Calendrier de calibration
report-unverified = non vérifié
report-monday = lundi
report-tuesday = mardi
report-wednesday = mercredi
report-thursday = jeudi
report-friday = vendredi
report-saturday = samedi
report-sunday = dimanche

## Administration
report-injected = Injecté le
report-vial-at-injection = Flacon à l'injection
report-residual-at-injection = Résidu à l'injection
report-delivered-activity = Activité délivrée

## Séances
report-extent-unilobar = unilobaire
report-extent-bilobar = bilobaire
report-injections = Injections
report-totals = Totaux
report-no-activity-in-session = aucune activité planifiée pour cette séance
report-scaled = Réduction
report-scaled-value = { $injections } × { $factor } pour respecter la contrainte : { $constraint }
report-whole-tumour-doses-intro = Doses moyennes par tumeur entière avec les flacons commandés (toutes les injections de la séance ; une tumeur partagée entre territoires reçoit l'énergie de chaque partie rapportée à sa masse totale) :
report-whole-liver-ntad = Dose au foie non tumoral (foie entier)
report-whole-liver-ntad-value = { $dose } (énergie { $energy } dans tout le foie non tumoral / { $mass } ; foie non traité à 0 Gy)
report-not-evaluable = non évaluable
report-not-evaluable-because = non évaluable : { $why }
report-ntad-plan-so-far = NTAD foie entier, plan à ce stade
report-ntad-plan-so-far-value = { $dose } (cette séance et les précédentes du plan ; doses délivrées lorsque le résidu a été mesuré)
report-ntad-cumulative = NTAD foie entier, cumulée
report-ntad-cumulative-value = { $dose } (SIRT antérieures telles qu'enregistrées, { $earlier }, plus cette séance et les précédentes du plan)
report-treated-fraction = Fraction traitée
report-treated-fraction-value = { $fraction } du foie non tumoral
report-treated-fraction-with-limit = { $fraction } du foie non tumoral ; la limite foie entier de { $limit } équivaut à { $equivalent } sur le foie sain perfusé (limite / fraction)
report-lung-session-1kg = Dose pulmonaire, séance (convention 1 kg)
report-lung-session-1kg-value = { $dose } (K · A · LSF / 1 kg avec le LSF de planification : la convention de la limite de 30 Gy)
report-lung-cumulative-1kg = Dose pulmonaire cumulée (convention 1 kg)
report-lung-session-mass-used = Dose pulmonaire, séance (masse pulmonaire utilisée)
report-lung-cumulative-mass-used = Dose pulmonaire cumulée (masse pulmonaire utilisée)
report-lung-cumulative-mass-used-value = { $dose } (avant cette séance : { $earlier })

## Antécédents thérapeutiques (valeurs enregistrées d'un traitement antérieur)
report-earlier-sirt-ntad = NTAD foie entier des SIRT antérieures
report-earlier-sirt-ntad-value = { $dose } (telle qu'enregistrée ; ajoutée à la NTAD foie entier cumulée de chaque séance)
report-history-lobar = lobaire
report-history-per-cycle = { $activity } par cycle
report-history-cycles = { $count } cycles
report-history-fractions = { $count } fractions
report-history-ntad = NTAD foie entier
report-history-lung = poumons
report-history-liver = foie
report-history-kidneys = reins
report-history-mean-liver = foie (dose moyenne)

## Bloc de signatures
sign-heading = Signatures
sign-col-name = nom
sign-col-role = fonction
sign-col-instant = date et heure
sign-col-meaning = signification
sign-col-signature = signature
sign-prepared-by = Préparé par
sign-checked-by = Vérifié par
sign-approved-by = Approuvé par
sign-electronic = (électronique)
sign-meaning-prepared = préparé : création de la version { $version } du plan

## Fiche du jour de traitement
day-title = Jour de traitement — séance { $session } — { $instant }
day-patient = Patient
day-planned-treatment = Traitement prévu
day-session = Séance
day-plan = Plan
day-plan-value = sirtplan { $version } (le rapport du plan contient les contrôles et leurs sources)
day-injection-heading = Injection { $id }
day-device = Dispositif
day-catheter-position = Position du cathéter
day-time = Date et heure
day-do-not-inject = Ne pas injecter : { $reason }.
day-activity-to-inject = Activité à injecter
day-activity-to-inject-value = { $activity } administrée (contenu du flacon ou activité prélevée, moins le résidu attendu de { $residual })
day-col-compartment = compartiment
day-col-expected-dose = dose attendue (Gy)
day-col-limit = limite
day-limits-of-injection = Limites de l'injection
day-col-recorded = relevé au traitement
day-col-value = valeur
day-col-time = heure
day-col-initials = initiales
day-vial-assay = activité du flacon mesurée avant injection
day-injection = injection
day-residual-measured = résidu mesuré
day-session-totals = Totaux de la séance
day-col-quantity = grandeur
day-col-expected = attendu
day-whole-liver-ntad = dose au foie non tumoral (foie entier)
day-activity = activité
day-none-planned = aucune planifiée pour cette séance
day-lung-session-1kg = dose pulmonaire, séance (convention 1 kg)
day-lung-cumulative-1kg = dose pulmonaire cumulée (convention 1 kg)

## Paramètres du site qui diffèrent des valeurs par défaut (sirt-planning : settings_report.rs)
settings-heading = Paramètres du site
settings-intro = Ce plan a été établi avec des paramètres du site qui diffèrent des valeurs par défaut :
settings-col-setting = paramètre
settings-col-value = valeur
settings-col-default = valeur par défaut
settings-col-source = source de la valeur par défaut
settings-none = (aucun)
settings-own-zone = (chaque instant dans son propre fuseau horaire)
settings-site-choice = choix du site
settings-language-source = choix du site ; --lang et le choix de chaque utilisateur l'emportent

## Le dossier d’un plan dans l’application web (sirt-server : report.rs, frozen.rs, delivery.rs)
record-plan-record = Dossier du plan
record-delivery-record = Relevé d’administration
record-delivery-addendum = Avenant d’administration
record-addendum-title = Avenant d’administration — { $title }
record-patient = Patient
record-patient-value = { $name } (IPP { $mrn })
record-case = Cas
record-plan = Plan
record-plan-value = version { $version }, { $state }
record-state-draft = brouillon
record-state-checked = vérifié
record-state-approved = approuvé
record-state-delivered = administré
record-created = Créé
record-checked = Vérifié
record-approved = Approuvé
record-by-at = { $who }, { $at }
record-inputs-sha = SHA-256 des données d’entrée
record-parameters-changed = Paramètres modifiés
record-parameters-none = aucun (le fichier du cas tel qu’écrit)
record-signature = Signature
record-signature-value = { $name } ({ $username }, { $role }), { $at } : { $meaning }
record-ack = Contrôle non conforme pris en compte
record-ack-value = { $rule } ({ $subject }) par { $name } ({ $username }), { $at } : { $reason }
record-engine = Moteur de calcul
record-approval-sha = SHA-256 de l’approbation
record-recording = Enregistrement
record-recording-delivery = l’administration de la séance { $session }, enregistrée par { $who } le { $at }
record-recording-correction = une correction de l’administration de la séance { $session }, enregistrée par { $who } le { $at }
record-approved-report = Rapport approuvé
record-approved-report-value = inchangé : le rapport figé à l’approbation ({ $at }), SHA-256 { $sha } ; SHA-256 de l’approbation { $approval }
record-approved-report-none = aucun rapport figé (plan approuvé avant que l’approbation ne fige son rapport)
record-computed = Calculé
record-computed-value = le { $at } avec { $engine } : les doses délivrées et les contrôles post-traitement des relevés alors en vigueur
record-injection = Injection { $injection } (séance { $session })
record-injection-value = injectée le { $injected } ; flacon { $vial } mesuré le { $assayed } ({ $vial_at_injection } à l’injection) ; résidu { $residual } mesuré le { $measured } ; délivré { $delivered } ; cathéter : { $catheter } ; enregistré par { $who }, { $at } (version { $version })
record-confirmed =  ; écart de plus de 50 % au plan, confirmé : { $reason }
record-correction =  ; correction : { $reason }
record-sessions-delivered = Séances administrées
record-session-delivered = { $session } ({ $who }, { $at })
record-role-admin = administrateur
record-role-physician = médecin
record-role-physicist = physicien médical
record-role-technologist = manipulateur
record-role-viewer = lecteur
record-meaning-check = vérifié par le physicien médical
record-meaning-approve = approuvé par le médecin
report-history-kind-sirt = SIRT
report-history-kind-prrt = RIV (PRRT)
report-history-kind-tace = chimioembolisation (TACE)
report-history-kind-surgery = chirurgie
report-history-kind-systemic = traitement systémique
report-history-kind-ebrt = radiothérapie externe
report-history-kind-sbrt = radiothérapie stéréotaxique (SBRT)
report-history-kind-other = autre
