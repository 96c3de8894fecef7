package trustlist

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"comptoir/mail/msg"
	"comptoir/mail/servertrust"
)

// maxListBytes bounds a list (the real one is under 4 MB).
const maxListBytes = 32 << 20

// Options tell how to check and fetch a list.
type Options struct {
	// Roots are the IGC-Santé anchors (the configured trust store's roots): the signer
	// must chain to one of them. Intermediates are extra CA certificates to build the
	// chain (mail.LoadTrustStore's); the production ORGANISATIONS CA is built in.
	Roots, Intermediates *x509.CertPool
	// SignerCAs are the common names of the CAs that may issue the signing certificate;
	// default servertrust.DefaultServerCAs (ÉLÉMENTAIRE ORGANISATIONS, production or TEST).
	SignerCAs []string
	// TLSConfig verifies the https server (nil: system roots); TLS 1.2 at least.
	TLSConfig *tls.Config
	// Timeout bounds a download (default 60 s).
	Timeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Verify checks data, a list as published, and returns it. A signed list must verify (see
// the package documentation); an unsigned one is accepted only when checksum, the hex
// SHA-256 published beside it (a "checksum" file's first field), matches data.
func Verify(data []byte, checksum string, opts Options) (*List, error) {
	if len(data) > maxListBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(data))
	}
	sum := sha256.Sum256(data)
	l := &List{SHA256: hex.EncodeToString(sum[:])}
	doc := etree.NewDocument()
	doc.ReadSettings.CharsetReader = charsetReader
	if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
		// Only the unsigned copy, cut off after </ListeDomaines>, may fail to parse.
		if err == nil {
			err = errors.New("no root element")
		}
		return verifyUnsigned(l, data, checksum, err, opts)
	}
	sig, err := signatureOf(doc.Root())
	if err != nil {
		return nil, err
	}
	if sig == nil {
		return verifyUnsigned(l, data, checksum, nil, opts)
	}
	signed, err := verifySigned(l, doc.Root(), sig, opts)
	if err != nil {
		return nil, err
	}
	return l, fill(l, signed, opts)
}

// verifyUnsigned accepts an unsigned list whose SHA-256 is checksum; parseErr is the
// failure to parse data as it is, forgiven only for the known truncation.
func verifyUnsigned(l *List, data []byte, checksum string, parseErr error, opts Options) (*List, error) {
	if checksum = normChecksum(checksum); checksum == "" {
		if parseErr != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, parseErr)
		}
		return nil, ErrUnsigned
	}
	if checksum != l.SHA256 {
		return nil, fmt.Errorf("%w: SHA-256 %s, published %s", ErrChecksum, l.SHA256, checksum)
	}
	l.Checksum = checksum
	if parseErr != nil {
		data = completeTruncated(data)
		if data == nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, parseErr)
		}
	}
	doc := etree.NewDocument()
	doc.ReadSettings.CharsetReader = charsetReader
	if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return l, fill(l, doc.Root(), opts)
}

// completeTruncated closes a list cut off right after </ListeDomaines>, the ANS
// repository's copy; it returns nil for anything else.
func completeTruncated(data []byte) []byte {
	const tail, root = "</ListeDomaines>", "ListeBlancheMSSante"
	trimmed := bytes.TrimRight(data, " \t\r\n")
	if !bytes.HasSuffix(trimmed, []byte(tail)) || bytes.Contains(data, []byte("</"+root)) ||
		!bytes.Contains(data[:min(len(data), 512)], []byte("<"+root)) {
		return nil
	}
	return append(append(append([]byte{}, trimmed...), "\n</"...), root+">\n"...)
}

func normChecksum(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// signatureOf returns the list's signature: nil when there is none, the root's only
// ds:Signature child otherwise. A signature anywhere else, or several, is refused: the
// signed content must be the whole list.
func signatureOf(root *etree.Element) (*etree.Element, error) {
	var found []*etree.Element
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		for _, c := range e.ChildElements() {
			if c.Tag == dsig.SignatureTag && c.NamespaceURI() == dsig.Namespace {
				found = append(found, c)
			}
			walk(c)
		}
	}
	walk(root)
	switch {
	case len(found) == 0:
		return nil, nil
	case len(found) > 1 || found[0].Parent() != root:
		return nil, fmt.Errorf("%w: %d signatures, or not enveloping the whole list", ErrBadSignature, len(found))
	}
	return found[0], nil
}

// Algorithms the ANS signs with; nothing else is accepted.
const (
	algExcC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algRSASHA256  = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algSHA256     = "http://www.w3.org/2001/04/xmlenc#sha256"
	algEnveloped  = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	dateElement   = "DateDeGeneration"
	futureLeeway  = 24 * time.Hour
	signatureNote = "exclusive C14N, RSA-SHA256, one reference to the whole document"
)

// verifySigned checks the signature's algorithms, its signer's chain as of the list's
// date, then the signature itself with goxmldsig; it returns the signed content.
func verifySigned(l *List, root, sig *etree.Element, opts Options) (*etree.Element, error) {
	if err := checkAlgorithms(sig); err != nil {
		return nil, err
	}
	certs, err := keyInfoCertificates(sig)
	if err != nil {
		return nil, err
	}
	date, err := generated(root)
	if err != nil {
		return nil, err
	}
	if err := checkSigner(certs, date, opts); err != nil {
		return nil, err
	}
	// goxmldsig looks for the signature within 1000 elements (a SAML-sized budget,
	// goxmldsig issue #202), and the list has ~45 000 before it. The enveloped-signature
	// transform removes the Signature element wherever it is, so moving it first leaves
	// the signed content, and the digest, unchanged.
	for _, c := range root.ChildElements() {
		if c.Tag == dsig.SignatureTag && c.NamespaceURI() == dsig.Namespace {
			root.RemoveChild(c)
			root.InsertChildAt(0, c)
			break
		}
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{certs[0]}})
	vc.Clock = dsig.NewFakeClockAt(date)
	signed, err := vc.Validate(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	// The date that chose the verification time must be the signed one.
	if d, err := generated(signed); err != nil || !d.Equal(date) {
		return nil, fmt.Errorf("%w: DateDeGeneration outside the signed content", ErrBadSignature)
	}
	l.Signed, l.Signer = true, certs[0].Subject.CommonName
	return signed, nil
}

