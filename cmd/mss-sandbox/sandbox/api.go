package sandbox

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"comptoir/mail/provisioning"
)

// cguText is the sandbox's short CGU; the version is what a creation request must carry.
const cguText = "Conditions générales d'utilisation de l'opérateur bac à sable Comptoir (fictif). " +
	"La messagerie est réservée aux échanges de santé dans l'espace de confiance MSSanté. " +
	"Le titulaire de la BAL organisationnelle décide des accès et des habilitations."

const maxClockSkew = 10 * time.Minute

var (
	reFINESS     = regexp.MustCompile(`^[0-9][0-9AB][0-9]{7}$`)
	rePostalCode = regexp.MustCompile(`^[0-9]{5}$`)
	reNationalID = regexp.MustCompile(`^[0-9]{10,12}$`)
)

func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /listeblanchemssante.xml", s.serveTrustList)
	mux.HandleFunc("GET /annuaire/"+directoryZipName, s.serveDirectory)
	mux.HandleFunc("GET /v1/cgu", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, provisioning.CGU{Version: CurrentCGU, Title: "CGU opérateur bac à sable", Text: cguText})
	})
	mux.HandleFunc("GET /v1/me", s.authed(func(w http.ResponseWriter, r *http.Request, h holder) {
		writeJSON(w, http.StatusOK, provisioning.Identity{NationalID: h.ID, Surname: h.Surname, GivenName: h.GivenName,
			Profession: h.Profession, Kind: h.Kind})
	}))
	mux.HandleFunc("GET /v1/bals", s.authed(s.listBALs))
	mux.HandleFunc("POST /v1/bals", s.authed(s.createBAL))
	mux.HandleFunc("POST /v1/bals/check", s.authed(s.checkBAL))
	mux.HandleFunc("GET /v1/bals/{address}", s.authed(s.getBAL))
	mux.HandleFunc("GET /v1/bals/{address}/members", s.authed(s.listMembers))
	mux.HandleFunc("PUT /v1/bals/{address}/members/{id}", s.authed(s.setMember))
	mux.HandleFunc("DELETE /v1/bals/{address}/members/{id}", s.authed(s.removeMember))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, e *provisioning.Error) { writeJSON(w, e.Status, e) }

func internalErr() *provisioning.Error {
	return apiErr(http.StatusInternalServerError, provisioning.CodeInternal, "Erreur interne de l'opérateur, réessayez plus tard.")
}

// authed requires a verified client certificate and passes its holder on.
func (s *Server) authed(f func(http.ResponseWriter, *http.Request, holder)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			writeErr(w, apiErr(http.StatusUnauthorized, provisioning.CodeCertificateRequired,
				"Insérez votre carte CPS : l'opérateur exige une authentification par carte."))
			return
		}
		h, err := s.verifier.peerHolder(*r.TLS)
		if err != nil {
			writeErr(w, apiErr(http.StatusUnauthorized, provisioning.CodeCertificateRequired, "Certificat de la carte refusé."))
			return
		}
		f(w, r, h)
	}
}

func (s *Server) serveTrustList(w http.ResponseWriter, r *http.Request) {
	trust, _, err := s.published()
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(trust)
}

func (s *Server) serveDirectory(w http.ResponseWriter, r *http.Request) {
	_, z, err := s.published()
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	_, _ = w.Write(z)
}

// view renders a BAL for the caller.
func (s *Server) view(b *balRecord, callerID string) provisioning.BAL {
	return provisioning.BAL{
		Address: b.Address, Kind: b.Kind, Status: b.status(s.opts.Now()), DisplayName: b.DisplayName,
		HolderID: b.Holder.ID, Role: b.roleOf(callerID), Structure: b.Structure, ListeRouge: b.ListeRouge,
		Created: b.Created, ActiveAt: b.ActiveAt,
	}
}

