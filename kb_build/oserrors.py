"""An operating system's refusal (a folder that is not there, no right to write) in a writer's words, in French."""

from __future__ import annotations

import errno

_REASONS = {
    errno.ENOENT: "ce chemin n'existe pas",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ENAMETOOLONG: "nom trop long",
    errno.EBUSY: "dossier en cours d'utilisation (point de montage ?)",
    errno.ENOTEMPTY: "dossier non vide",
    errno.EXDEV: "déplacement impossible d'un disque à un autre",
    errno.ELOOP: "trop de liens symboliques",
}


def reason(error: OSError) -> str:
    """Why, in French; the system's code (EIO…) for a rare one, which a search or an administrator can use."""
    code = error.errno or 0
    return _REASONS.get(code) or f"erreur système {errno.errorcode.get(code, str(code))}"
