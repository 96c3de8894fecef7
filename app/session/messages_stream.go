package session

import (
	"context"
	"fmt"

	"comptoir/mail/msg"
	"comptoir/store"
)

// ParsedStream reads a message of the cache for the reader, in one walk of its MIME
// structure streamed from the cache (msg.ParseStream): the message is never held whole, and
// its attachments are left in the cache, to be read from body by the spans the walk
// recorded. opened, when set, is given the envelope and the body before the walk starts
// (for o's callbacks). The walk stops when ctx ends.
func (s *Session) ParsedStream(ctx context.Context, ref store.Ref, o msg.StreamOptions, opened func(store.Envelope, *store.BodyFile)) (store.Envelope, *msg.Parsed, *store.BodyFile, error) {
	if err := s.check(); err != nil {
		return store.Envelope{}, nil, nil, err
	}
	env, err := s.st.Envelope(ref)
	if err != nil {
		return env, nil, nil, fmt.Errorf("session: envelope: %w", err)
	}
	body, err := s.st.OpenBodyFile(ref)
	if err != nil {
		return env, nil, nil, fmt.Errorf("session: body: %w", err)
	}
	if opened != nil {
		opened(env, body)
	}
	r, err := body.Section(ctx, 0, body.Size())
	if err != nil {
		return env, nil, nil, fmt.Errorf("session: body: %w", err)
	}
	defer r.Close()
	p, err := msg.ParseStream(r, o)
	if err != nil {
		return env, nil, nil, fmt.Errorf("session: parse: %w", err)
	}
	return env, p, body, nil
}