func (s *Server) listBALs(w http.ResponseWriter, r *http.Request, h holder) {
	out := []provisioning.BAL{}
	for _, b := range s.reg.all() {
		if b.mayOpen(h.ID) || b.Holder.ID == h.ID {
			out = append(out, s.view(b, h.ID))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getBAL(w http.ResponseWriter, r *http.Request, h holder) {
	b := s.reg.bal(r.PathValue("address"))
	if b == nil || !(b.mayOpen(h.ID) || b.Holder.ID == h.ID) {
		writeErr(w, apiErr(http.StatusNotFound, provisioning.CodeNotFound, "Cette BAL n'existe pas ou vous n'y avez pas accès."))
		return
	}
	writeJSON(w, http.StatusOK, s.view(b, h.ID))
}

func (s *Server) createBAL(w http.ResponseWriter, r *http.Request, h holder) {
	var sr provisioning.SignedRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(&sr); err != nil {
		writeErr(w, apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest, "Requête illisible."))
		return
	}
	signer, req, aerr := s.checkSigned(sr, r)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	if signer.ID != h.ID || req.HolderID != h.ID {
		writeErr(w, apiErr(http.StatusForbidden, provisioning.CodeSignerMismatch,
			"La demande doit être signée par la carte du titulaire connecté."))
		return
	}
	rec, base, aerr := s.newRecord(req, signer)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	if aerr := s.insert(rec, base, req.Nonce); aerr != nil {
		writeErr(w, aerr)
		return
	}
	if _, err := s.mail.ensure(rec.Address); err != nil {
		s.log.Error("api: create mailboxes", "err", err)
		writeErr(w, internalErr())
		return
	}
	s.poke()
	if err := s.publish(); err != nil {
		s.log.Error("api: publish", "err", err)
	}
	s.log.Info("api: BAL created", "bal", rec.Address, "kind", rec.Kind, "holder", h.ID)
	writeJSON(w, http.StatusCreated, s.view(rec, h.ID))
}

// checkSigned verifies the signature certificate (PERSONNES chain, CRL), the signature over
// the canonical request, and decodes the request.
func (s *Server) checkSigned(sr provisioning.SignedRequest, r *http.Request) (holder, provisioning.CreateRequest, *provisioning.Error) {
	var req provisioning.CreateRequest
	bad := func(msg string) (holder, provisioning.CreateRequest, *provisioning.Error) {
		return holder{}, req, apiErr(http.StatusBadRequest, provisioning.CodeBadSignature, msg)
	}
	if sr.Algorithm != provisioning.SignatureAlgorithm {
		return bad("Algorithme de signature non pris en charge.")
	}
	cert, err := x509.ParseCertificate(sr.Certificate)
	if err != nil {
		return bad("Certificat de signature illisible.")
	}
	chain := [][]byte{cert.Raw}
	for _, c := range r.TLS.PeerCertificates[1:] {
		chain = append(chain, c.Raw)
	}
	signer, err := s.verifier.verify(chain)
	if err != nil || signer.Kind != kindPerson {
		return bad("Certificat de signature refusé (IGC-Santé PERSONNES, non révoqué).")
	}
	if cert.KeyUsage&(x509.KeyUsageContentCommitment|x509.KeyUsageDigitalSignature) == 0 {
		return bad("Ce certificat ne permet pas de signer.")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return bad("Clé de signature non RSA.")
	}
	canon, err := provisioning.Canonical(sr.Request)
	if err != nil {
		return bad("Requête signée illisible.")
	}
	digest := sha256.Sum256(canon)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sr.Signature); err != nil {
		return bad("Signature invalide.")
	}
	dec := json.NewDecoder(bytes.NewReader(sr.Request))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return holder{}, req, apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest, "Champs de la demande invalides.")
	}
	t, err := time.Parse(time.RFC3339, req.Time)
	if err != nil || t.Sub(s.opts.Now()).Abs() > maxClockSkew {
		return holder{}, req, apiErr(http.StatusBadRequest, provisioning.CodeStaleRequest,
			"La demande est trop ancienne ou l'horloge du poste est déréglée.")
	}
	if len(req.Nonce) < 16 {
		return holder{}, req, apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest, "Identifiant de demande manquant.")
	}
	return signer, req, nil
}

