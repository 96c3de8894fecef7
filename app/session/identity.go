package session

import (
	"strings"

	"comptoir/cps"
	"comptoir/mail/msg"
)

// Identity is who acts in a session: a card holder, or a structure's software (App).
type Identity struct {
	NationalID, IDType string // "8…"/"RPPS" or "0…"/"ADELI"; a structure: "1"+FINESS
	GivenName, Surname string
	Profession         string
	Situations         []cps.Situation
	Situation          int // the chosen one, an index into Situations
	App                bool
	Organisation       string // App: the certificate's organisation
}

// Entity is the structure of the chosen practice situation ("" when the card has none).
func (id Identity) Entity() string {
	if id.Situation < len(id.Situations) {
		return id.Situations[id.Situation].StructureName
	}
	return ""
}

// Author is how the audit journal names whoever acts, the same for the app and the command
// line so the journal can be filtered by author: "NOM Prénom (8…)", or
// "Logiciel <organisation> (1…)" for a structure's software.
func (id Identity) Author() string {
	if id.App {
		return "Logiciel " + id.Organisation + " (" + id.NationalID + ")"
	}
	name := strings.TrimSpace(strings.ToUpper(id.Surname) + " " + id.GivenName)
	return name + " (" + id.NationalID + ")"
}

// From is the From of a message sent from bal (kind PER, ORG or APP; name is the BAL's
// display name at the operator), with the ECO.2.2.7 display name: for a PER BAL
// <Titre>_<Prénom>_<NOM>_<Entité>, the title from the card's profession and the entity of the
// chosen practice situation; for ORG and APP BALs, the BAL's name.
func (id Identity) From(bal, kind, name string) msg.Address {
	if id.App {
		return msg.Address{Name: msg.SenderName(msg.Sender{BALKind: kind, Entity: name}), Email: bal}
	}
	entity := name
	if kind == KindPER {
		entity = id.Entity()
	}
	return msg.Address{Name: msg.SenderName(msg.Sender{BALKind: kind, Given: id.GivenName, Surname: id.Surname,
		Profession: id.Profession, Entity: entity}), Email: bal}
}
