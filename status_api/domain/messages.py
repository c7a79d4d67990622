"""The service's error messages, in French, for the person who will read them: one place to reword them."""

from __future__ import annotations

from collections.abc import Sequence

# What a customer reads (not found, not a call ID, unavailable) is in data/tracking.yml, under result.
# Below, what staff and API clients read.
UNAUTHORIZED = "Jeton d'accès manquant ou invalide : envoyez l'en-tête « Authorization: Bearer <jeton> »."
WRITES_DISABLED = (
    "Les modifications sont désactivées sur ce service : aucun jeton d'accès n'est configuré "
    "(variable d'environnement STATUS_API_TOKEN)."
)
TICKET_NOT_FOUND = "Aucun ticket ne porte la référence « {reference} »."
TICKET_EXISTS = "Le ticket « {reference} » existe déjà : pour le modifier, ajoutez-lui une mise à jour."
INCIDENT_EXISTS = "L'incident « {reference} » existe déjà : pour le modifier, ajoutez-lui une mise à jour."
INVALID_REFERENCE = (
    "Référence de ticket invalide : de 1 à 64 caractères, lettres sans accents, chiffres, « - », « _ » ou « . », "
    "en commençant par une lettre ou un chiffre."
)
INVALID_JSON = "Le corps de la requête n'est pas un JSON valide (ligne {line}, colonne {column})."
JSON_TOO_COMPLEX = (
    "Le corps de la requête est un JSON trop imbriqué, ou un de ses nombres a trop de chiffres : aucun champ "
    "n'en attend autant ; écrivez un Call ID entre guillemets."
)
NOT_UTF8 = "Le corps de la requête doit être encodé en UTF-8."
UNSUPPORTED_MEDIA_TYPE = "Envoyez le corps de la requête en JSON, avec l'en-tête « Content-Type: application/json »."
UNSUPPORTED_FORM = "Envoyez le formulaire encodé en application/x-www-form-urlencoded."
BODY_TOO_LARGE = "Le corps de la requête dépasse la taille maximale de {limit} octets."
IF_NONE_MATCH = "L'en-tête If-None-Match n'accepte que « * » : créer seulement, sans remplacer ce qui existe."
INVALID_IDEMPOTENCY_KEY = "L'en-tête Idempotency-Key doit compter de 1 à 200 caractères visibles (ASCII)."
IDEMPOTENCY_CONFLICT = (
    "Cette clé Idempotency-Key a déjà servi pour une autre mise à jour de ce ticket : "
    "utilisez une nouvelle clé pour une nouvelle mise à jour."
)
CALL_ID_TAKEN = "Le Call ID {call_id} est déjà rattaché au ticket « {reference} »."
CONTROL_CHARACTER = (
    "caractère de contrôle interdit : retirez-le (seuls les retours à la ligne et tabulations sont permis)"
)
SEVERAL_PROBLEMS = "La requête contient {count} erreurs : {messages}"
PATH_NOT_FOUND = "Cette adresse n'existe pas."
METHOD_NOT_ALLOWED = "La méthode {method} n'est pas acceptée à cette adresse."
HOOK_NOT_CONFIGURED = (
    "Ce webhook n'est pas configuré : définissez STATUS_API_ZENDESK_SECRET (le secret de signature du webhook "
    "Zendesk) puis redémarrez le service. Rien n'a été enregistré."
)
GENERIC_HOOK_NOT_CONFIGURED = (
    "Ce webhook n'est pas configuré : définissez STATUS_API_HOOK_SECRET (le secret partagé avec l'outil de "
    "support) puis redémarrez le service. Rien n'a été enregistré."
)
HOOK_FUTURE_CHANGE = (
    "cette date est plus de 5 minutes après l'heure du service : envoyez l'heure du changement dans l'outil de "
    "support, avec son fuseau (2026-12-02T09:30:00Z)"
)
INVALID_SIGNATURE = "Signature du webhook absente ou invalide : rien n'a été enregistré."
STALE_TIMESTAMP = (
    "L'horodatage de la signature est à plus de 5 minutes de l'heure du service : rien n'a été enregistré."
)
HOOK_MALFORMED = "Ce corps n'est pas une livraison Zendesk lisible : {reason}."
INTERNAL = "Une erreur inattendue s'est produite. Réessayez plus tard ; si elle persiste, prévenez le support."