// newRecord applies the kind-specific rules and computes the address; base is the rule's
// local part (homonyms are numbered from it).
func (s *Server) newRecord(req provisioning.CreateRequest, signer holder) (rec *balRecord, base string, aerr *provisioning.Error) {
	now := s.opts.Now()
	if req.CGUVersion != CurrentCGU {
		e := apiErr(http.StatusUnprocessableEntity, provisioning.CodeCGUOutdated,
			"Les CGU ont changé : lisez et acceptez la version "+CurrentCGU+".")
		return nil, "", e
	}
	rec = &balRecord{
		Kind: req.Kind, CGUVersion: req.CGUVersion, ListeRouge: req.ListeRouge, Created: now,
		ActiveAt: now.Add(s.opts.ValidationDelay),
		Holder:   holderRecord{ID: signer.ID, Surname: signer.Surname, GivenName: signer.GivenName, Profession: signer.Profession},
	}
	if req.Kind == provisioning.KindORG || req.Kind == provisioning.KindAPP {
		st := req.Structure
		if st == nil || !reFINESS.MatchString(st.FINESS) || strings.TrimSpace(st.Name) == "" ||
			!rePostalCode.MatchString(st.PostalCode) || strings.TrimSpace(st.City) == "" {
			return nil, "", apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest,
				"Indiquez la structure : FINESS (9 caractères), raison sociale, code postal et ville.")
		}
		c := *st
		rec.Structure = &c
		rec.DisplayName = st.Name
	}
	switch req.Kind {
	case provisioning.KindPER:
		rec.DisplayName = strings.TrimSpace(signer.GivenName + " " + strings.ToUpper(signer.Surname))
	case provisioning.KindORG:
		if aerr := checkORG(signer, req.Structure); aerr != nil {
			return nil, "", aerr
		}
		rec.Members = map[string]memberRecord{signer.ID: {Role: provisioning.RoleAdmin,
			Name: strings.TrimSpace(signer.GivenName + " " + strings.ToUpper(signer.Surname)), Since: now}}
	case provisioning.KindAPP:
		id, aerr := s.appIdentity(req.AppCertificate, req.Structure.FINESS)
		if aerr != nil {
			return nil, "", aerr
		}
		rec.AppIdentity = id
	}
	if req.DisplayName != "" {
		rec.DisplayName = strings.TrimSpace(req.DisplayName)
	}
	base, aerr = baseLocalPart(req.Kind, signer.GivenName, signer.Surname, req.Structure)
	if aerr != nil {
		return nil, "", aerr
	}
	rec.Address = base + "@" + s.opts.Domain
	if req.Address != "" {
		if aerr := checkRequested(req.Address, base, req.Kind, s.opts.Domain); aerr != nil {
			return nil, "", aerr
		}
		rec.Address = strings.ToLower(req.Address)
	}
	return rec, base, nil
}

// appIdentity verifies an APP BAL's organisation certificate (PEM, leaf first, with its
// ORGANISATIONS intermediate), which must be the structure's (id type 1 + finess), and
// returns the identity that will open the BAL.
func (s *Server) appIdentity(pemChain, finess string) (string, *provisioning.Error) {
	bad := apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest,
		"Joignez le certificat logiciel (IGC-Santé ORGANISATIONS) de la structure.")
	var chain [][]byte
	rest := []byte(pemChain)
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE" {
			chain = append(chain, blk.Bytes)
		}
	}
	h, err := s.verifier.verify(chain)
	if err != nil || h.Kind != kindOrganisation {
		return "", bad
	}
	if h.ID != "1"+finess {
		return "", apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest,
			"Ce certificat logiciel est celui d'une autre structure ("+h.Org+") : joignez celui du FINESS "+finess+".")
	}
	return h.ID, nil
}

