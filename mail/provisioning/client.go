package provisioning

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"comptoir/mail/servertrust"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. "https://127.0.0.1:8443" (paths /v1/... are appended);
	// https only (ErrInsecureURL).
	BaseURL string
	// Certificate is the caller's TLS client certificate; with a card its PrivateKey is the
	// card's crypto.Signer on the authentication key.
	Certificate tls.Certificate
	// Trust checks the API server as the mail servers are checked (IGC-Santé anchors,
	// server CA, serverAuth, current CRLs): give the session's mail.Operator.Trust.
	Trust *servertrust.Verifier
	// RootCAs are the IGC-Santé roots, used when Trust is nil to build a Verifier of this
	// client alone (CRLs kept in memory).
	RootCAs *x509.CertPool
	// MaxTLS caps the TLS version (tls.VersionTLS12 for a CPS3 card without RSA-PSS); 0 = 1.3.
	MaxTLS uint16
	// Timeout bounds each call; 0 means 30 s.
	Timeout time.Duration
}

// Client calls the provisioning API. It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// New returns a client; it does not dial. The client speaks HTTPS only, checks the
// server with the Verifier and follows no redirect (ErrRedirect): a redirect could only
// lead the card's session somewhere the configuration did not name.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("provisioning: empty base URL")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("provisioning: base URL: %w", err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%w: %s", ErrInsecureURL, u.Redacted())
	}
	trust := cfg.Trust
	if trust == nil {
		if cfg.RootCAs == nil {
			return nil, fmt.Errorf("provisioning: no trust anchors configured")
		}
		if trust, err = servertrust.New(servertrust.Config{Roots: cfg.RootCAs}); err != nil {
			return nil, err
		}
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cert := cfg.Certificate
	// The transport sets ServerName from each request's host; CRL fetches during the
	// handshake are bounded by the Verifier's fetch timeout.
	tlsCfg := trust.TLSConfig(context.Background(), "")
	tlsCfg.MaxVersion = cfg.MaxTLS
	tlsCfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &cert, nil
	}
	tr := &http.Transport{
		TLSClientConfig:   tlsCfg,
		ForceAttemptHTTP2: false,
		// Keep connections: each new handshake costs one card signature.
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{
		base: strings.TrimRight(cfg.BaseURL, "/"),
		http: &http.Client{Transport: tr, Timeout: timeout,
			CheckRedirect: func(req *http.Request, _ []*http.Request) error {
				return fmt.Errorf("%w: to %s", ErrRedirect, req.URL.Redacted())
			}},
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Me returns the identity the server read from the client certificate.
func (c *Client) Me(ctx context.Context) (Identity, error) {
	var id Identity
	err := c.do(ctx, http.MethodGet, "/v1/me", nil, &id)
	return id, err
}

// CGU returns the current terms of use; their version goes into CreateRequest.CGUVersion.
func (c *Client) CGU(ctx context.Context) (CGU, error) {
	var v CGU
	err := c.do(ctx, http.MethodGet, "/v1/cgu", nil, &v)
	return v, err
}

// BALs lists the BALs the caller may open or manage, pending ones included.
func (c *Client) BALs(ctx context.Context) ([]BAL, error) {
	var v []BAL
	err := c.do(ctx, http.MethodGet, "/v1/bals", nil, &v)
	return v, err
}

// BAL returns one BAL the caller may see.
func (c *Client) BAL(ctx context.Context, address string) (BAL, error) {
	var v BAL
	err := c.do(ctx, http.MethodGet, "/v1/bals/"+url.PathEscape(address), nil, &v)
	return v, err
}

// Check asks whether req would be accepted now, without signing or creating anything
// (POST /v1/bals/check): the answer is the address the BAL would get; a refusal is the
// *Error creation would give (address_taken with its suggestion, already_exists, …).
func (c *Client) Check(ctx context.Context, req CreateRequest) (Check, error) {
	var v Check
	err := c.do(ctx, http.MethodPost, "/v1/bals/check", req, &v)
	return v, err
}

// Sign builds a SignedRequest: req is encoded, canonicalised and signed with signer (the card's
// signature key, PKCS#1 v1.5 over SHA-256); sigCert is the matching signature certificate.
// Nonce and Time are filled when empty.
func Sign(req CreateRequest, signer crypto.Signer, sigCert *x509.Certificate, now time.Time) (SignedRequest, error) {
	if req.Nonce == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return SignedRequest{}, fmt.Errorf("provisioning: nonce: %w", err)
		}
		req.Nonce = hex.EncodeToString(b[:])
	}
	if req.Time == "" {
		req.Time = now.UTC().Format(time.RFC3339)
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return SignedRequest{}, fmt.Errorf("provisioning: encode request: %w", err)
	}
	canon, err := Canonical(raw)
	if err != nil {
		return SignedRequest{}, err
	}
	digest := sha256.Sum256(canon)
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return SignedRequest{}, fmt.Errorf("provisioning: sign request: %w", err)
	}
	return SignedRequest{Request: raw, Algorithm: SignatureAlgorithm, Signature: sig, Certificate: sigCert.Raw}, nil
}

// CreateBAL signs req (see Sign) and submits it. The BAL comes back pending; it becomes
// active once the operator's validation delay has passed. A homonym yields an *Error with
// CodeAddressTaken and a Suggestion.
func (c *Client) CreateBAL(ctx context.Context, req CreateRequest, signer crypto.Signer, sigCert *x509.Certificate) (BAL, error) {
	sr, err := Sign(req, signer, sigCert, time.Now())
	if err != nil {
		return BAL{}, err
	}
	return c.Submit(ctx, sr)
}

// Submit posts an already signed request.
func (c *Client) Submit(ctx context.Context, sr SignedRequest) (BAL, error) {
	var v BAL
	err := c.do(ctx, http.MethodPost, "/v1/bals", sr, &v)
	return v, err
}

// Members lists the members of an ORG BAL and what the caller may do to each.
func (c *Client) Members(ctx context.Context, address string) (Members, error) {
	var v Members
	err := c.do(ctx, http.MethodGet, "/v1/bals/"+url.PathEscape(address)+"/members", nil, &v)
	return v, err
}

// SetMember adds a member or changes their role.
func (c *Client) SetMember(ctx context.Context, address, nationalID, role, name string) (Member, error) {
	var v Member
	err := c.do(ctx, http.MethodPut, "/v1/bals/"+url.PathEscape(address)+"/members/"+url.PathEscape(nationalID),
		SetMember{Role: role, Name: name}, &v)
	return v, err
}

// RemoveMember takes a member's access away.
func (c *Client) RemoveMember(ctx context.Context, address, nationalID string) error {
	return c.do(ctx, http.MethodDelete, "/v1/bals/"+url.PathEscape(address)+"/members/"+url.PathEscape(nationalID), nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("provisioning: encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("provisioning: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("provisioning: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("provisioning: %s %s: read: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Code = CodeInternal
			e.Message = fmt.Sprintf("Réponse inattendue de l'opérateur (HTTP %d).", resp.StatusCode)
		}
		return e
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("provisioning: %s %s: decode: %w", method, path, err)
	}
	return nil
}
