# Messages voxel (fr) : les sections voxéliques d'un rapport (voxel-), les tableaux et courbes
# HDV (dvh-), les figures (figure-).
# Les nombres arrivent déjà mis en forme dans la langue du lecteur (virgule décimale).

## Rôles des structures.
voxel-role-liver = foie
voxel-role-lungs = poumons
voxel-role-tumour = tumeur
voxel-role-territory = territoire
voxel-role-normal-liver = foie non tumoral
voxel-role-extrahepatic = extrahépatique
voxel-role-other = autre

## Tableau par structure d'une dosimétrie.
voxel-col-structure = Structure
voxel-col-role = Rôle
voxel-col-volume-ml = Volume (mL)
voxel-col-mass-g = Masse (g)
voxel-col-activity-mbq = A₀ (MBq)
voxel-col-mean-gy = Moyenne (Gy)
voxel-col-max-gy = Max (Gy)
voxel-col-partition-gy = Partition (Gy)
voxel-col-voxel-vs-partition = Écart voxel/partition
voxel-col-note = Remarque
voxel-small-lesion = < 2 mL : volume partiel
voxel-dose-grid = Grille de dose
voxel-dose-grid-value = { $nx } × { $ny } × { $nz } voxels de { $sx } × { $sy } × { $sz } mm
voxel-activity-in-map = Activité dans la carte (A₀)
voxel-k = K
voxel-k-value = { $k } ({ $label } : { $source })
voxel-accounting-intro = Bilan d'activité de la prédiction par les MAA : le foie et les coups situés dans la marge hépatique (débordement de la TEMP) reçoivent A (1 − LSF − f_EH), les poumons A · LSF, chaque structure extrahépatique nommée A · f_i (sa part des coups du foie, de la marge et des structures extrahépatiques) ; les autres coups ne proviennent pas des microsphères et sont exclus de la carte.
voxel-administered = Activité administrée
voxel-in-map = Dans la carte
voxel-in-map-value = { $activity } ({ $percent } de l'activité administrée)
voxel-liver-and-margin = Foie et marge
voxel-lungs = Poumons
voxel-extrahepatic-named = Extrahépatique (structures nommées)
voxel-counts = Coups
voxel-counts-value = foie { $liver }, marge ({ $margin_mm }) { $margin }, poumons { $lungs }, extrahépatique { $extrahepatic }, exclus { $excluded }
voxel-col-extrahepatic-structure = Structure extrahépatique
voxel-col-activity-mbq-long = Activité (MBq)
voxel-col-share-administered = Part de l'activité administrée
voxel-weighting-note = La moyenne, les D_x et le maximum sont pondérés par la masse sur les fractions de volume partiel de la structure dans la grille de dose ; un voxel de bord pèse la densité de sa partie intérieure à la structure (les voxels TDM situés dans les deux), et cette partie reçoit l'énergie du voxel par millilitre rapportée à sa propre densité. Partition = K · A / M avec les mêmes masques (fixation uniforme) ; en dépôt local elle est égale à la moyenne voxélique, avec le noyau de dose la différence est l'énergie qui traverse la limite de la structure. Les volumes sont ceux des contours tracés.

## Dose prédite et dose délivrée.
voxel-verification-heading = Dose prédite (TEMP aux MAA) et dose délivrée (TEP à l'Y-90)
voxel-col-predicted-gy = Prédite (Gy)
voxel-col-delivered-gy = Délivrée (Gy)
voxel-col-delivered-over-predicted = Délivrée / prédite
voxel-tumours-compared = Tumeurs comparées
voxel-bias = Biais (délivrée − prédite)
voxel-bias-value = { $bias }, limites d'agrément de { $low } à { $high }
voxel-relative-bias = Biais relatif
voxel-relative-bias-value = { $bias }, limites de { $low } à { $high }
voxel-no-bland-altman = Moins de deux tumeurs appariées : pas de synthèse de Bland–Altman.
voxel-unmatched = Structures présentes d'un seul côté : { $names }.

## Document d'une dosimétrie seule (sirtplan dose).
voxel-document-title = sirtplan — dosimétrie voxélique
voxel-document-section = Dose par structure

## La partie voxélique du rapport d'un plan.
voxel-heading = Dosimétrie voxélique
voxel-session-predicted = Séance { $session } : dose prédite par la TEMP aux MAA aux activités planifiées
voxel-plan-vs-voxel-intro = Séance { $session } : doses du plan selon le modèle de partition (volumes et TNR du dossier, flacons commandés) comparées aux moyennes voxéliques issues des images. Le modèle de partition suppose une fixation uniforme dans chaque compartiment ; les moyennes voxéliques prennent la TEMP telle quelle (flou, hétérogénéité).
voxel-col-compartment = Compartiment
voxel-col-plan-partition-gy = Plan, modèle de partition (Gy)
voxel-col-voxel-mean-gy = Moyenne voxélique (Gy)
voxel-col-voxel-over-plan = Voxel / plan
voxel-row-tumour = tumeur { $id }
voxel-row-ntad = foie non tumoral entier (NTAD)
voxel-row-lungs = poumons
voxel-session-delivered = Séance { $session } : dose délivrée, d'après la TEP à l'Y-90
voxel-compared-at-delivered = La prédiction comparée est la TEMP aux MAA mise à l'échelle de l'activité délivrée selon l'enregistrement d'administration du dossier ({ $in_map } dans la carte, répartis comme ci-dessus), de sorte que les écarts sont ceux de la distribution et non de l'activité. L'activité propre de la TEP est de { $pet }.
voxel-compared-at-planned = Le dossier n'a pas d'enregistrement d'administration : la prédiction comparée est à l'activité planifiée, les écarts incluent donc ceux de l'activité.

## Figures et fichiers HDV.
dvh-figure-predicted-title = Séance { $session } : HDV cumulatif, prédit par la TEMP aux MAA aux activités planifiées
dvh-figure-predicted-caption = Séance { $session } : histogrammes dose-volume cumulatifs de la dose prédite par les MAA aux activités planifiées (pondérés par la masse, en % de chaque structure).
dvh-figure-overlay-title = Séance { $session } : HDV cumulatif, prédit (trait plein) et délivré (tirets)
dvh-figure-overlay-caption-at-delivered = Séance { $session } : histogrammes dose-volume cumulatifs de la prédiction par les MAA à l'activité délivrée (trait plein) et de la dose délivrée d'après la TEP à l'Y-90 (tirets).
dvh-figure-overlay-caption-at-planned = Séance { $session } : histogrammes dose-volume cumulatifs de la prédiction par les MAA aux activités planifiées (trait plein) et de la dose délivrée d'après la TEP à l'Y-90 (tirets).
dvh-predicted = prédit
dvh-delivered = délivré
dvh-solid = trait plein
dvh-dashed = tirets
dvh-default-title = Histogrammes dose-volume cumulatifs
dvh-axis-dose = Dose (Gy)
dvh-axis-volume = Volume (%)
dvh-file-title = HDV cumulatif
dvh-file-title-predicted = Séance { $session } : HDV cumulatif
dvh-file-title-delivered = Séance { $session } : HDV cumulatif délivré
dvh-file-title-at-delivered = Séance { $session } : prédiction par les MAA à l'activité délivrée (trait plein) et TEP à l'Y-90 (tirets)

## Indicateurs HDV en tableau.
dvh-metrics-title = Indicateurs dose-volume
dvh-col-structure = structure
dvh-col-weighting = pondération
dvh-col-volume-ml = volume (mL)
dvh-col-mass-kg = masse (kg)
dvh-col-mean-gy = moyenne (Gy)
dvh-col-min-gy = min (Gy)
dvh-col-max-gy = max (Gy)
dvh-weighting-mass = masse
dvh-weighting-volume = volume
dvh-doses-heading = Volume, masse et doses
dvh-vx-heading = Volume recevant au moins x Gy
dvh-definitions = D_x : dose minimale reçue par les x % les plus irradiés de la structure, au pas de l'HDV ({ $bins }) ; V_x : pourcentage de la structure recevant au moins x Gy. Pondération « masse » : par la masse des voxels d'après la carte de densité ; « volume » : par le volume des voxels.

## Diagramme de Bland–Altman.
figure-ba-title = Séance { $session } : doses moyennes des tumeurs, délivrée − prédite
figure-ba-caption = Séance { $session } : diagramme de Bland–Altman des doses moyennes { $count ->
        [one] d'une tumeur
       *[other] de { $count } tumeurs
    }, délivrée (TEP à l'Y-90) − prédite (TEMP aux MAA) : biais { $bias } (trait plein), limites d'agrément à 95 % de { $low } à { $high } (tirets, biais ± 1,96 ET).
figure-ba-axis-mean = Moyenne des doses prédite et délivrée (Gy)
figure-ba-axis-difference = Délivrée − prédite (Gy)
figure-ba-bias = biais { $value }
figure-ba-upper = +1,96 ET { $value }
figure-ba-lower = −1,96 ET { $value }
figure-ba-point = { $name } : prédite { $predicted }, délivrée { $delivered }

## Coupes de dose.
figure-slice-isodose = Isodoses :
figure-slice-outlines = Contours :
figure-slice-tumours = tumeurs
figure-slice-footer = Fenêtre TDM { $low }/{ $high } UH ; dose en couleur à partir de { $floor }
figure-plane-axial = axiale
figure-plane-coronal = coronale
figure-sense-superior = positif vers le haut
figure-sense-posterior = positif vers l'arrière
figure-view-axial = convention radiologique (droite du patient à gauche de l'image, antérieur en haut)
figure-view-coronal = vue de face (droite du patient à gauche de l'image, supérieur en haut)
figure-short-predicted = prédite (MAA)
figure-short-delivered = délivrée (TEP à l'Y-90)
figure-short-at-delivered = prédite à l'activité délivrée
figure-dose-predicted = dose prédite (TEMP aux MAA, activités planifiées)
figure-dose-delivered = dose délivrée (TEP à l'Y-90)
figure-dose-at-delivered = dose prédite à l'activité délivrée (TEMP aux MAA)
figure-through-tumour = tumeur { $name }
figure-slice-title = Séance { $session } · { $dose } · { $through } · { $plane } { $axis } = { $position }
figure-slice-caption = Séance { $session }, { $dose } : coupe { $plane } passant par { $through } (sa plus grande section) à { $axis } = { $position } (LPS, { $sense }), { $view } ; fenêtre TDM { $ct_low }/{ $ct_high } UH ; dose en couleur de 0 à { $scale_max } (aucune couleur sous { $floor }) ; isodoses { $levels } ; contours : { $outlines }.
figure-slices-failed = Les figures en coupe n'ont pas pu être produites : { $error }.

## Remarques du calcul de dose voxel (sirt-voxel-dosimetry)
voxel-note-maa = prédiction MAA : A { $administered } ; le foie contient A(1 − LSF − f_EH) = { $liver } ({ $per_count } MBq/coup), les poumons A · LSF = { $lungs } (LSF { $lsf }), les structures extrahépatiques nommées { $extrahepatic } ; la carte contient { $in_map }
voxel-note-maa-with-margin = prédiction MAA : A { $administered } ; le foie et sa marge contiennent A(1 − LSF − f_EH) = { $liver } ({ $per_count } MBq/coup), les poumons A · LSF = { $lungs } (LSF { $lsf }), les structures extrahépatiques nommées { $extrahepatic } ; la carte contient { $in_map }
voxel-note-lungs-uniform = les poumons contiennent A · LSF, réparti uniformément dans le masque pulmonaire
voxel-note-no-lung-mask = pas de masque pulmonaire : la dose pulmonaire vient du modèle LSF ; les coups pulmonaires sont exclus, sauf dans la marge hépatique
voxel-note-margin-counts = { $fraction } des coups se trouvent à moins de { $margin } du foie (débordement TEMP) et sont comptés dans le foie
voxel-note-excluded-counts = { $fraction } des coups se trouvent hors du foie, des poumons et des structures extrahépatiques nommées : ce ne sont pas des microsphères (pertechnétate libre, thyroïde, reins, tube digestif non délimité…), exclus de la carte
voxel-note-excluded-counts-with-margin = { $fraction } des coups se trouvent hors du foie et de sa marge, des poumons et des structures extrahépatiques nommées : ce ne sont pas des microsphères (pertechnétate libre, thyroïde, reins, tube digestif non délimité…), exclus de la carte
voxel-note-negative-counts = { $counts } coups négatifs mis à 0
voxel-note-pet-calibration = TEP Bq/mL × { $voxel_ml } par voxel, corrigée de la décroissance sur { $hours } de { $reference } jusqu’à l’administration { $administration } (× { $factor })
voxel-note-self-calibrated = auto-étalonnage : la région contient l’activité délivrée { $delivered } ({ $scale } MBq par unité d’image)
voxel-note-uniform-density = densité uniforme { $density } (sans TDM)
voxel-note-density-mean = densité moyenne des voxels TDM dans chaque voxel de dose
voxel-note-density-trilinear = interpolation trilinéaire de la densité TDM
voxel-note-density-from-ct = densité issue de la TDM : { $source } ; { $how }
voxel-note-outside-ct = { $count } voxels de dose hors du champ de vue TDM : { $density } supposé
voxel-note-dose-engine = moteur de dose : { $engine }
voxel-note-energy = énergie : { $emitted } émise, { $tissue } déposée dans les tissus, { $air } dans l’air, { $outside } sortie de la grille

## Radiobiology (information) (sirt-report: radiobiology.rs)
rb-heading = Radiobiologie (information)
rb-intro = Information, pas une règle : aucune limite ni aucun objectif n’est vérifié sur ces valeurs. BED par la formule de Dale pour un implant permanent, voxel par voxel ({ $nuclide }, période { $half_life }, pas d’élimination biologique des microsphères ; réparation mono-exponentielle), EQD2 = BED / (1 + 2 Gy / (α/β)), gEUD = EUD généralisée de Niemierko de la carte de BED. Les ajustements publiés sont donnés avec leur source, leur niveau de preuve et leur confiance ; leur BED peut reposer sur d’autres α/β et temps de réparation que ceux utilisés ici, et une relation dose–effet à l’échelle du voxel ne rend pas compte de la dose microscopique des microsphères.
rb-col-tissue = Tissu
rb-col-mean-dose = Dose moyenne (Gy)
rb-col-mean-bed = BED moyenne (Gy)
rb-col-mean-eqd2 = EQD2 moyenne (Gy)
rb-col-geud = gEUD de la BED (Gy)
rb-geud-value = { $value } (a = { $a })
rb-col-fit = Ajustement publié
rb-col-value = Valeur ici (Gy)
rb-col-probability = Probabilité
rb-col-evidence = Niveau de preuve
rb-no-slope = non évaluée : pas de pente dans la source
rb-without-parameters = Pas de paramètres tissulaires pour : { $names }.
rb-failed = La radiobiologie n’a pas pu être calculée : { $error }
rb-title-at-delivered = Séance { $session } : prédiction MAA à l’activité délivrée
rb-source-tissue = { $tissue } : { $source } — { $evidence }
rb-source-eud = { $tissue }, gEUD a = { $a } : { $source }
rb-source-fit = { $fit } ({ $endpoint }) : { $source }
rb-source-fit-confidence = { $fit } ({ $endpoint }) : { $source } ; confiance : { $confidence }.