// insert stores a new BAL unless the holder may not create it (APP: checked here, under
// the lock, against the roles of the moment), its address or an equivalent BAL exists;
// it also consumes the nonce. base is the rule's local part, numbered for a homonym.
func (s *Server) insert(rec *balRecord, base, nonce string) *provisioning.Error {
	r := s.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	now := s.opts.Now()
	for n, t := range r.Nonces {
		if now.Sub(t) > 2*maxClockSkew {
			delete(r.Nonces, n)
		}
	}
	if _, used := r.Nonces[nonce]; used {
		return apiErr(http.StatusConflict, provisioning.CodeReplayed, "Cette demande a déjà été reçue.")
	}
	if aerr := s.conflictLocked(rec, base); aerr != nil {
		return aerr
	}
	r.Nonces[nonce] = now
	r.BALs[rec.Address] = rec
	if err := r.saveLocked(); err != nil {
		delete(r.BALs, rec.Address)
		s.log.Error("api: save state", "err", err)
		return internalErr()
	}
	return nil
}

// conflictLocked says why rec cannot be created now (APP: the holder's role on the ORG BAL;
// an equivalent BAL exists; the address is taken), nil when it can. Under r.mu.
func (s *Server) conflictLocked(rec *balRecord, base string) *provisioning.Error {
	r := s.reg
	if rec.Kind == provisioning.KindAPP {
		if aerr := checkAPPLocked(r.BALs, rec.Holder.ID, rec.Structure.FINESS); aerr != nil {
			return aerr
		}
	}
	for _, b := range r.BALs {
		same := b.Kind == rec.Kind && b.Holder.ID == rec.Holder.ID && rec.Kind == provisioning.KindPER ||
			b.Kind == rec.Kind && rec.Kind == provisioning.KindAPP && b.AppIdentity == rec.AppIdentity ||
			b.Kind == rec.Kind && rec.Kind == provisioning.KindORG && b.Structure != nil && b.Structure.FINESS == rec.Structure.FINESS
		if same {
			e := apiErr(http.StatusConflict, provisioning.CodeAlreadyExists, "Cette BAL existe déjà : "+b.Address+".")
			e.Suggestion = b.Address
			return e
		}
	}
	if _, taken := r.BALs[rec.Address]; taken {
		sugg := suggest(base, rec.Kind, s.opts.Domain, func(a string) bool { _, ok := r.BALs[a]; return ok })
		e := apiErr(http.StatusConflict, provisioning.CodeAddressTaken,
			"L'adresse "+rec.Address+" est déjà attribuée (homonyme). Proposition : "+sugg+".")
		e.Suggestion = sugg
		return e
	}
	return nil
}

// checkBAL answers whether a creation request would be accepted now, without creating
// anything: the same rules as POST /v1/bals (kind, structure, address, homonyms, an existing
// equivalent BAL, who may create what) for the holder of the TLS client certificate. The
// request is not signed (no card signature for a check); nonce and time are ignored.
func (s *Server) checkBAL(w http.ResponseWriter, r *http.Request, h holder) {
	var req provisioning.CreateRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeErr(w, apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest, "Champs de la demande invalides."))
		return
	}
	if h.Kind != kindPerson || (req.HolderID != "" && req.HolderID != h.ID) {
		writeErr(w, apiErr(http.StatusForbidden, provisioning.CodeSignerMismatch,
			"La vérification se fait avec la carte du titulaire connecté."))
		return
	}
	rec, base, aerr := s.newRecord(req, h)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	s.reg.mu.Lock()
	aerr = s.conflictLocked(rec, base)
	s.reg.mu.Unlock()
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, provisioning.Check{Address: rec.Address, Available: true})
}

// Members and roles.

func (s *Server) orgFor(w http.ResponseWriter, r *http.Request, h holder) (*balRecord, string, bool) {
	b := s.reg.bal(r.PathValue("address"))
	if b == nil || !(b.mayOpen(h.ID) || b.Holder.ID == h.ID) {
		writeErr(w, apiErr(http.StatusNotFound, provisioning.CodeNotFound, "Cette BAL n'existe pas ou vous n'y avez pas accès."))
		return nil, "", false
	}
	if b.Kind != provisioning.KindORG {
		writeErr(w, apiErr(http.StatusUnprocessableEntity, provisioning.CodeNotOrganisational,
			"Les habilitations ne concernent que les BAL organisationnelles."))
		return nil, "", false
	}
	role := b.roleOf(h.ID)
	if role == "" {
		writeErr(w, apiErr(http.StatusForbidden, provisioning.CodeForbidden, msgUserNoRight))
		return nil, "", false
	}
	return b, role, true
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, h holder) {
	b, role, ok := s.orgFor(w, r, h)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, membersView(b, role))
}