// checkAlgorithms refuses any SignedInfo other than the ANS's.
func checkAlgorithms(sig *etree.Element) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: %s (want %s)", ErrBadSignature, what, signatureNote)
	}
	si := child(sig, "SignedInfo")
	if si == nil {
		return bad("no SignedInfo")
	}
	if alg(child(si, "CanonicalizationMethod")) != algExcC14N {
		return bad("canonicalization " + alg(child(si, "CanonicalizationMethod")))
	}
	if alg(child(si, "SignatureMethod")) != algRSASHA256 {
		return bad("signature method " + alg(child(si, "SignatureMethod")))
	}
	refs := children(si, "Reference")
	if len(refs) != 1 || refs[0].SelectAttrValue("URI", "?") != "" {
		return bad("references")
	}
	var transforms []string
	for _, t := range children(child(refs[0], "Transforms"), "Transform") {
		transforms = append(transforms, alg(t))
	}
	if !slices.Equal(transforms, []string{algEnveloped, algExcC14N}) {
		return bad(fmt.Sprintf("transforms %v", transforms))
	}
	if alg(child(refs[0], "DigestMethod")) != algSHA256 {
		return bad("digest " + alg(child(refs[0], "DigestMethod")))
	}
	return nil
}

// keyInfoCertificates returns the certificates of KeyInfo/X509Data, the signer first.
func keyInfoCertificates(sig *etree.Element) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for _, x := range children(child(child(sig, "KeyInfo"), "X509Data"), "X509Certificate") {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(x.Text()), ""))
		if err != nil {
			return nil, fmt.Errorf("%w: X509Certificate: %v", ErrBadSignature, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: X509Certificate: %v", ErrBadSignature, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no signing certificate in KeyInfo", ErrUntrustedSigner)
	}
	return certs, nil
}

// checkSigner verifies that certs[0] chained to the anchors through an allowed CA at date.
func checkSigner(certs []*x509.Certificate, date time.Time, opts Options) error {
	if opts.Roots == nil {
		return fmt.Errorf("%w: no IGC-Santé anchors configured", ErrUntrustedSigner)
	}
	inter := x509.NewCertPool()
	if opts.Intermediates != nil {
		inter = opts.Intermediates.Clone()
	}
	for _, c := range slices.Concat(certs[1:], knownIntermediates()) {
		inter.AddCert(c)
	}
	signer := certs[0]
	chains, err := signer.Verify(x509.VerifyOptions{Roots: opts.Roots, Intermediates: inter, CurrentTime: date,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return fmt.Errorf("%w: %q on %s: %v", ErrUntrustedSigner, signer.Subject.CommonName, date.UTC().Format(time.RFC3339), err)
	}
	if signer.KeyUsage != 0 && signer.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: %q may not sign", ErrUntrustedSigner, signer.Subject.CommonName)
	}
	allowed := opts.SignerCAs
	if len(allowed) == 0 {
		allowed = servertrust.DefaultServerCAs()
	}
	for _, ch := range chains {
		if len(ch) > 1 && slices.Contains(allowed, ch[1].Subject.CommonName) {
			return nil
		}
	}
	return fmt.Errorf("%w: %q issued by %q, not an ORGANISATIONS CA", ErrUntrustedSigner, signer.Subject.CommonName,
		signer.Issuer.CommonName)
}

// generated reads the root's DateDeGeneration.
func generated(root *etree.Element) (time.Time, error) {
	d := child(root, dateElement)
	if d == nil {
		return time.Time{}, fmt.Errorf("%w: no %s", ErrMalformed, dateElement)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(d.Text()))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s: %v", ErrMalformed, dateElement, err)
	}
	return t, nil
}

// fill reads the domains and the date of the (signed or checksummed) content.
func fill(l *List, root *etree.Element, opts Options) error {
	date, err := generated(root)
	if err != nil {
		return err
	}
	if date.After(opts.now().Add(futureLeeway)) {
		return fmt.Errorf("%w: generated in the future (%s)", ErrMalformed, date.UTC().Format(time.RFC3339))
	}
	doc := etree.NewDocument()
	doc.SetRoot(root) // detaches it: the caller is done with its document
	b, err := doc.WriteToBytes()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	domains, err := msg.LoadTrustList(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	l.Domains, l.Generated = domains, date
	return nil
}

// child and children select by local name in the element's own namespace, so that the
// ds: prefix, or none, reads the same.
func child(e *etree.Element, tag string) *etree.Element {
	if c := children(e, tag); len(c) > 0 {
		return c[0]
	}
	return nil
}

func children(e *etree.Element, tag string) []*etree.Element {
	if e == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == e.NamespaceURI() {
			out = append(out, c)
		}
	}
	return out
}

func alg(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return e.SelectAttrValue("Algorithm", "")
}

// charsetReader accepts the encodings the ANS uses, UTF-8 (and its subset US-ASCII):
// bytes in another encoding would not canonicalise as they were signed.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	if l := strings.ToLower(label); l == "utf-8" || l == "us-ascii" {
		return in, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}
