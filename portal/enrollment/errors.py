"""The enrollment's problem codes, each with its one French message."""

from __future__ import annotations

from portal.core.errors import ErrorCode

_FROM_RIB = "Recopiez-le depuis votre RIB."


class EnrollmentError(ErrorCode):
    """Employees, memberships, dependants, bank details, invitations and the journey."""

    REQUIRED = "required", "Le champ « {label} » est obligatoire."
    EMPLOYEE_CORRECTION_REASON_REQUIRED = (
        "employee_correction_reason_required",
        "Indiquez le motif de la correction : il est conservé dans le journal.",
    )
    NAME_INVALID = (
        "name_invalid",
        "Le champ « {label} » ne peut contenir que des lettres, des espaces, des traits d'union "
        "et des apostrophes.",
    )
    VALUE_TOO_LONG = (
        "value_too_long",
        "Le champ « {label} » ne peut pas dépasser {limit} caractères.",
    )
    ADDRESS_CHARACTERS_INVALID = (
        "address_characters_invalid",
        "Le champ « {label} » ne peut contenir que des lettres, des chiffres, des espaces, des "
        "traits d'union, des apostrophes et des points.",
    )
    HOLDER_INVALID = (
        "holder_invalid",
        "Le « Titulaire du compte » ne peut contenir que des lettres, des espaces, des traits "
        "d'union et des apostrophes : recopiez-le depuis votre RIB.",
    )
    CIVILITY_INVALID = "civility_invalid", "Choisissez Madame ou Monsieur."
    GROUP_UNKNOWN = (
        "group_unknown",
        "Ce groupe d'assurés n'existe pas pour votre entreprise : choisissez-en un dans la liste.",
    )
    DEPENDANTS_HEALTH_ONLY = (
        "dependants_health_only",
        "Votre contrat de prévoyance couvre le salarié seul : il n'y a pas de bénéficiaire à "
        "déclarer.",
    )
    CLAUSE_REQUIRED = (
        "clause_required",
        "Choisissez la clause bénéficiaire de votre contrat de prévoyance : la clause type ou "
        "une clause nominative.",
    )
    DESIGNATION_REQUIRED = (
        "designation_required",
        "Indiquez les bénéficiaires de votre clause nominative (nom, prénom, date de naissance, "
        "part de chacun).",
    )
    DESIGNATION_TOO_LONG = (
        "designation_too_long",
        "La clause nominative ne peut dépasser {max} caractères.",
    )
    ALREADY_MEMBER = (
        "already_member",
        "{name} est déjà affilié(e) au contrat n° {contract} : choisissez un autre contrat ou "
        "consultez sa fiche.",
    )
    GROUP_REQUIRED = (
        "group_required",
        "Choisissez le groupe d'assurés du salarié pour au moins un de vos contrats.",
    )
    GROUPS_SAME_CONTRACT = (
        "groups_same_contract",
        "Un salarié appartient à un seul groupe d'assurés par contrat ({contract}) : "
        "n'en choisissez qu'un.",
    )
    FUND_CODE_FORMAT = (
        "fund_code_format",
        "L'organisme de rattachement compte 9 chiffres (régime, caisse, centre) : recopiez-le "
        "depuis l'attestation de droits.",
    )
    EMAIL_INVALID = (
        "email_invalid",
        "L'adresse e-mail n'est pas valide : vérifiez-la (exemple : prenom.nom@domaine.fr).",
    )
    ADDRESS_REQUIRED = (
        "address_required",
        "Sans adresse e-mail, l'adresse postale est obligatoire : le salarié recevra son "
        "identifiant et son mot de passe provisoire par deux courriers.",
    )
    ADDRESS_PART_REQUIRED = (
        "address_part_required",
        "Le champ « {label} » est obligatoire dans une adresse.",
    )
    STREET_REQUIRED = (
        "street_required",
        "Indiquez le libellé de la voie (ou le lieu-dit) de l'adresse.",
    )
    LINE_TOO_LONG = "line_too_long", "38 caractères au plus par ligne d'adresse."
    POSTAL_CODE_FORMAT = "postal_code_format", "Le code postal compte 5 chiffres."
    POSTAL_CODE_UNKNOWN = (
        "postal_code_unknown",
        "Le code postal {postal_code} n'existe pas : vérifiez-le.",
    )
    TOO_RETROACTIVE = (
        "too_retroactive",
        "La « {label} » ({day}) ne peut pas être antérieure au {earliest} : la rétroactivité est "
        "limitée à {days} jours avant aujourd'hui. Vérifiez l'année ; pour une date plus "
        "ancienne, contactez votre service relation entreprise.",
    )
    CITY_MISMATCH = (
        "city_mismatch",
        "La ville ne correspond pas au code postal {postal_code}. Communes possibles : {communes}.",
    )
    CITY_CORRECTED = (
        "city_corrected",
        "Ville corrigée : « {city} » ne correspond pas au code postal {postal_code}, sa seule "
        "commune « {commune} » a été retenue.",
    )
    COMMUNE_CHOICE_REQUIRED = (
        "commune_choice_required",
        "Le code postal {postal_code} dessert plusieurs communes : choisissez celle du "
        "collaborateur.",
    )
    EMAIL_TAKEN = (
        "email_taken",
        "Cette adresse e-mail est déjà celle d'un autre salarié de votre entreprise : indiquez "
        "une adresse propre au salarié, ou laissez le champ vide (il recevra alors deux "
        "courriers).",
    )
    EMAIL_UNCHANGED = (
        "email_unchanged",
        "C'est déjà votre adresse e-mail : saisissez la nouvelle adresse.",
    )
    EMAIL_UNAVAILABLE = (
        "email_unavailable",
        "Cette adresse e-mail ne peut pas être utilisée pour votre espace : indiquez une autre "
        "adresse, qui vous soit propre.",
    )
    MEMBERSHIP_UNKNOWN = (
        "membership_unknown",
        "Aucune adhésion n'est rattachée à votre compte : contactez nos conseillers.",
    )
    DUPLICATE_NIR = (
        "duplicate_nir",
        "Un salarié avec ce numéro de sécurité sociale est déjà déclaré ({name}) : ouvrez sa "
        "fiche plutôt que de le déclarer à nouveau.",
    )
    DUPLICATE_EMPLOYEE_NUMBER = (
        "duplicate_employee_number",
        "Un salarié avec ce matricule est déjà déclaré ({name}) : ouvrez sa fiche plutôt que de "
        "le déclarer à nouveau.",
    )
    SPOUSE_ALREADY_DECLARED = (
        "spouse_already_declared",
        "Un seul conjoint, partenaire de PACS ou concubin peut être couvert, et vous en avez déjà "
        "déclaré un. Modifiez ce bénéficiaire dans la liste au lieu d'en ajouter un autre.",
    )
    DEPENDANT_FUND_CODE_FORMAT = (
        "dependant_fund_code_format",
        "L'« Organisme de sécurité sociale » compte 9 chiffres (régime, caisse, centre) : "
        "recopiez-le depuis l'attestation de droits du bénéficiaire.",
    )
    CHILD_OLDER_THAN_MEMBER = (
        "child_older_than_member",
        "Cet enfant serait né avant vous : vérifiez l'année de sa « Date de naissance ».",
    )
    DEPENDANT_REQUIRED = "dependant_required", "Le champ « {label} » est obligatoire : {hint}"
    DEPENDANT_BIRTH_DATE_FUTURE = (
        "dependant_birth_date_future",
        "La « Date de naissance » est dans le futur : vérifiez le jour, le mois et l'année. Un "
        "enfant à naître s'ajoute après sa naissance.",
    )
    BIRTH_DATE_BEFORE_1900 = (
        "birth_date_before_1900",
        "La « Date de naissance » ne peut pas être antérieure au 01/01/1900 : vérifiez l'année.",
    )
    NIR_SAME_AS_MEMBER = (
        "nir_same_as_member",
        "Ce numéro de sécurité sociale est le vôtre : saisissez celui du bénéficiaire. Un enfant "
        "qui n'a pas encore son propre numéro est rattaché au vôtre : laissez alors ce champ "
        "vide.",
    )
    PARENT_NIR_SAME_AS_NIR = (
        "parent_nir_same_as_nir",
        "Le numéro de rattachement est celui d'un parent, pas celui de l'enfant : saisissez le "
        "numéro du parent, ou laissez ce champ vide.",
    )
    PARENT_NIR_REQUIRED = (
        "parent_nir_required",
        "Un enfant qui n'a pas son propre numéro de sécurité sociale est rattaché à celui d'un "
        "parent : saisissez le numéro de l'enfant, ou celui du parent auquel il est rattaché (il "
        "figure sur l'attestation de droits).",
    )
    SPOUSE_TOO_YOUNG = (
        "spouse_too_young",
        "Un conjoint, partenaire de PACS ou concubin a au moins {age} ans : vérifiez l'année de "
        "la « Date de naissance », ou choisissez « Enfant » comme « Type de bénéficiaire » s'il "
        "s'agit d'un enfant.",
    )
    CHILD_TOO_OLD_EXTENDED = (
        "child_too_old_extended",
        "Un enfant étudiant ou apprenti est couvert jusqu'à la veille de ses {max_age} ans ; "
        "cet enfant a eu {max_age} ans le {birthday}. S'il est en situation de handicap, cochez "
        "« En situation de handicap » : il n'y a alors pas de limite d'âge. Sinon, il ne peut "
        "plus être couvert comme enfant à charge.",
    )
    CHILD_TOO_OLD = (
        "child_too_old",
        "Un enfant est couvert jusqu'à la veille de ses {max_age} ans ; cet enfant a eu "
        "{max_age} ans le {birthday}. S'il poursuit des études ou est apprenti, cochez "
        "« Étudiant ou apprenti » (il est alors couvert jusqu'à la veille de ses "
        "{max_age_extended} ans) ; s'il est en situation de handicap, cochez « En situation de "
        "handicap » (pas de limite d'âge). Sinon, il ne peut pas être couvert comme enfant à "
        "charge.",
    )
    TWIN_RANK_RANGE = (
        "twin_rank_range",
        "Le « Rang gémellaire » est un chiffre de 1 à {maximum} : saisissez 1, sauf pour des "
        "jumeaux (1 pour l'un, 2 pour l'autre…).",
    )
    TWIN_RANK_DUPLICATE = (
        "twin_rank_duplicate",
        "{name} est né(e) le même jour ({birth_date}) avec le même « Rang gémellaire ». Pour "
        "des jumeaux, saisissez 1 pour l'un et 2 pour l'autre, comme sur l'attestation de "
        "droits.",
    )
    NIR_SAME_AS_OTHER_DEPENDANT = (
        "nir_same_as_other_dependant",
        "Ce numéro de sécurité sociale est déjà celui de {name} : chaque bénéficiaire a le sien. "
        "Vérifiez-le sur sa carte Vitale ou son attestation de droits.",
    )
    FAMILY_STATUS_MISSING = "family_status_missing", 'Champ "situation familiale" non renseigné'
    FAMILY_STATUS_INVALID = "family_status_invalid", "Choisissez une situation familiale."
    PROFILE_PHONE_MISSING = "profile_phone_missing", 'Champ "téléphone" non renseigné'
    PROFILE_PHONE_INVALID = (
        "profile_phone_invalid",
        "Le numéro de téléphone n'est pas valide : 10 chiffres (ex. : 06 12 34 56 78) ou au "
        "format international (+32 …).",
    )
    POSTAL_CODE_AND_CITY_REQUIRED = (
        "postal_code_and_city_required",
        "Les champs « Code postal » et « Commune » sont obligatoires.",
    )
    DEPENDANT_PHONE_INVALID = "dependant_phone_invalid", "Le numéro de téléphone n'est pas valide."
    FREQUENCY_INVALID = "frequency_invalid", "Choisissez une fréquence de prélèvement."
    DEBIT_DAY_INVALID = "debit_day_invalid", "Choisissez le 5, le 10, le 15 ou le 20."
    MEMBERSHIP_MOVE_REFUSED = (
        "membership_move_refused",
        "Cette adhésion est « {current} » : elle ne peut pas passer à « {wanted} ».",
    )
    MEMBERSHIP_SIGNED = (
        "membership_signed",
        "Votre adhésion est signée : elle n'est plus modifiable en ligne. Pour toute correction, "
        "appelez un conseiller.",
    )
    ONLINE_DEADLINE_PASSED = (
        "online_deadline_passed",
        "Le délai de 60 jours pour finaliser votre adhésion en ligne est dépassé. Demandez à "
        "votre employeur de vous renvoyer un lien, ou finalisez votre adhésion avec un bulletin "
        "papier disponible auprès de votre chargé d'affaires.",
    )
    DEPENDANT_UNKNOWN = "dependant_unknown", "Ce bénéficiaire n'existe pas ou plus."
    PROFILE_FIRST = "profile_first", "Complétez d'abord votre profil."
    DEPENDANTS_FIRST = "dependants_first", "Indiquez d'abord vos bénéficiaires."
    OPTION_UNKNOWN = "option_unknown", "Cette option n'est pas proposée à votre groupe d'assurés."
    STEPS_MISSING = "steps_missing", "Terminez d'abord les étapes précédentes."
    COVERAGE_FIRST = "coverage_first", "Choisissez d'abord votre garantie."
    BANK_DETAILS_NEEDED = (
        "bank_details_needed",
        "Une partie de vos cotisations est prélevée : indiquez le compte à débiter.",
    )
    INVITATION_INVALID = (
        "invitation_invalid",
        "Ce lien d'affiliation n'est pas valide ou a été remplacé par un lien plus récent. "
        "Utilisez le dernier e-mail reçu, ou demandez à votre employeur de vous renvoyer le lien.",
    )
    INVITATION_USED = (
        "invitation_used",
        "Ce lien a déjà servi à activer votre compte : il ne fonctionne qu'une seule fois. "
        "Connectez-vous avec votre adresse e-mail et le mot de passe que vous avez choisi.",
    )
    INVITATION_EXPIRED = (
        "invitation_expired",
        "Ce lien a expiré : il n'était valable que 60 jours. Obtenez un nouveau lien vous-même "
        "(« Obtenir un nouveau lien »), demandez à votre employeur de vous le renvoyer, ou "
        "finalisez votre adhésion avec un bulletin papier disponible auprès de votre chargé "
        "d'affaires.",
    )
    IBAN_REQUIRED = (
        "iban_required",
        "Le champ « IBAN » est obligatoire. " + _FROM_RIB,
    )
    IBAN_FORMAT = (
        "iban_format",
        "L'IBAN est invalide : il commence par les 2 lettres du pays (FR pour la France) et 2 "
        "chiffres, suivis du numéro de compte, fait de chiffres et de lettres (en France : code "
        "banque et code guichet de 5 chiffres, numéro de compte de 11 caractères, clé RIB de 2 "
        "chiffres). " + _FROM_RIB,
    )
    IBAN_CHECKSUM = (
        "iban_checksum",
        "L'IBAN est invalide : ses chiffres de contrôle (les 3e et 4e caractères) ne correspondent "
        "pas au reste du numéro, sans doute à cause d'une faute de frappe. " + _FROM_RIB,
    )
    IBAN_RIB_KEY = (
        "iban_rib_key",
        "La clé RIB ne correspond pas au code banque, au code guichet et au numéro de compte : "
        "l'un de ces numéros est mal recopié. Vérifiez les 27 caractères sur votre RIB.",
    )
    IBAN_NATIONAL_KEY = (
        "iban_national_key",
        "L'IBAN est invalide : sa clé de contrôle nationale ne correspond pas au numéro de compte. "
        + _FROM_RIB,
    )
    IBAN_XPF = (
        "iban_xpf",
        "Ce compte est tenu en Nouvelle-Calédonie, en Polynésie française ou à Wallis-et-Futuna, "
        "en francs CFP : ces territoires sont hors de la zone SEPA et le prélèvement n'y est pas "
        "possible. Indiquez un compte en euros, tenu en France métropolitaine, dans un département "
        "d'outre-mer ou dans un autre pays de la zone SEPA.",
    )
    BIC_FORMAT = (
        "bic_format",
        "Le BIC est invalide : il compte 8 ou 11 caractères, 4 lettres pour la banque, 2 pour le "
        "pays, puis 2 lettres ou chiffres et éventuellement 3 autres (exemple : AGRIFRPP ou "
        "AGRIFRPP882). Recopiez-le depuis votre RIB.",
    )
    BIC_UNKNOWN = (
        "bic_unknown",
        "Nous ne retrouvons pas le BIC de la banque de cet IBAN : saisissez-le. " + _FROM_RIB,
    )
    BIC_COUNTRY = (
        "bic_country",
        "Le BIC est invalide : ses 5e et 6e lettres ne sont pas un code de pays. "
        "Recopiez-le depuis votre RIB.",
    )
    IBAN_COUNTRY = (
        "iban_country",
        "L'IBAN est invalide : « {country} » n'est pas le code d'un pays qui utilise l'IBAN. "
        "Il commence par les 2 lettres du pays (FR pour la France). " + _FROM_RIB,
    )
    IBAN_OUTSIDE_SEPA = (
        "iban_outside_sepa",
        "Ce compte est tenu hors de la zone SEPA (pays : {country}) : le prélèvement SEPA n'y "
        "est pas possible. Indiquez un compte en euros tenu dans un pays de la zone SEPA "
        "(Union européenne, Royaume-Uni, Suisse, Norvège, Monaco…).",
    )
    IBAN_LENGTH = (
        "iban_length",
        "L'IBAN est invalide : un IBAN commençant par {country} compte {expected} caractères, "
        "celui saisi en compte {length}. " + _FROM_RIB,
    )
    BIC_COUNTRY_MISMATCH = (
        "bic_country_mismatch",
        "Le BIC est celui d'une banque d'un autre pays ({bic_country}) que le compte "
        "({iban_country}) : vérifiez-le sur le RIB du même compte que l'IBAN, ou laissez le "
        "champ vide.",
    )
    # Life events during the contract's life (portal/enrollment/life_events.py).
    MEMBERSHIP_NOT_IN_FORCE = (
        "membership_not_in_force",
        "Les bénéficiaires se modifient ici une fois votre adhésion à la complémentaire santé "
        "signée et tant qu'elle est en cours ; avant la signature, modifiez-les dans votre "
        "adhésion en ligne.",
    )
    DEPENDANT_COVER_DATES = (
        "dependant_cover_dates",
        "La fin de couverture du bénéficiaire ({end}) ne peut pas précéder son début ({start}).",
    )
    # "Mes coordonnées bancaires" in the member's space (portal/enrollment/mandates.py).
    MANDATE_CHANGE_NOT_OPEN = (
        "mandate_change_not_open",
        "Vos coordonnées bancaires se modifient ici une fois votre adhésion signée et tant "
        "qu'elle est en cours ; avant la signature, modifiez-les dans votre adhésion en ligne.",
    )
    NO_LIVE_MANDATE = (
        "no_live_mandate",
        "Aucune cotisation n'est prélevée sur votre compte pour cette adhésion : il n'y a pas de "
        "mandat de prélèvement à remplacer.",
    )
    SAME_DEBIT_ACCOUNT = (
        "same_debit_account",
        "C'est déjà le compte prélevé : saisissez l'IBAN du nouveau compte.",
    )
    NO_PENDING_MANDATE_CHANGE = (
        "no_pending_mandate_change",
        "Aucun changement de compte n'est en attente de signature : saisissez à nouveau le "
        "nouveau compte.",
    )
    MANDATE_ALREADY_REVOKED = (
        "mandate_already_revoked",
        "Ce mandat de prélèvement est déjà révoqué.",
    )