func membersView(b *balRecord, callerRole string) provisioning.Members {
	out := provisioning.Members{Address: b.Address, CallerRole: callerRole, Grantable: grantable(callerRole), Members: []provisioning.Member{}}
	admins := adminCount(b.Members)
	for id, m := range b.Members {
		out.Members = append(out.Members, provisioning.Member{NationalID: id, Name: m.Name, Role: m.Role, Since: m.Since,
			Allowed: allowed(callerRole, m.Role, admins)})
	}
	sortMembers(out.Members)
	return out
}

func (s *Server) setMember(w http.ResponseWriter, r *http.Request, h holder) {
	if _, _, ok := s.orgFor(w, r, h); !ok {
		return
	}
	var body provisioning.SetMember
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || !validRole(body.Role) {
		writeErr(w, apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest,
			"Rôle inconnu : Administrateur, Gestionnaire ou Utilisateur."))
		return
	}
	id := r.PathValue("id")
	if !reNationalID.MatchString(id) {
		writeErr(w, apiErr(http.StatusBadRequest, provisioning.CodeInvalidRequest, "Identifiant national (RPPS ou ADELI) invalide."))
		return
	}
	var result provisioning.Member
	err := s.reg.update(r.PathValue("address"), func(b *balRecord) error {
		actor := b.roleOf(h.ID) // re-read under the lock
		cur, exists := b.Members[id]
		if aerr := checkSet(actor, cur.Role, body.Role, adminCount(b.Members)); aerr != nil {
			return aerr
		}
		name := cur.Name
		if body.Name != "" {
			name = body.Name
		}
		if !exists && name == "" {
			name = id
		}
		since := cur.Since // a role change keeps the date the access was granted
		if !exists {
			since = s.opts.Now()
		}
		b.Members[id] = memberRecord{Role: body.Role, Name: name, Since: since}
		result = provisioning.Member{NationalID: id, Name: name, Role: body.Role, Since: since,
			Allowed: allowed(actor, body.Role, adminCount(b.Members))}
		return nil
	})
	if s.apiFail(w, err) {
		return
	}
	s.log.Info("api: member set", "bal", r.PathValue("address"), "by", h.ID, "member", id, "role", body.Role)
	writeJSON(w, http.StatusOK, result)
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, h holder) {
	if _, _, ok := s.orgFor(w, r, h); !ok {
		return
	}
	id := r.PathValue("id")
	err := s.reg.update(r.PathValue("address"), func(b *balRecord) error {
		cur, exists := b.Members[id]
		if !exists {
			return apiErr(http.StatusNotFound, provisioning.CodeNotFound, "Cette personne n'a pas accès à la BAL.")
		}
		if aerr := checkRemove(b.roleOf(h.ID), cur.Role, adminCount(b.Members)); aerr != nil {
			return aerr
		}
		delete(b.Members, id)
		return nil
	})
	if s.apiFail(w, err) {
		return
	}
	s.log.Info("api: member removed", "bal", r.PathValue("address"), "by", h.ID, "member", id)
	w.WriteHeader(http.StatusNoContent)
}

// apiFail writes err (an *provisioning.Error or an internal failure) and reports whether it did.
func (s *Server) apiFail(w http.ResponseWriter, err error) bool {
	if err == nil {
		return false
	}
	var e *provisioning.Error
	if errors.As(err, &e) {
		writeErr(w, e)
		return true
	}
	if errors.Is(err, errNoBAL) {
		writeErr(w, apiErr(http.StatusNotFound, provisioning.CodeNotFound, "Cette BAL n'existe pas."))
		return true
	}
	s.log.Error("api: update", "err", err)
	writeErr(w, internalErr())
	return true
}
