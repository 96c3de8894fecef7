package bridge

import (
	"context"

	"comptoir/app"
	"comptoir/app/session"
)

// TrustListInfo describes the stored trust-space list (app.TrustListKeeper).
func (s *Session) TrustListInfo() (app.TrustListInfo, error) {
	i, err := s.s.TrustListInfo()
	return appTrustList(i), err
}

// RefreshTrustList downloads, verifies and stores the trust-space list; the session checks
// the next messages' recipients against it (app.TrustListKeeper).
func (s *Session) RefreshTrustList(ctx context.Context) (app.TrustListInfo, error) {
	i, err := s.s.RefreshTrustList(ctx)
	return appTrustList(i), err
}

func appTrustList(i session.TrustListInfo) app.TrustListInfo {
	return app.TrustListInfo{Generated: i.Generated, Age: i.Age, Domains: i.Domains, Signed: i.Signed, Stale: i.Stale}
}
