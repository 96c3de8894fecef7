package psc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Pending is an e-CPS login waiting for the professional's approval on their phone.
type Pending struct {
	AuthReqID  string
	NationalID string
	ExpiresIn  time.Duration // as announced by PSC
	Interval   time.Duration // polling interval announced by PSC (5 s when absent)
	Deadline   time.Time     // when the request expires: the screen's countdown

	c *Client
}

// StartECPS asks PSC, through the intermediate server, to send an approval request to the
// professional's e-CPS (CIBA). bindingMessage, if any, is shown on the phone (a short code
// the screen shows too). Errors: ErrUnknownUser, ErrUnavailable.
func (c *Client) StartECPS(ctx context.Context, nationalID, bindingMessage string) (*Pending, error) {
	nationalID = strings.TrimSpace(nationalID)
	if nationalID == "" {
		return nil, errors.New("psc: empty national id")
	}
	if _, _, err := c.config(ctx); err != nil {
		return nil, err
	}
	var out struct {
		AuthReqID string `json:"auth_req_id"`
		ExpiresIn int    `json:"expires_in"`
		Interval  int    `json:"interval"`
	}
	body := map[string]string{"national_id": nationalID}
	if bindingMessage != "" {
		body["binding_message"] = bindingMessage
	}
	if err := c.call(ctx, "POST", "/v1/ciba", body, &out); err != nil {
		if apiCode(err) == "unknown_user_id" {
			return nil, fmt.Errorf("%w: %s", ErrUnknownUser, nationalID)
		}
		return nil, fmt.Errorf("psc: e-CPS request: %w", err)
	}
	if out.AuthReqID == "" || out.ExpiresIn <= 0 {
		return nil, fmt.Errorf("%w: malformed e-CPS answer", ErrUnavailable)
	}
	if out.Interval <= 0 {
		out.Interval = 5
	}
	exp := time.Duration(out.ExpiresIn) * time.Second
	return &Pending{AuthReqID: out.AuthReqID, NationalID: nationalID, ExpiresIn: exp,
		Interval: time.Duration(out.Interval) * time.Second, Deadline: c.now().Add(exp), c: c}, nil
}

// Wait polls until the professional approves (a Session), refuses (ErrDenied), the request
// expires (ErrExpired), or ctx ends (the user cancelled: ctx.Err()). It honours the
// interval, and adds 5 s to it at each slow_down (CIBA §11). A network failure is retried
// at the next tick until the deadline.
func (p *Pending) Wait(ctx context.Context) (*Session, error) {
	interval := p.Interval
	var lastErr error
	for {
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		var ts tokenSet
		err := p.c.call(ctx, "POST", "/v1/ciba/token", map[string]string{"auth_req_id": p.AuthReqID}, &ts)
		switch code := apiCode(err); {
		case err == nil:
			id, err := p.c.verifyIdentity(ctx, &ts, "", p.NationalID, MethodECPS)
			if err != nil {
				return nil, err
			}
			return p.c.newSession(&ts, id), nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case code == "authorization_pending":
		case code == "slow_down":
			interval += 5 * time.Second
		case code == "access_denied":
			return nil, ErrDenied
		case code == "expired_token", code == "invalid_grant":
			return nil, ErrExpired
		case code != "":
			return nil, fmt.Errorf("psc: e-CPS login: %w", err)
		default:
			lastErr = err // transport: try again at the next tick
		}
		if !p.c.now().Before(p.Deadline.Add(interval)) {
			if lastErr != nil {
				return nil, fmt.Errorf("%w (last error: %v)", ErrExpired, lastErr)
			}
			return nil, ErrExpired
		}
	}
}

// LoginECPS is StartECPS then Wait; started is called (if not nil) once the request is on
// the phone, for the screen's « Validez la connexion sur votre téléphone » and countdown.
func (c *Client) LoginECPS(ctx context.Context, nationalID string, started func(*Pending)) (*Session, error) {
	p, err := c.StartECPS(ctx, nationalID, "")
	if err != nil {
		return nil, err
	}
	if started != nil {
		started(p)
	}
	return p.Wait(ctx)
}
