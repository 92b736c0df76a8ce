# checks messages (fr) : raisons pour lesquelles un contrôle n'a pas été évalué, et composition
# de sa note. Les nombres arrivent déjà formatés dans la langue du lecteur.

# Ce qui a déclenché le contrôle (les faits), puis la note de la règle.
check-detail-and-note = { $detail }. { $note }

check-reason-tumour-burden-unknown = charge tumorale inconnue (volume tumoral ou hépatique absent)
check-reason-no-bilirubin = pas de bilirubinémie dans le bilan biologique du dossier
check-reason-tumour-volume-unknown = volume tumoral inconnu (masse renseignée)
check-reason-no-activity-in-session = aucune activité planifiée pour la séance
check-reason-not-evaluable = non évaluable : { $why }
check-reason-no-maa-accounting = pas de bilan des coups MAA
check-reason-no-imaging-date = pas de date d’imagerie : le dossier n’a pas de mapping.date ni la séance de mapping_date
check-reason-no-activity-for-tumour = aucune activité planifiée pour cette tumeur
check-reason-no-activity = aucune activité planifiée
check-reason-no-lsf = pas de LSF

# Origine des valeurs comparées par un contrôle.
values-partition = modèle de partition aux flacons commandés
values-delivered = modèle de partition à l’activité délivrée (flacon − résidu du relevé d’administration)

# Les faits affichés avec les contrôles pulmonaires.
check-lung-detail = masse pulmonaire retenue { $mass } ; LSF { $lsf }
check-lung-mass-convention = { $mass } (convention de la notice TheraSphere)
check-lung-mass-ct = { $mass } (volume pulmonaire TDM { $volume } × { $density })
check-lung-mass-stated = { $mass } (déclarée)
check-lsf-of-injection = { $injection } { $lsf } ({ $method })
check-lsf-stated-on-injection = indiqué sur l’injection
check-lsf-planar = moyenne géométrique planaire
check-lsf-measured = mesurée sur la TEMP/TDM du bilan MAA

# Les faits affichés avec le contrôle d’ancienneté de l’imagerie.
check-imaging-age-detail = imagerie du { $date } ({ $from }), traitement le { $treatment } : ancienneté { $age } jours ; limite du site { $limit } jours (retreatment.imaging_max_age)
check-imaging-from-session = mapping_date de la séance

# Origine des valeurs voxel d’un contrôle.
values-voxel = dosimétrie voxel sur la TEMP aux MAA aux activités planifiées ({ $engine } ; doses moyennes par structure, masse issue de la TDM)
values-voxel-with-margin = dosimétrie voxel sur la TEMP aux MAA aux activités planifiées ({ $engine } ; doses moyennes par structure, masse issue de la TDM) ; les coups de la marge hépatique ({ $margins }) sont comptés dans l’activité du foie mais restent hors du contour hépatique, les doses voxel au foie ne les incluent donc pas
values-margin-of-session = séance { $session } : { $fraction }
values-pet = dosimétrie voxel sur la TEP à l’Y-90 ({ $engine } ; doses moyennes par structure, masse issue de la TDM)
values-engine-kernel = noyau de dose voxel
values-engine-local-deposition = dépôt local

# Les faits affichés avec les contrôles pulmonaires voxel.
check-voxel-lung-detail = dose moyenne voxel de la structure « { $structure } » ; les poumons reçoivent A · LSF (LSF de planification, pondéré par l’activité sur la séance)
check-voxel-lung-detail-with-mass = dose moyenne voxel de la structure « { $structure } », masse pulmonaire { $mass } issue de la TDM ; les poumons reçoivent A · LSF (LSF de planification, pondéré par l’activité sur la séance)