# Ticket rules.
UNKNOWN_ID = "« {value} » n'est pas {kind}. Valeurs possibles : {allowed}."
KINDS = {
    "step": "une étape connue",
    "issue_type": "un type de problème connu",
    "team": "une équipe connue",
    "optional_step": "une étape facultative",
    "incident_state": "un état d'incident connu",
    "service": "un service connu",
    "impact": "un état de service perturbé connu",
}
INVALID_CALL_ID_FIELD = "« {value} » n'est pas un Call ID : de {min_digits} à {max_digits} chiffres sont attendus."
DUPLICATE_CALL_ID = "Le Call ID {call_id} figure deux fois."
SKIPPED_CURRENT_STEP = "L'étape actuelle « {step} » ne peut pas être marquée comme sautée."
RESOLVED_BEFORE_FINAL_STEP = "Un ticket ne peut être résolu qu'à la dernière étape, « {step} »."
RESOLVED_BEFORE_OPENING = "La date de résolution précède la date d'ouverture du ticket."
UPDATE_BEFORE_OPENING = "La date de la mise à jour précède la date d'ouverture du ticket."
EMPTY_UPDATE = "Une mise à jour doit avoir un texte, ou changer l'étape ou l'équipe, ou résoudre le ticket."
NO_TICKET_LINE = "le fichier ne contient aucun ticket : écrivez un ticket par ligne, en JSON."
DUPLICATE_REFERENCE = "La référence « {reference} » figure deux fois dans le fichier."

# Incident rules.
INCIDENT_NOT_FOUND = "Aucun incident ne porte la référence « {reference} »."
STATE_MOVE = "Un incident à l'état « {current} » ne peut pas passer à « {target} ». États permis : {allowed}."
STATE_FINAL = "« {current} » est un état final : l'incident ne change plus d'état."
STATE_BY_UPDATE = (
    "L'état d'un incident change par une mise à jour (POST /api/v1/incidents/{reference}/updates), "
    "pas en le remplaçant : il est à l'état « {state} »."
)
ENDED_AT_REQUIRED = "L'état « {state} » est final : indiquez la date de fin de l'incident (ended_at)."
ENDED_AT_NEEDS_STATE = "Avec une date de fin (ended_at), indiquez l'état final de l'incident (state)."
ENDED_BEFORE_FINAL = "Seul un incident à un état final a une date de fin."
ENDED_BEFORE_START = "La date de fin précède la date de début de l'incident."
EMPTY_INCIDENT_UPDATE = "Une mise à jour d'incident doit avoir un texte, ou changer l'état."
INCIDENT_UPDATE_BEFORE_START = "La date de la mise à jour précède le début de l'incident."
IMPORTED_STATE_MISMATCH = "L'état « {state} » n'est pas celui où mènent les mises à jour de l'incident (« {reached} »)."
TICKET_NOT_LINKED = "Le ticket « {ticket} » n'est pas rattaché à l'incident « {reference} »."
UNKNOWN_TICKET = "Aucun ticket ne porte la référence « {reference} », ni dans ce fichier ni dans la base."

