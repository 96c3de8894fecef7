package trustlist

import (
	"crypto"
	"crypto/tls"
	"fmt"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Sign returns data, a list, with an enveloped signature made as the ANS makes it
// (exclusive C14N, RSA-SHA256, URI="", the certificate chain in KeyInfo/X509Data) with
// cert, an organisation certificate and its RSA key. The sandbox and the tests publish
// their lists with it.
func Sign(data []byte, cert tls.Certificate) ([]byte, error) {
	signer, ok := cert.PrivateKey.(crypto.Signer)
	if !ok || len(cert.Certificate) == 0 {
		return nil, fmt.Errorf("trustlist: sign: no key or certificate")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	ctx, err := dsig.NewSigningContext(signer, cert.Certificate)
	if err != nil {
		return nil, fmt.Errorf("trustlist: sign: %w", err)
	}
	ctx.Prefix = "" // the ANS declares the XML-DSig namespace as the default one
	ctx.Hash = crypto.SHA256
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("trustlist: sign: %w", err)
	}
	doc.SetRoot(signed)
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("trustlist: sign: %w", err)
	}
	return out, nil
}
