# cli messages (fr)
# Le texte propre à la ligne de commande : calculateurs (calc-), listes et messages des autres
# commandes (cli-). Les nombres arrivent mis en forme dans la langue du lecteur, avec leur unité.

cli-error = erreur :
cli-caused-by = cause :

## sirtplan scan
cli-scan-summary = { $dir } : { $files ->
        [one] { $files } fichier
       *[other] { $files } fichiers
    }, { $studies ->
        [one] { $studies } examen
       *[other] { $studies } examens
    }, { $series ->
        [one] { $series } série
       *[other] { $series } séries
    }, { $skipped ->
        [one] { $skipped } ignoré
       *[other] { $skipped } ignorés
    }
cli-scan-study = examen { $uid }  patient { $patient } ({ $name })  date { $date }{ $description }
cli-scan-series = série
cli-scan-frame = référentiel
cli-scan-in = dans
cli-scan-skipped = fichiers ignorés :

## sirtplan phantom
cli-phantom-written = fantôme ({ $preset }, graine { $seed }) écrit dans { $dir } :
cli-phantom-files = { $count ->
        [one] { $count } fichier
       *[other] { $count } fichiers
    }
cli-phantom-synthetic = données synthétiques, pour la recherche et les tests uniquement

## sirtplan measure
cli-measure-title = sirtplan measure { $case } : valeurs mesurées sur la TEMP au MAA avec les contours du cas
cli-measure-lsf = Fraction de shunt pulmonaire : { $lsf } (fichier du cas : { $stated })
cli-measure-lsf-counts = coups : poumons { $lungs }, foie { $liver } (contours « { $lung_mask } » et « { $liver_mask } » de { $structures }, TEMP { $spect })
cli-measure-tnr-header = Rapports tumeur/foie sain :
    tumeur inject    TNR    cas  tumeur/mL    sain/mL  foie sain
cli-measure-perfused-header = Volumes perfusés :
    inject       mesuré  fichier cas  territoire
cli-measure-no-territory = aucun
cli-measure-method = Méthode : coups dans les contours sur la grille de la TEMP, pondérés par le volume partiel ; LSF = poumons / (poumons + foie) ; TNR = coups par millilitre dans la tumeur / dans le foie sain (foie − tumeurs) du territoire de l'injection, sinon du foie entier. La résolution de la TEMP fait déborder les coups : les petites tumeurs sont sous-estimées.
cli-measure-note = Recherche uniquement : vérifier chaque valeur mesurée avant qu'elle n'entre dans un plan.

## sirtplan devices, sirtplan rules
cli-devices-line = { $id } { $name } ({ $manufacturer }, { $material }, { $nuclide }) ; K { $k } ; commande { $ordering }{ $vials } ; étalonnage : { $calibration }{ $unverified }
cli-devices-unverified = (non vérifié)
cli-rules-source = source : { $source }

