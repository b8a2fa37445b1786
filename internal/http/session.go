package http

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/attache-app/attache/internal/service"
)

// Officer sessions: github.com/alexedwards/scs/v2 with the database as its store, so that
// any instance serves any session and signing out ends it everywhere. The store keeps
// only the SHA-256 of the cookie's token (service.SaveWebSession). The cookie is
// HttpOnly, SameSite=Lax, and Secure when http.base_url is https.

// sessionLifetime is how long a sign-in lasts: a working day. There is no idle timeout,
// which would turn every page view into a write.
const sessionLifetime = 12 * time.Hour

const sessionCookie = "attache_session"

func newSessions(svc *service.Service, secure bool, onError func(*http.Request, error)) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{svc}
	sm.Lifetime = sessionLifetime
	sm.Cookie.Name = sessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false // a browser session cookie; the server side expires it anyway
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		onError(r, err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
	return sm
}

// sessionStore adapts the service to scs.CtxStore.
type sessionStore struct{ svc *service.Service }

var _ scs.CtxStore = sessionStore{}

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.svc.FindWebSession(ctx, token)
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.svc.SaveWebSession(ctx, token, b, expiry)
}

func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.svc.DeleteWebSession(ctx, token)
}

func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
