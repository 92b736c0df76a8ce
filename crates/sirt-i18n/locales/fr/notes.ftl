# notes messages (fr) : les remarques d’un plan (valeurs par défaut, données non vérifiées,
# antécédents), les raisons pour lesquelles une injection n’a pas d’activité, les antécédents
# en toutes lettres. Les nombres arrivent déjà formatés dans la langue du lecteur.

note-default-liver-density = Masse volumique du foie et des tumeurs de { $density } par défaut (convention dosimétrique TheraSphere [R]) ; renseigner liver.density pour la modifier.
note-lung-mass-convention = Masse pulmonaire de 1 kg selon la convention de la notice TheraSphere ; renseigner lungs.ct_volume pour une masse issue de la TDM.
note-lung-mass-from-ct = Masse pulmonaire de { $mass } issue du volume pulmonaire TDM ; la limite de 0,61 GBq aux poumons de la notice TheraSphere ne correspond à 30 Gy que pour 1 kg avec K = 50.
note-calibration-unverified = Calendrier de calibration et fenêtre d’utilisation de { $device } : valeurs de catalogue non vérifiées ({ $source }) ; à contrôler avec la notice (IFU) en vigueur.
note-tumour-doses-maa-predicted = Les doses tumorales sont des prédictions issues des 99mTc-MAA (modèle de partition, fixation uniforme par compartiment) ; les MAA prédisent mal la dose tumorale : vérifier par l’imagerie post-traitement.
note-earlier-sirt-without-ntad = SIRT antérieure du { $dates } sans NTAD foie entier enregistrée (earlier_treatments.whole_liver_ntad) : comptée à 0 Gy, la NTAD foie entier cumulée est donc une borne inférieure.

# Pourquoi une injection n’a pas d’activité, pourquoi la NTAD foie entier d’une séance n’est pas évaluable.
note-lsf-above-last-band = LSF de { $lsf } au-delà de la dernière tranche de réduction des microsphères en résine : traitement contre-indiqué
note-limit-already-reached = contrainte déjà atteinte par les traitements antérieurs et les activités fixées dans cette séance : { $limit }
note-mird-without-tumours = injection MIRD { $injections } sans tumeur attribuée : si son territoire contient des tumeurs, sa masse perfusée compte leur tissu comme foie non tumoral ; lister les tumeurs du territoire (injections.tumours) pour évaluer la NTAD foie entier
note-delivery-record-missing = injection { $injections } de la séance sans relevé d’administration : les doses délivrées de la séance ne sont pas connues

# Ce qui a fixé l’activité d’une injection.
note-constraint-perfused-target = objectif de dose au volume perfusé
note-constraint-tumour-target = objectif de dose tumorale
note-constraint-ho166-rule = règle de dose Ho-166
note-constraint-bsa-formula = formule BSA
note-constraint-fixed-activity = activité fixée par l’utilisateur
note-constraint-normal-liver-limit = limite de dose au foie non tumoral perfusé
note-constraint-perfused-limit = limite de dose au volume perfusé
note-constraint-lung-limit = limite de dose pulmonaire de l’injection
note-constraint-whole-liver-ntad-limit = limite de dose au foie non tumoral entier (NTAD) de la séance
note-constraint-session-lung-limit = limite de dose pulmonaire par séance
note-constraint-cumulative-lung-limit = limite de dose pulmonaire cumulée

# Les antécédents en toutes lettres.
note-list-more = { $first }, { $rest }
note-list-more-clauses = { $first } ; { $rest }
note-earlier = antécédent de { $treatment }
note-earlier-treatment = { $kind } du { $date }
note-earlier-treatment-recorded = { $kind } du { $date } ({ $recorded })
note-earlier-session-treated-lobe = la séance { $session } ({ $treatment }) a traité le lobe { $lobes } du territoire de cette séance
note-territory-of-lobe = { $territory } (lobe { $lobe })
note-lobe = lobe { $lobe }
note-territory-of-both-lobes = { $territory } (les deux lobes)
note-both-lobes = les deux lobes
note-lobe-right = droit
note-lobe-left = gauche
note-lobe-both = droit et gauche
note-territory-whole-liver = foie entier
note-territory-lobar = lobaire
note-territory-segmental = segmentaire
note-activity = { $activity }
note-activity-per-cycle = { $activity } par cycle
note-cycles = { $count ->
    [one] { $count } cycle
   *[other] { $count } cycles
}
note-fractions = { $count ->
    [one] { $count } fraction
   *[other] { $count } fractions
}
note-dose-of = { $what } { $dose }
note-dose-whole-liver-ntad = NTAD foie entier
note-dose-lung = poumons
note-dose-liver = foie
note-dose-kidneys = reins
note-dose-mean-liver = dose moyenne au foie

# Valeurs qu’un dossier accepte au-delà des limites de plausibilité et de cohérence des images du site.
note-accepted = { $what } : { $source } : trouvé { $found }, attendu { $expected } : accepté par le dossier (accepted[{ $index }] : { $reason })
note-source-case-file = dossier { $file }
note-source-structure = { $file } (structure « { $name } »)
note-plausible-range = une valeur plausible de { $quantity }, de { $min } à { $max }
note-value = { $value }
note-quantity-liver-volume = volume hépatique total
note-quantity-lung-mass = masse pulmonaire (lungs.mass, ou lungs.ct_volume × lungs.density)
note-quantity-body-weight = poids corporel
note-quantity-body-height = taille
note-quantity-segmented-liver-volume = volume hépatique segmenté
note-quantity-segmented-lung-volume = volume pulmonaire segmenté
note-qform-sform-expected = qform et sform à moins de { $max } l’un de l’autre aux coins de l’image (la sform est celle qui est lue)
note-qform-sform-found = écart de { $distance } au coin (i, j, k) = ({ $i } ; { $j } ; { $k }) : qform { $qform } mm, sform { $sform } mm (RAS)
note-xyz = ({ $x } ; { $y } ; { $z })
note-at-least = au moins { $least } { $of_what }
note-of-counts-in-body = des coups dans le contour corporel de la TDM
note-of-counts-in-liver-and-lungs = des coups dans le foie (avec sa marge de { $margin }) et les poumons
note-of-activity-in-body = de l’activité dans le contour corporel de la TDM
note-of-activity-in-liver = de l’activité dans le foie (avec sa marge de { $margin })
note-maa-fractions = { $in_body } des coups dans le contour corporel, { $in_liver_and_lungs } dans le foie (avec sa marge de { $margin }) et les poumons
note-pet-fractions = { $in_body } de l’activité dans le contour corporel, { $in_liver } dans le foie (avec sa marge de { $margin })
note-maa-spect-file = TEMP aux MAA { $file } : { $found }
note-y90-pet-file = TEP à l’Y-90 { $file } : { $found }

# Les remarques de la partie voxel d’un plan.
note-voxel-missing-tumour = tumeur { $tumour } : pas de structure « { $name } » dans { $file } : absente de la dosimétrie voxel
note-voxel-whole-liver-holds-session = séance { $session } : toutes les injections n’ont pas de structure de territoire : l’activité de la séance est répartie dans le foie entier
note-voxel-pet = TEP à l’Y-90 : { $note }
note-voxel-no-prediction = séance { $session } : pas de prédiction MAA à comparer avec la TEP
