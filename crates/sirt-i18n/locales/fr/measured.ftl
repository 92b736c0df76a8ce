# Les données mesurées du plan (sirt-report : measured.rs ; sirt-planning : feed.rs) : la LSF,
# les TNR, les volumes et masses perfusés et la masse pulmonaire, mesurés sur les images ou saisis.

## Contrôles dont des données ont été mesurées
measured-values-from = { $values } ; données : { $inputs }
measured-input-lsf = LSF mesurée sur la TEMP/TDM aux MAA ({ $injections })
measured-input-tnr = TNR mesuré sur la TEMP/TDM aux MAA ({ $tumours })
measured-input-perfused = volume perfusé mesuré sur son masque ({ $injections })
measured-lsf-method = mesurée sur la TEMP/TDM aux MAA

## Section du rapport
measured-heading = Données mesurées
measured-intro = Origine de chaque donnée que les images mesurent : mesurée sur les images (le fichier de cas l’omet) ou saisie (la mesure à côté, avec l’écart et la raison donnée par le fichier de cas).
measured-lsf-heading = Fraction de shunt pulmonaire (LSF)
measured-tnr-heading = Rapports tumeur/foie sain
measured-perfused-heading = Volume et masse perfusés
measured-lung-mass-heading = Masse pulmonaire
measured-not-measured-heading = Non mesuré
measured-col-injection = Injection
measured-col-tumour = Tumeur
measured-col-used = Utilisé
measured-col-origin = Origine
measured-col-measured = Mesuré
measured-col-difference = Saisi − mesuré
measured-col-reason = Raison
measured-col-counts-per-ml = Coups/mL tumeur / foie sain
measured-col-normal-region = Foie sain
measured-col-mass-used = Masse utilisée
measured-col-mass-ct = Masse d’après la TDM
measured-col-mask = Masque
measured-origin-measured = mesuré
measured-origin-entered = saisi ({ $field })
measured-origin-parameter = paramètre du plan ({ $field })
measured-origin-planar = moyenne géométrique planaire (mapping.planar)
measured-no-reason = saisi ; aucune raison donnée
measured-points = { $value } pts
measured-lsf-counts = Coups de la LSF
measured-lsf-counts-value = { $lungs } dans { $lung_mask }, { $liver } dans { $liver_mask }
measured-planar = Moyenne géométrique planaire
measured-planar-value = { $lsf } (mapping.planar) : l’alternative au comptage en TEMP/TDM, qu’elle surestime ({ $citation })
measured-image = Image
measured-image-value = { $image } (série { $series }) ; masques de { $structures }
measured-no-series = NIfTI, sans UID de série
measured-grid = Grille
measured-method = Méthode
measured-mass-used = Masse utilisée par le plan
measured-mass-used-value = le volume × la densité du foie (tumeurs à leur propre masse ; { $citation }) ; la masse d’après les densités TDM est donnée à côté
measured-mass-with-density = { $mass } à { $density } g/mL
measured-lung-mass-used = Masse pulmonaire utilisée par le plan
measured-lung-mass-used-value = { $mass } ; les contrôles pulmonaires décisifs utilisent la convention de 1 kg dans laquelle les limites ont été fixées ({ $citation })
measured-lung-mass-ct = Masse pulmonaire d’après la TDM
measured-lung-mass-ct-value = { $mass } d’après les densités TDM dans { $mask } ({ $volume }) ; { $conventional } à la densité conventionnelle de { $density } g/mL

## sirtplan measure (sirt-cli : commands/measure.rs)
measured-cli-masses-header = Masses d’après la TDM (Σ ρ(HU) · v sur les voxels TDM du masque ; { $curve }) :
measured-cli-mass-row = { $injection } : { $mass } d’après la TDM, { $conventional } en volume × densité du foie ({ $mask })
measured-cli-lung-mass = poumons : { $mass } d’après la TDM, { $conventional } à { $density } g/mL ({ $mask }, { $volume })
