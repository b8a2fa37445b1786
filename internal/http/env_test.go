package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	attachehttp "github.com/attache-app/attache/internal/http"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// env is a running API over a real database, with one token per role.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	st     *store.Store
	svc    *service.Service
	tokens map[domain.Role]string
}

// eachAPI runs fn against the real HTTP stack on every test dialect.
func eachAPI(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, newEnv(t, st))
	})
}

func newEnv(t testing.TB, st *store.Store) *env {
	t.Helper()
	svc := service.New(st, service.Options{
		SecretKey: []byte("test-secret-key-0123456789abcdef0123456789"),
		BaseURL:   "https://attache.test",
		UIDDomain: "attache.test",
	}, nil)
	return serveEnv(t, st, svc)
}

// serveEnv serves svc over real HTTP and creates one user per role, each with the
// password "correct horse battery" and an API token.
func serveEnv(t testing.TB, st *store.Store, svc *service.Service) *env {
	t.Helper()
	srv := httptest.NewServer(attachehttp.New(svc, attachehttp.Options{Ready: func(ctx context.Context) error { return st.Ping(ctx) }}).Echo)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, st: st, svc: svc, tokens: map[domain.Role]string{}}
	ctx := context.Background()
	for _, r := range []domain.Role{domain.RoleAdmin, domain.RoleOfficer, domain.RoleViewer} {
		email := string(r) + "@attache.test"
		if _, err := svc.CreateUser(ctx, &domain.User{Email: email, Role: r}, "correct horse battery"); err != nil {
			t.Fatalf("create %s: %v", r, err)
		}
		tok, _, err := svc.CreateAPIToken(ctx, email, "test")
		if err != nil {
			t.Fatalf("token for %s: %v", r, err)
		}
		e.tokens[r] = tok
	}
	return e
}

// resp is a decoded response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// ErrorField returns error.field of an error body.
func (r resp) ErrorField(t testing.TB) string {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error object in %s", r.Body)
	}
	f, _ := e["field"].(string)
	return f
}

// call sends a request as role ("" = no token). body may be nil, a string (sent raw)
// or a value (sent as JSON).
func (e *env) call(role domain.Role, method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// mustStatus fails the test unless the response has the wanted status.
func (e *env) must(want int, r resp) resp {
	e.t.Helper()
	if r.Status != want {
		e.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// create POSTs as officer, expects 201 and returns the created id.
func (e *env) create(path string, body any) int64 {
	e.t.Helper()
	m := e.must(http.StatusCreated, e.call(domain.RoleOfficer, http.MethodPost, path, body)).JSON(e.t)
	id, ok := m["id"].(float64)
	if !ok {
		e.t.Fatalf("no id in %v", m)
	}
	return int64(id)
}

// auditCount counts audit entries for an entity.
func (e *env) auditCount(entity string, id int64) int {
	e.t.Helper()
	items, _, err := e.svc.Audit(context.Background(), store.AuditFilter{EntityType: entity, EntityID: id}, store.Page{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(items)
}