## sirtplan serve, sirtplan admin
cli-worker-ready = sirtplan worker : { $workers } à la fois sur la base de données { $database }, dossier de données { $data } ; Ctrl-C pour arrêter. Usage en recherche uniquement.
cli-serve-ready = sirtplan serve : http://{ $addr } (base de données { $database }, images dans { $images }) ; Ctrl-C pour arrêter. Usage en recherche uniquement.
cli-admin-created = compte { $username } ({ $role }) créé dans { $database }
cli-password = mot de passe :
cli-password-again = mot de passe (confirmation) :
cli-serve-audit-chained = journal d'audit : chaque ligne chaînée par HMAC-SHA-256 avec la clé d'audit de { $source }
cli-serve-audit-unprotected = ATTENTION : le journal d'audit N'EST PAS protégé contre la falsification : pas de clé d'audit (--audit-key-file FICHIER ou SIRTPLAN_AUDIT_KEY). Les lignes écrites maintenant n'ont pas de MAC. Créez une clé avec `sirtplan admin create-audit-key --out FICHIER`.
cli-admin-audit-key-created = clé d'audit écrite dans { $path } (mode 0600). Gardez-la hors de la base de données et de ses sauvegardes : sans elle, le journal d'audit ne peut pas être vérifié ; avec elle, on peut falsifier la chaîne.
cli-admin-verify-ok = journal d'audit intact : { $verified ->
        [one] { $verified } ligne vérifiée
       *[other] { $verified } lignes vérifiées
    } ; { $unprotected ->
        [one] { $unprotected } ligne antérieure sans MAC (écrite avant la clé d'audit), signalée comme non protégée
       *[other] { $unprotected } lignes antérieures sans MAC (écrites avant la clé d'audit), signalées comme non protégées
    }
cli-admin-verify-row = ligne { $id } ({ $action }, { $at }) : { $fault }
cli-admin-verify-mismatch = le MAC ne correspond pas : la ligne a été modifiée, ou la ligne chaînée qui la précède supprimée
cli-admin-verify-no-mac = pas de MAC après le début de la chaîne : écrite sans la clé d'audit, ou son MAC supprimé
cli-admin-verify-unreadable = le MAC enregistré n'est pas fait de 64 chiffres hexadécimaux
cli-admin-verify-before-chain = avant la première ligne de la chaîne, et hors des lignes sans MAC comptées quand la chaîne a commencé : insérée à l'insu de l'application
cli-admin-verify-id-out-of-range = un identifiant inférieur à 1, que la base de données ne donne jamais : insérée à la main
cli-admin-verify-genesis = la chaîne a commencé à la ligne { $first } avec { $counted } lignes antérieures sans MAC ; il y en a { $found } maintenant : des lignes ont été insérées avant la première ligne de la chaîne, ou supprimées
cli-admin-verify-head-empty = la tête de la chaîne est vide (dernière ligne avec un MAC : { $last }) : aucune ligne n'a jamais été écrite avec cette clé, ou la chaîne a été supprimée et sa tête vidée à l'insu de l'application
cli-admin-verify-head-mac = le MAC de la tête de la chaîne (ligne { $head }) ne correspond pas : elle a été modifiée dans la base de données, ou cette clé n'est pas celle de la base
cli-admin-verify-head-missing = la tête de la chaîne désigne la ligne { $head }, qui manque : des lignes ont été supprimées à la fin du journal (dernière ligne chaînée : { $last })
cli-admin-verify-head-not-last = la tête de la chaîne désigne la ligne { $head }, mais la dernière ligne chaînée est la { $last } : la tête a été ramenée en arrière, ou des lignes ont été ajoutées à l'insu de l'application
cli-admin-verify-failed = journal d'audit : { $rows ->
        [one] { $rows } ligne échoue
       *[other] { $rows } lignes échouent
    } à la vérification{ $head } ; { $verified } vérifiées
cli-admin-verify-failed-head = , de même que la tête de la chaîne
cli-admin-backup-done = sauvegarde de { $database } écrite dans { $path } ({ $bytes } octets, mode 0600)

## sirtplan dose
cli-dose-no-lungs = pas de structure --lungs : les coups pulmonaires gardent l'échelle du foie

## sirtplan calc
calc-mird-title = MIRD monocompartimental (Y-90) : D = K · A · (1 − LSF) / M
calc-partition-title = Modèle de partition (Y-90) : tumeur, foie non tumoral et poumons
calc-bsa-title = Méthode BSA (résine) : A = (BSA − 0,2) + V_tumeur / V_foie
calc-ho166-title = Règle de dose Ho-166 : A = D · M / K
calc-lung-title = Dose pulmonaire : D = K · A · LSF / M_poumons
calc-decay-title = Décroissance de { $nuclide } (T½ { $half_life }, { $source })
calc-footer = (usage en recherche uniquement ; vérifier chaque valeur)

calc-label-perfused-mass = masse perfusée
calc-label-lsf = LSF
calc-label-k = K
calc-label-administered-activity = activité administrée
calc-label-vial = flacon à l'injection
calc-label-perfused-dose = dose au territoire perfusé
calc-label-perfused-dose-after-shunt = dose au territoire perfusé après shunt
calc-label-lung-dose = dose pulmonaire
calc-label-lung-dose-1kg = dose pulmonaire, convention 1 kg
calc-label-cumulative-lung-dose = dose pulmonaire cumulée
calc-label-lung-activity = activité aux poumons
calc-label-lung-mass = masse pulmonaire
calc-label-masses = masse tumorale / non tumorale
calc-label-binding = contrainte limitante
calc-label-candidates = candidats
calc-label-tumour-dose = dose tumorale
calc-label-normal-liver-dose = dose au foie non tumoral
calc-label-bsa = surface corporelle (Du Bois)
calc-label-tumour-involvement = envahissement tumoral
calc-label-whole-liver-activity = activité foie entier
calc-label-perfused-fraction = fraction perfusée
calc-label-lsf-factor = facteur LSF
calc-label-activity = activité
calc-label-bands = paliers LSF
calc-label-mass = masse
calc-label-device = dispositif
calc-label-from = instant initial
calc-label-to = instant final
calc-label-elapsed = durée écoulée
calc-label-decay-factor = facteur de décroissance
calc-label-check = contrôle

calc-lsf-given = indiqué
calc-lsf-planar = moyenne géométrique planaire
calc-vial = { $activity } (résidu { $residual })
calc-lung-dose-with-mass = { $dose } (poumons { $lung_mass })
calc-lung-mass-convention = { $mass } (convention 1 kg de la notice TheraSphere)
calc-k = { $k } ({ $label } : { $source })
calc-masses = { $tumour } / { $normal }, TNR { $tnr }
calc-bsa-contraindicated = aucune : LSF { $lsf } supérieur à { $limit }, traitement contre-indiqué
calc-contraindicated = contre-indiqué
calc-lung-dose-not-computed = non calculée (pas de --lsf) ; la règle ne soustrait pas le shunt pulmonaire
calc-lung-dose-1kg = { $dose } (K · A · LSF / 1 kg : la convention dans laquelle les limites pulmonaires ont été fixées)
calc-cumulative-lung-dose = { $total } (traitements antérieurs { $earlier })
calc-at = { $instant } : { $activity }
calc-check = { $status } { $rule } : { $value }, doit être { $comparison } { $threshold } ({ $source })
calc-true = oui
calc-false = non


## register
cli-register-title = Recalage rigide par information mutuelle de Mattes ({ $levels } niveaux)
cli-register-fixed = {"  "}fixe :   { $modality } { $path } (repère { $frame })
cli-register-moving = {"  "}mobile : { $modality } { $path } (repère { $frame })
cli-register-moving-through-ct = {"  "}mobile : { $modality } { $path } par son TDM { $ct } (repère { $frame })
cli-register-region = {"  "}région : { $region } ; départ : centres des images alignés
cli-register-region-whole = toute l'image fixe
cli-register-region-box = boîte ({ $x0 } ; { $y0 } ; { $z0 }) à ({ $x1 } ; { $y1 } ; { $z1 }) mm
cli-register-region-mask = masque { $source } ({ $voxels } voxels, { $volume }), dilaté de { $margin }
cli-register-matrix = fixed_from_moving (un point en coordonnées patient de la série mobile → celles de la série fixe, LPS, mm) :
cli-register-translation = {"  "}translation : { $x } ; { $y } ; { $z } mm
cli-register-rotation = {"  "}rotation : { $x }° autour de x, { $y }° autour de y, { $z }° autour de z (R = Rz·Ry·Rx) ; { $total }° en tout
cli-register-nmi = qualité : IM normalisée { $nmi } (au départ { $start } ; 1 = images indépendantes, 2 = identiques)
cli-register-mattes = {"  "}IM de Mattes { $mi } nats (au départ { $start }) ; corrélation { $correlation } (au départ { $correlation_start }) ; recouvrement { $overlap } de la région
cli-register-level-converged = réduction { $shrink } : { $iterations } itérations (convergé)
cli-register-level-not-converged = réduction { $shrink } : { $iterations } itérations (non convergé)
cli-register-levels = {"  "}niveaux : { $levels }
cli-register-warning = avertissement : { $warning }
cli-register-written = écrit : { $path } (recalage spatial DICOM)
cli-register-not-written = non écrit : voir les avertissements
cli-register-note = Usage de recherche uniquement : regardez les images fusionnées avant d'utiliser un recalage.


## pacs
cli-pacs-echo-ok = { $node } répond ({ $protocol })
cli-pacs-find-summary = { $node } : { $studies ->
        [one] { $studies } examen
       *[other] { $studies } examens
    }, { $series ->
        [one] { $series } série
       *[other] { $series } séries
    }
cli-pacs-study = examen { $uid }  patient { $patient } ({ $name })  date { $date }  accession { $accession }{ $description }
cli-pacs-series = {"  "}série { $number }  { $modality }  { $instances ->
        [one] { $instances } instance
       *[other] { $instances } instances
    }  uid { $uid }{ $description }
cli-pacs-progress = … { $instances } instances ({ $megabytes } Mo)
cli-pacs-pulled = { $count ->
        [one] { $count } instance
       *[other] { $count } instances
    } de { $node } écrites dans { $dir }
cli-pacs-pushed = { $node } : { $stored } enregistrées, { $refused } refusées, { $skipped ->
        [one] { $skipped } fichier ignoré
       *[other] { $skipped } fichiers ignorés
    } (pas DICOM)
cli-pacs-refused = {"  "}refusé : { $path } ({ $uid }) : { $reason }
cli-pacs-skipped = {"  "}ignoré : { $path } : { $reason }
cli-pacs-refused-error = { $refused } objets sur { $sent } refusés par { $node }
cli-receive-listening = réception en tant que { $aet } sur le port { $port } dans { $dir } (Ctrl-C pour arrêter)
cli-receive-associated = association de { $calling } ({ $peer })
cli-receive-echo = C-ECHO de { $calling }
cli-receive-stored = enregistré { $uid } de { $calling } : { $path }
cli-receive-refused = refusé { $uid } de { $calling } : statut { $status } ({ $reason })
cli-receive-released = association de { $calling } libérée
cli-receive-failed = l'association de { $peer } a échoué : { $reason }
cli-receive-left = les fichiers restent dans le dossier (avec --database URL --data DIR au lieu de --out, ils sont enregistrés sous leur patient dans la base de l'application web)
cli-receive-store = objets reçus enregistrés sous leur patient : base de données { $database }, dossier de données { $data } ; Ctrl-C pour arrêter. Usage en recherche uniquement.
cli-receive-dimse-listening = récepteur DIMSE : { $aet } sur { $addr }
cli-receive-study-stored = enregistré, de { $calling } ({ $peer }) : examen { $study } du patient { $patient }, { $series } séries, { $instances } instances
cli-receive-not-stored = non enregistré, de { $calling } ({ $peer }) : { $reason }
cli-receive-ended = association de { $calling } terminée ({ $instances } objets)

## sirtplan optimise (sirt-cli: commands/optimise.rs)
cli-optimise-title = sirtplan optimise { $case } : séance « { $session } », prévue le { $planned }
cli-optimise-aim = But : la plus grande probabilité que chaque objectif tumoral de la séance soit atteint, avec une probabilité d’au plus { $epsilon } qu’une de ses limites de dose soit dépassée (ε { $source })
cli-optimise-epsilon-option = donné par --epsilon
cli-optimise-epsilon-site = des réglages du site, optimisation.epsilon
cli-optimise-goals = Objectifs : { $goals }
cli-optimise-goal = { $injection } : { $target } ≥ { $dose }
cli-optimise-goal-combined = tumeurs réunies
cli-optimise-goal-every = chaque tumeur
cli-optimise-goal-named = tumeur { $id }
cli-optimise-limits = Limites : { $limits }
cli-optimise-monte-carlo = Monte-Carlo : { $samples } tirages, graine { $seed }, les mêmes tirages pour chaque candidat ; dispersions : { $spreads }
cli-optimise-spreads-case = le [uncertainty] du cas
cli-optimise-spreads-case-defaults = le [uncertainty] du cas, valeurs par défaut citées pour { $defaults }
cli-optimise-spreads-defaults = les valeurs par défaut citées (le cas n’a pas de [uncertainty])
cli-optimise-candidates = Candidats : { $count } (chaque flacon, calibration et activité commandables les jours { $from } à { $to } par rapport au jour prévu) ; jours sans commande possible : { $without }
cli-optimise-none = aucun
cli-optimise-grid = Grille d’activités (résine, Ho-166) : { $steps } pas jusqu’à { $factor } × l’activité prévue, où la première limite est atteinte avec les valeurs du cas
cli-optimise-best = Meilleur choix : jour { $day } ({ $treatment })
cli-optimise-none-feasible = Aucun candidat ne garde la probabilité de dépasser une limite à { $epsilon } ou moins : voir le tableau des compromis, et revoir l’activité ou les limites.
cli-optimise-planned = Tel que prévu ({ $treatment }) :
cli-optimise-choice-vial = { $injection } : { $device }, flacon de { $size } calibré le { $calibration } : { $vial } dans le flacon à l’injection, { $administered } administrés
cli-optimise-choice-drawn = { $injection } : { $device } : { $administered } administrés, { $fraction } prélevés de { $vials } × { $size } calibrés le { $calibration }
cli-optimise-choice-ordered = { $injection } : { $device } : { $ordered } commandés pour le { $calibration }, { $administered } administrés
cli-optimise-spheres = { $millions } millions de sphères, { $per_sphere } par sphère à l’injection
cli-optimise-probabilities = P(chaque objectif atteint) { $goals } ; P(une limite dépassée) { $exceeded }
cli-optimise-front = Compromis (front de Pareto : aucun autre candidat n’a une P(chaque objectif atteint) plus haute sans une P(une limite dépassée) plus haute) :
cli-optimise-col-day = jour
cli-optimise-col-treatment = traitement
cli-optimise-col-choice = choix
cli-optimise-col-administered = administrée
cli-optimise-col-goals = P(objectifs)
cli-optimise-col-exceeded = P(limite)
cli-optimise-cell-vial = { $injection } : flacon de { $size }, cal. { $calibration }
cli-optimise-mark-best = ← meilleur
cli-optimise-mark-above = > ε
cli-optimise-legend = {"  "}← meilleur : le meilleur choix ; > ε : P(une limite dépassée) au-dessus de { $epsilon }
cli-optimise-method = Méthode : les doses de chaque candidat par le modèle de partition, ses données tirées selon leurs dispersions (docs/uncertainty.md, « Optimisation ») ; un objectif est la dose tumorale de l’injection avec le flacon commandé, une limite celle du cas ; le jour ne change que l’activité restant dans le flacon par décroissance.