# Maintenance rules.
MAINTENANCE_NOT_FOUND = "Aucune maintenance ne porte la référence « {reference} »."
MAINTENANCE_EXISTS = (
    "La maintenance « {reference} » existe déjà : pour la modifier, ajoutez-lui une mise à jour ou remplacez-la (PUT)."
)
MAINTENANCE_ENDS_BEFORE_START = "La fin du créneau (ends_at) doit être après son début (starts_at)."
MAINTENANCE_IN_PAST = "Ce créneau est déjà passé : sa fin (ends_at) doit être dans le futur."
MAINTENANCE_CLOSED = "La maintenance « {reference} » est {phase} : son créneau ne change plus et elle ne s'annule plus."
MAINTENANCE_STARTED = (
    "La maintenance « {reference} » a déjà commencé : son début ne change plus (seule la fin, ends_at, peut changer)."
)
EMPTY_MAINTENANCE_UPDATE = (
    "Une mise à jour de maintenance doit avoir un texte, ou déplacer le créneau (starts_at, ends_at), ou l'annuler."
)
CANCELLED_NOT_FALSE = "cancelled n'accepte que true : pour annuler la maintenance"
MAINTENANCE_PHASES = {"completed": "terminée", "cancelled": "annulée"}

NOT_FOUND = {"ticket": TICKET_NOT_FOUND, "incident": INCIDENT_NOT_FOUND, "maintenance": MAINTENANCE_NOT_FOUND}
EXISTS = {"ticket": TICKET_EXISTS, "incident": INCIDENT_EXISTS, "maintenance": MAINTENANCE_EXISTS}

# Import files.
FILE_NOT_FOUND = "fichier introuvable"
FILE_UNREADABLE = "fichier illisible : {reason}"
SHIFT_WITHOUT_NOW = "--shift-to-now demande une clé « now » (date de référence des dates du fichier)"
NOT_UTF8_FILE = "ligne illisible : le fichier doit être encodé en UTF-8"
IMPORT_PROGRESS = "Import en cours : {percent} %"
MORE_PROBLEMS = "… et {count} autre(s) problème(s)"
JSON_SYNTAX = "JSON invalide : une virgule, un guillemet, une accolade ou une valeur manque ou est en trop ici"

# Pydantic's error types, reworded; the fallback covers the rare ones.
FIELD_ERRORS = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "string_type": "du texte est attendu",
    "bool_type": "true ou false est attendu",
    "list_type": "une liste est attendue",
    "model_type": "un objet est attendu",
    "dict_type": "un objet est attendu",
    "model_attributes_type": "un objet est attendu",
    "string_too_short": "ne peut pas être vide",
    "string_too_long": "trop long : {max_length} caractères au plus",
    "too_short": "au moins {min_length} élément(s) attendu(s)",
    "too_long": "au plus {max_length} éléments",
    "datetime_iso": "une date ISO 8601 avec fuseau horaire est attendue, par exemple 2026-11-24T14:05:00+01:00",
    "string_pattern_mismatch": "format invalide",
    "moment_out_of_range": "date improbable : l'année doit être comprise entre {min_year} et {max_year}",
    "control_character": CONTROL_CHARACTER,
}
FIELD_ERROR_FALLBACK = "valeur invalide"
DATETIME_ERRORS = ("datetime", "timezone", "date_")


def unknown_id(value: str, kind: str, allowed: Sequence[str]) -> str:
    return UNKNOWN_ID.format(value=value, kind=KINDS[kind], allowed=", ".join(allowed) or "aucune")


def several(messages: Sequence[str]) -> str:
    return SEVERAL_PROBLEMS.format(count=len(messages), messages=" ; ".join(messages))


def state_move(current: str, target: str, allowed: Sequence[str]) -> str:
    if not allowed:
        return STATE_FINAL.format(current=current)
    return STATE_MOVE.format(current=current, target=target, allowed=", ".join(allowed))


WEBHOOK_URL = (
    "Indiquez l'adresse http:// ou https:// qui recevra les notifications, par exemple "
    "https://outils.example.com/etat-du-service (2000 caractères au plus, sans « # »)."
)
WEBHOOK_NOT_FOUND = "Aucun webhook ne porte le numéro « {id} »."
