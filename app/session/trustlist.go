package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"comptoir/mail/trustlist"
)

// ErrNoTrustListRefresh: the session was opened without a place to store the trust-space
// list (Config.TrustList.Path), so it cannot be refreshed.
var ErrNoTrustListRefresh = errors.New("session: no trust-space list path configured")

// TrustListConfig says where the workstation's trust-space list (« liste blanche ») is
// stored and where it is refreshed from.
type TrustListConfig struct {
	Path string // the stored list (trustlist.DefaultPath in the app)
	// Source is where Refresh downloads it; zero: the ANS's signed list (OfficialSource).
	Source trustlist.Source
	// Options verify the list; zero Roots: the operator's trust store anchors
	// (Servers.RootCAs).
	Options trustlist.Options
}

// TrustListInfo describes the list in use, for the settings screen.
type TrustListInfo struct {
	Generated time.Time // DateDeGeneration
	Age       time.Duration
	Domains   int // domains of the list in use; 0 when none is loaded
	Signed    bool
	Stale     bool // older than trustlist.MaxAge (30 days)
	Source    string
	Notices   []string // French: unsigned, older than 30 days
}

// TrustListInfo describes the stored list from what the last refresh recorded beside it
// (not verified again: the list in use was verified when it was loaded). A missing list is
// an error wrapping fs.ErrNotExist.
func (s *Session) TrustListInfo() (TrustListInfo, error) {
	if s.cfg.TrustList.Path == "" {
		return TrustListInfo{}, ErrNoTrustListRefresh
	}
	st, err := trustlist.Stored(s.cfg.TrustList.Path)
	if err != nil {
		return TrustListInfo{}, fmt.Errorf("session: trust-space list: %w", err)
	}
	l := &trustlist.List{Generated: st.Generated, Signed: st.Signed, Source: st.Source}
	return s.trustListInfo(l), nil
}

// RefreshTrustList downloads the trust-space list, verifies it (its signature, or the
// checksum published beside an unsigned copy), stores it and checks the next messages'
// recipients against it. On any error the list in use and the stored one are kept; the
// error is trustlist's (trustlist.UserMessage says it in French).
func (s *Session) RefreshTrustList(ctx context.Context) (TrustListInfo, error) {
	if err := s.check(); err != nil {
		return TrustListInfo{}, err
	}
	c := s.cfg.TrustList
	if c.Path == "" {
		return TrustListInfo{}, ErrNoTrustListRefresh
	}
	if c.Source.List == "" {
		c.Source = trustlist.OfficialSource()
	}
	if c.Options.Roots == nil {
		c.Options.Roots = s.cfg.Servers.RootCAs
	}
	if c.Options.Now == nil {
		c.Options.Now = s.cfg.Now
	}
	l, err := trustlist.Refresh(ctx, c.Source, c.Path, c.Options)
	if err != nil {
		return TrustListInfo{}, fmt.Errorf("session: refresh trust-space list: %w", err)
	}
	s.trust.Store(l.Domains)
	if s.eng != nil {
		s.eng.SetTrust(l.Domains)
	}
	s.cfg.Logger.Info("trust-space list refreshed", "generated", l.Generated, "domains", l.Domains.Len(), "signed", l.Signed)
	return s.trustListInfo(l), nil
}

func (s *Session) trustListInfo(l *trustlist.List) TrustListInfo {
	now := s.cfg.Now()
	info := TrustListInfo{Generated: l.Generated, Age: l.Age(now), Signed: l.Signed, Stale: l.Stale(now), Source: l.Source,
		Notices: l.Notices(now)}
	if t := s.trust.Load(); t != nil {
		info.Domains = t.Len()
	}
	return info
}
