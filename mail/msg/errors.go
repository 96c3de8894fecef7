package msg

import (
	"errors"

	"comptoir/mail/xdm"
)

// Refusals of Build and failures of Parse; callers test them with errors.Is.
var (
	ErrNoRecipient        = errors.New("msg: no recipient")
	ErrBadAddress         = errors.New("msg: invalid address")
	ErrNoSender           = errors.New("msg: no sender address")
	ErrSeveralPatients    = errors.New("msg: documents for several patients in one message")
	ErrPatientMismatch    = errors.New("msg: documents are about another patient than the recipient")
	ErrNoDocument         = errors.New("msg: documents package without documents")
	ErrTooLargeForPatient = errors.New("msg: message too large for a patient's mailbox")
	ErrBadAttachment      = errors.New("msg: invalid attachment")
	ErrMalformed          = errors.New("msg: malformed message")
	ErrNoSuchAttachment   = errors.New("msg: no such attachment")
	ErrNoMDNRequested     = errors.New("msg: no read receipt was requested")
	ErrTrustList          = errors.New("msg: invalid trust-space list")
	ErrNotPDF             = errors.New("msg: health document is not a PDF")
	ErrInvalidINS         = errors.New("msg: the patient's INS is not valid")
)

// UserMessage returns a French sentence explaining err to the user.
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	for _, m := range []struct {
		err error
		fr  string
	}{
		{ErrNoRecipient, "Ajoutez au moins un destinataire."},
		{ErrBadAddress, "Une adresse de messagerie n'est pas valide."},
		{ErrNoSender, "Aucune boîte d'envoi n'est choisie."},
		{ErrSeveralPatients, "Un message contenant des documents ne peut concerner qu'un seul patient : envoyez un message par patient."},
		{ErrPatientMismatch, "Les documents joints concernent un autre patient que le destinataire."},
		{ErrNoDocument, "Aucun document n'est joint au dossier du patient."},
		{ErrTooLargeForPatient, "Le message dépasse 25 Mo, la taille maximale acceptée par Mon Espace Santé : retirez des pièces jointes."},
		{ErrBadAttachment, "Une pièce jointe n'est pas valide."},
		{ErrMalformed, "Ce message est mal formé et ne peut pas être affiché entièrement."},
		{ErrNoSuchAttachment, "Cette pièce jointe est introuvable dans le message."},
		{ErrNoMDNRequested, "L'expéditeur n'a pas demandé d'accusé de lecture."},
		{ErrTrustList, "La liste des domaines de l'espace de confiance MSSanté est illisible."},
		{ErrNotPDF, "Un document de santé doit être un fichier PDF."},
		{ErrInvalidINS, "L'INS du patient n'est pas valide : vérifiez-le dans le dossier du patient avant de joindre un document de santé."},
		{xdm.ErrNotCDA, "Ce fichier n'est pas un document CDA."},
		{xdm.ErrZipBomb, "L'archive de documents (IHE_XDM.ZIP) est suspecte et n'a pas été ouverte."},
		{xdm.ErrUnsafePath, "L'archive de documents (IHE_XDM.ZIP) contient des chemins dangereux et n'a pas été ouverte."},
		{xdm.ErrSymlink, "L'archive de documents (IHE_XDM.ZIP) contient des liens et n'a pas été ouverte."},
		{xdm.ErrTooLarge, "L'archive de documents (IHE_XDM.ZIP) est trop volumineuse."},
		{xdm.ErrTooManyFiles, "L'archive de documents (IHE_XDM.ZIP) contient trop de fichiers."},
		{xdm.ErrNoMetadata, "L'archive de documents (IHE_XDM.ZIP) ne contient pas de description (METADATA.XML)."},
		{xdm.ErrBadMetadata, "La description des documents (METADATA.XML) est illisible."},
		{xdm.ErrCorrupt, "L'archive de documents (IHE_XDM.ZIP) est endommagée : un document ne peut pas être lu."},
		{xdm.ErrMissingFile, "Un document annoncé dans l'archive IHE_XDM.ZIP est absent."},
		{xdm.ErrNotZip, "La pièce jointe IHE_XDM.ZIP n'est pas une archive valide."},
		{xdm.ErrSeveralPatients, "L'archive de documents (IHE_XDM.ZIP) concerne plusieurs patients : elle n'a pas été ouverte."},
		{xdm.ErrInvalidPackage, "Le dossier de documents à envoyer est incomplet."},
	} {
		if errors.Is(err, m.err) {
			return m.fr
		}
	}
	return "Une erreur inattendue est survenue dans le traitement du message."
}
