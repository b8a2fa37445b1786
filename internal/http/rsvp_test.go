package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/attache-app/attache/internal/domain"
	attachehttp "github.com/attache-app/attache/internal/http"
)

// rpVisit is the reference visit as the delegates see it: the commemorative meeting in
// Moscow with the delegations of Russia, Azerbaijan (head and adviser, limited to three
// people: room for one companion) and Armenia (limited to four: room for three), a
// ceremony for all and one bilateral meeting per guest. Kamran Aliyev is invited in
// Russian, Artur Davtyan in English.
type rpVisit struct {
	event              int64
	azInv, amInv       int64
	azToken, amToken   string
	azPerson, amPerson int64
}

const rpTitle = "Commemorative meeting for the anniversary of the Prosecution Service"

func rpSetup(t *testing.T, e *env) rpVisit {
	t.Helper()
	venue := e.create("/api/v1/venues", map[string]any{"name": "Prosecutor General's Office of the Russian Federation",
		"address": "15a Bolshaya Dmitrovka", "city": "Moscow", "timezone": "Europe/Moscow"})
	hall := e.create(fmt.Sprintf("/api/v1/venues/%d/rooms", venue), map[string]any{"name": "Collegium hall"})
	ru := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Russian Federation"})
	az := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Azerbaijan"})
	am := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Armenia"})
	krasnov := e.create("/api/v1/people", map[string]any{"full_name": "Igor Krasnov", "email": "krasnov@genproc-ru.test", "language": "ru", "organization_id": ru})
	var v rpVisit
	v.azPerson = e.create("/api/v1/people", map[string]any{"full_name": "Kamran Aliyev", "honorific": "Prosecutor General of the Republic of Azerbaijan",
		"email": "aliyev@genprosecutor-az.test", "language": "ru", "organization_id": az,
		"names": map[string]any{"ru": map[string]any{"full_name": "Камран Алиев", "honorific": "Генеральный прокурор Азербайджанской Республики",
			"address": "Уважаемый господин Генеральный прокурор"}}})
	adviser := e.create("/api/v1/people", map[string]any{"full_name": "Adviser of the delegation", "email": "adviser@genprosecutor-az.test", "organization_id": az})
	v.amPerson = e.create("/api/v1/people", map[string]any{"full_name": "Artur Davtyan", "honorific": "Prosecutor General of the Republic of Armenia",
		"email": "davtyan@prosecutor-am.test", "language": "en", "organization_id": am})

	v.event = e.create("/api/v1/events", map[string]any{"title": rpTitle, "kind": "commemoration", "status": "scheduled",
		"timezone": "Europe/Moscow", "venue_id": venue, "starts_at": "2021-01-12T10:00:00+03:00", "ends_at": "2021-01-12T18:00:00+03:00"})
	delegations := fmt.Sprintf("/api/v1/events/%d/delegations", v.event)
	dRU := e.create(delegations, map[string]any{"organization_id": ru, "head_person_id": krasnov})
	dAZ := e.create(delegations, map[string]any{"organization_id": az, "head_person_id": v.azPerson, "size_limit": 3,
		"members": []map[string]any{{"person_id": adviser, "role": "adviser"}}})
	dAM := e.create(delegations, map[string]any{"organization_id": am, "head_person_id": v.amPerson, "size_limit": 4})
	sessions := fmt.Sprintf("/api/v1/events/%d/sessions", v.event)
	session := func(title, kind, from, to string, parties ...int64) {
		e.create(sessions, map[string]any{"title": title, "kind": kind, "room_id": hall, "delegation_ids": parties,
			"starts_at": "2021-01-12T" + from + ":00+03:00", "ends_at": "2021-01-12T" + to + ":00+03:00",
			"agenda": "Cooperation of prosecution services"})
	}
	session("Commemorative meeting", "ceremony", "10:00", "11:30", dRU, dAZ, dAM)
	session("Bilateral meeting Russia – Azerbaijan", "bilateral", "12:00", "13:00", dRU, dAZ)
	session("Bilateral meeting Russia – Armenia", "bilateral", "13:30", "14:30", dRU, dAM)

	invitations := fmt.Sprintf("/api/v1/events/%d/invitations", v.event)
	azInv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", invitations, map[string]any{"person_id": v.azPerson, "delegation_id": dAZ})).JSON(t)
	amInv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", invitations, map[string]any{"person_id": v.amPerson, "delegation_id": dAM})).JSON(t)
	v.azInv, v.azToken = int64(azInv["id"].(float64)), ivToken(t, azInv)
	v.amInv, v.amToken = int64(amInv["id"].(float64)), ivToken(t, amInv)
	return v
}

// rpRequest is a browser's request: no API token, a form body when form is not nil.
func rpRequest(t testing.TB, base, method, path string, form url.Values, header ...string) resp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: raw}
}

func (e *env) page(method, path string, form url.Values, header ...string) resp {
	e.t.Helper()
	return rpRequest(e.t, e.srv.URL, method, path, form, header...)
}

var rpFormToken = regexp.MustCompile(`name="form_token" value="([A-Za-z0-9_-]{43})"`)

// formToken reads the hidden form token of a delegate's page.
func (e *env) formToken(token string) string {
	e.t.Helper()
	r := e.must(http.StatusOK, e.page("GET", "/rsvp/"+token, nil))
	m := rpFormToken.FindSubmatch(r.Body)
	if m == nil {
		e.t.Fatalf("no form token on the page:\n%s", r.Body)
	}
	return string(m[1])
}

func rpHas(t *testing.T, r resp, want ...string) {
	t.Helper()
	for _, w := range want {
		if !bytes.Contains(r.Body, []byte(w)) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Fatalf("page:\n%s", r.Body)
	}
}

func rpLacks(t *testing.T, r resp, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if bytes.Contains(r.Body, []byte(w)) {
			t.Errorf("the page shows %q", w)
		}
	}
	if t.Failed() {
		t.Fatalf("page:\n%s", r.Body)
	}
}

// rpState is what must not move when nothing is answered: the invitation as the API
// shows it, its history and its audit trail.
func rpState(t *testing.T, e *env, inv int64) string {
	t.Helper()
	got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(inv), nil)).JSON(t)
	history := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(inv)+"/responses", nil)).JSON(t)["items"]
	return fmt.Sprintf("%v|%v|%v|%v|%v|%v|%d", got["response"], got["response_channel"], got["responded_at"], got["companions"],
		got["updated_at"], history, e.auditCount("invitation", inv))
}

func TestRSVPPageInTheInvitationsLanguage(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)

		en := e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.amToken, nil))
		if ct := en.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("Content-Type %q", ct)
		}
		if cc := en.Header.Get("Cache-Control"); cc != "no-store" || en.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("Cache-Control %q, CSP %q", cc, en.Header.Get("Content-Security-Policy"))
		}
		rpHas(t, en, `<html lang="en">`, rpTitle, "Artur Davtyan", "Prosecutor General of the Republic of Armenia",
			"Prosecutor General&#39;s Office of the Republic of Armenia", // the delegation
			"15a Bolshaya Dmitrovka", "Moscow", "Collegium hall",
			"12 January 2021, 10:00–18:00", "Europe/Moscow (UTC&#43;3)",
			"Commemorative meeting", "12 January 2021, 13:30–14:30", "Bilateral meeting Russia – Armenia", "Bilateral meeting",
			"No answer yet", "You may name up to 3 accompanying members.",
			`name="companion"`, `id="companion-3"`, `name="form_token"`, `value="accepted"`, `value="tentative"`, `value="declined"`,
			`data-tz="Europe/Moscow"`, `data-start="2021-01-12T10:30:00Z"`, `href="/rsvp/`+v.amToken+`/invite.ics"`,
			`<script src="/static/rsvp.js" defer></script>`, `href="/static/rsvp.css"`)
		rpLacks(t, en, "Russia – Azerbaijan", "Kamran", `id="companion-4"`)

		ru := e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken, nil, "Accept-Language", "en-GB,en;q=0.9"))
		rpHas(t, ru, `<html lang="ru">`, rpTitle, "Камран Алиев", "Генеральный прокурор Азербайджанской Республики",
			"Уважаемый господин Генеральный прокурор,", "15a Bolshaya Dmitrovka",
			"12 января 2021 г., 10:00–18:00", "12 января 2021 г., 12:00–13:00", "Bilateral meeting Russia – Azerbaijan",
			"Двусторонняя встреча", "Церемония", "Зал: Collegium hall", "Программа", "Текущий ответ:", "Ответ ещё не получен",
			"Можно указать не более 1 сопровождающего лица.", "Отправить ответ", "Да, приму участие")
		rpLacks(t, ru, "Russia – Armenia", "Artur", `id="companion-2"`, "No answer yet")

		// No inline script or style: the CSP would block it.
		for _, r := range []resp{en, ru} {
			for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAll(r.Body, -1) {
				if !bytes.Contains(m, []byte(` src="/static/`)) {
					t.Fatalf("inline script %s", m)
				}
			}
			rpLacks(t, r, "<style", " style=", "onclick", "javascript:")
		}

		css := e.must(http.StatusOK, e.page("GET", "/static/rsvp.css", nil))
		js := e.must(http.StatusOK, e.page("GET", "/static/rsvp.js", nil))
		if !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || !strings.Contains(js.Header.Get("Content-Type"), "javascript") {
			t.Fatalf("static types %q, %q", css.Header.Get("Content-Type"), js.Header.Get("Content-Type"))
		}
	})
}

func TestRSVPAnswer(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		form := url.Values{"form_token": {e.formToken(v.azToken)}, "response": {"accepted"},
			"companion": {"  Farid Aliyev ", ""}, "note": {"Arriving on 11 January"}}
		done := e.must(http.StatusOK, e.page("POST", "/rsvp/"+v.azToken, form))
		rpHas(t, done, `<html lang="ru">`, "Спасибо", "Ваш ответ получен.", "Примет участие", "Farid Aliyev", "Arriving on 11 January",
			`href="/rsvp/`+v.azToken+`/invite.ics"`, `href="webcal://`, "/feeds/", "Изменить ответ")
		if cc := done.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q", cc)
		}

		got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(v.azInv), nil)).JSON(t)
		if got["response"] != "accepted" || got["response_channel"] != "link" || got["responded_at"] == nil ||
			fmt.Sprint(got["companions"]) != "[Farid Aliyev]" || got["note"] != "Arriving on 11 January" {
			t.Fatalf("invitation after the answer = %v", got)
		}
		history := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(v.azInv)+"/responses", nil)).JSON(t)["items"].([]any)
		if len(history) != 1 {
			t.Fatalf("history = %v", history)
		}
		if h := history[0].(map[string]any); h["channel"] != "link" || h["response"] != "accepted" || h["actor"] != "aliyev@genprosecutor-az.test" ||
			fmt.Sprint(h["companions"]) != "[Farid Aliyev]" {
			t.Fatalf("history entry = %v", h)
		}

		// The page shows the new answer and keeps the companion in the form.
		rpHas(t, e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken, nil)), "Примет участие", `value="Farid Aliyev"`,
			"Arriving on 11 January", `value="accepted" checked`)

		// The calendar file carries the answer as PARTSTAT; the subscription link works.
		ics := e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken+"/invite.ics", nil))
		if !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") ||
			!strings.Contains(ics.Header.Get("Content-Disposition"), `attachment; filename="invite.ics"`) {
			t.Fatalf("invite.ics headers %v", ics.Header)
		}
		rpHas(t, ics, "BEGIN:VCALENDAR", "PARTSTAT=ACCEPTED", "aliyev@genprosecutor-az.test")
		feed := regexp.MustCompile(`webcal://[^/"]+(/feeds/[A-Za-z0-9_-]+\.ics)`).FindSubmatch(done.Body)
		if feed == nil {
			t.Fatalf("no feed link in\n%s", done.Body)
		}
		if r := e.must(http.StatusOK, e.page("GET", string(feed[1]), nil)); !bytes.Contains(r.Body, []byte("BEGIN:VCALENDAR")) {
			t.Fatalf("feed:\n%s", r.Body)
		}

		// A second answer joins the history; declining drops the companions.
		form.Set("response", "declined")
		rpHas(t, e.must(http.StatusOK, e.page("POST", "/rsvp/"+v.azToken, form)), "Не примет участие")
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(v.azInv), nil)).JSON(t)
		if got["response"] != "declined" || fmt.Sprint(got["companions"]) != "[]" {
			t.Fatalf("after declining = %v", got)
		}
		rpHas(t, e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken+"/invite.ics", nil)), "PARTSTAT=DECLINED")
		if n := len(e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(v.azInv)+"/responses", nil)).JSON(t)["items"].([]any)); n != 2 {
			t.Fatalf("history has %d entries, want 2", n)
		}
	})
}

func TestRSVPRefusedAnswerKeepsTheForm(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		before := rpState(t, e, v.azInv)
		form := url.Values{"form_token": {e.formToken(v.azToken)}, "response": {"accepted"},
			"companion": {"Farid Aliyev", "Leyla Mammadova", "Rashad Huseynov"}, "note": {"Three aides"}}
		r := e.must(http.StatusUnprocessableEntity, e.page("POST", "/rsvp/"+v.azToken, form))
		rpHas(t, r, `<html lang="ru">`, "Ваш ответ не сохранён.",
			`value="Farid Aliyev"`, `value="Leyla Mammadova"`, `value="Rashad Huseynov"`, ">Three aides</textarea>", `value="accepted" checked`,
			`<p class="field-error" id="companions-error">Можно указать не более 1 сопровождающего лица.</p>`, `aria-invalid="true"`)
		if before != rpState(t, e, v.azInv) {
			t.Fatal("a refused answer changed the invitation")
		}

		// No answer chosen; a name with a line break; a note too long.
		for _, tt := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"form_token": form["form_token"], "note": {"?"}}, `id="response-error">Пожалуйста, выберите один из вариантов ответа.`},
			{url.Values{"form_token": form["form_token"], "response": {"needs-action"}}, `id="response-error"`},
			{url.Values{"form_token": form["form_token"], "response": {"accepted"}, "companion": {"Aide\r\nBcc: x@evil.test"}}, `id="companions-error">Каждое имя`},
			{url.Values{"form_token": form["form_token"], "response": {"tentative"}, "note": {strings.Repeat("я", 2001)}}, `id="note-error"`},
		} {
			rpHas(t, e.must(http.StatusUnprocessableEntity, e.page("POST", "/rsvp/"+v.azToken, tt.form)), tt.want)
		}

		// Only a form body counts; a huge one is refused before it is read.
		e.must(http.StatusUnsupportedMediaType, e.page("POST", "/rsvp/"+v.azToken, nil, "Content-Type", "application/json"))
		big := url.Values{"form_token": form["form_token"], "response": {"accepted"}, "note": {strings.Repeat("x", 70<<10)}}
		rpHas(t, e.must(http.StatusRequestEntityTooLarge, e.page("POST", "/rsvp/"+v.azToken, big)), "Too much text")
		if before != rpState(t, e, v.azInv) {
			t.Fatal("a refused answer changed the invitation")
		}
	})
}

func TestRSVPClosed(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		formToken := e.formToken(v.amToken)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(v.amInv), map[string]any{"deadline": "2021-01-05T18:00:00+03:00"}))
		before := rpState(t, e, v.amInv)

		page := e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.amToken, nil))
		rpHas(t, page, "The deadline for answers passed on 5 January 2021, 18:00. To change your answer, please contact the protocol office.")
		rpLacks(t, page, "<form", `name="response"`)
		r := e.must(http.StatusConflict, e.page("POST", "/rsvp/"+v.amToken, url.Values{"form_token": {formToken}, "response": {"accepted"}}))
		rpHas(t, r, "The deadline for answers passed")
		rpLacks(t, r, "<form")
		if before != rpState(t, e, v.amInv) {
			t.Fatal("an answer after the deadline changed the invitation")
		}
		// An officer can still record one.
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(v.amInv), map[string]any{"response": "accepted", "note": "by phone"}))
		rpHas(t, e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.amToken, nil)), "Will attend")
		rpLacks(t, e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.amToken, nil)), "by phone") // the officer's note is internal

		// A cancelled event says so and takes no answers.
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/events/%d", v.event), nil)) // cancels a scheduled event
		page = e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken, nil))
		rpHas(t, page, "Мероприятие отменено.")
		rpLacks(t, page, "<form")
		before = rpState(t, e, v.azInv)
		e.must(http.StatusConflict, e.page("POST", "/rsvp/"+v.azToken, url.Values{"form_token": {e.formTokenOf(v.azToken)}, "response": {"accepted"}}))
		if before != rpState(t, e, v.azInv) {
			t.Fatal("an answer to a cancelled event changed the invitation")
		}
	})
}

// formTokenOf is the form token a page would carry, read from the service, for pages
// that show no form.
func (e *env) formTokenOf(token string) string {
	e.t.Helper()
	v, err := e.svc.RSVPView(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.FormToken
}

func TestRSVPFormToken(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		az, am := rpState(t, e, v.azInv), rpState(t, e, v.amInv)
		amForm := e.formToken(v.amToken)
		for name, form := range map[string]url.Values{
			"missing":              {"response": {"accepted"}},
			"empty":                {"response": {"accepted"}, "form_token": {""}},
			"wrong":                {"response": {"accepted"}, "form_token": {strings.Repeat("A", 43)}},
			"another guest's":      {"response": {"accepted"}, "form_token": {amForm}},
			"the link's own token": {"response": {"accepted"}, "form_token": {v.azToken}},
		} {
			r := e.page("POST", "/rsvp/"+v.azToken, form)
			if r.Status != http.StatusForbidden || !bytes.Contains(r.Body, []byte("Ответ не принят")) {
				t.Errorf("%s form token: %d\n%s", name, r.Status, r.Body)
			}
		}
		// Nor can the answer ride on the query string of a link.
		r := e.page("POST", "/rsvp/"+v.azToken+"?form_token="+e.formToken(v.azToken)+"&response=accepted", url.Values{})
		if r.Status != http.StatusForbidden {
			t.Errorf("answer in the query string: %d", r.Status)
		}
		if az != rpState(t, e, v.azInv) || am != rpState(t, e, v.amInv) {
			t.Fatal("a refused answer changed an invitation")
		}
	})
}

// TestRSVPOnlyOwnInvitation: a guest's link reads and changes their own invitation only
// (security.md row 10).
func TestRSVPOnlyOwnInvitation(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		am := rpState(t, e, v.amInv)
		page := e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken, nil))
		rpLacks(t, page, "Davtyan", "davtyan@", v.amToken)
		ics := e.must(http.StatusOK, e.page("GET", "/rsvp/"+v.azToken+"/invite.ics", nil))
		rpLacks(t, ics, "davtyan@", "Davtyan")

		// A's answer with A's form token changes A alone; B's form token does nothing on A's link.
		e.must(http.StatusOK, e.page("POST", "/rsvp/"+v.azToken, url.Values{"form_token": {e.formToken(v.azToken)}, "response": {"declined"}}))
		e.must(http.StatusForbidden, e.page("POST", "/rsvp/"+v.azToken, url.Values{"form_token": {e.formToken(v.amToken)}, "response": {"accepted"}}))
		if am != rpState(t, e, v.amInv) {
			t.Fatal("guest A's link changed guest B's invitation")
		}
		if got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(v.azInv), nil)).JSON(t); got["response"] != "declined" {
			t.Fatalf("A's invitation = %v", got)
		}
	})
}

// TestRSVPNotFoundRevealsNothing: unknown, revoked and malformed links get the same page,
// byte for byte, naming nothing of the event (security.md row 1).
func TestRSVPNotFoundRevealsNothing(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		revoked := v.amToken
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", ivPath(v.amInv)+"/rotate-token", nil))
		flipped := []byte(v.azToken)
		flipped[20] ^= 1

		var first []byte
		for _, tt := range []struct{ method, path string }{
			{"GET", "/rsvp/" + strings.Repeat("A", 43)},
			{"GET", "/rsvp/" + revoked},
			{"GET", "/rsvp/" + string(flipped)},
			{"GET", "/rsvp/" + revoked + "/invite.ics"},
			{"POST", "/rsvp/" + revoked},
			{"GET", "/rsvp/short"},
			{"GET", "/rsvp/%3Cscript%3Ealert(1)%3C%2Fscript%3E"},
			{"GET", "/rsvp/" + strings.Repeat("!", 43)},
			{"GET", "/rsvp/"},
			{"GET", "/rsvp/" + v.azToken + "/other"},
		} {
			var form url.Values
			if tt.method == "POST" {
				form = url.Values{"response": {"accepted"}}
			}
			r := e.page(tt.method, tt.path, form)
			if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s %s: %d %s\n%s", tt.method, tt.path, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if first == nil {
				first = r.Body
				rpHas(t, r, "Link not valid")
				rpLacks(t, r, "Commemorative", "Davtyan", "Moscow", "revoked", "alert")
				continue
			}
			if !bytes.Equal(r.Body, first) {
				t.Fatalf("%s %s: the 404 page differs:\n%s\n---\n%s", tt.method, tt.path, r.Body, first)
			}
		}
		// The browser's language picks the words, never the link's.
		ru := e.must(http.StatusNotFound, e.page("GET", "/rsvp/"+revoked, nil, "Accept-Language", "ru-RU,ru"))
		rpHas(t, ru, "Ссылка недействительна")
		if !bytes.Equal(ru.Body, e.must(http.StatusNotFound, e.page("GET", "/rsvp/"+strings.Repeat("B", 43), nil, "Accept-Language", "ru-RU,ru")).Body) {
			t.Fatal("the Russian 404 pages differ")
		}
		// The API keeps its JSON errors.
		if r := e.call(domain.RoleViewer, "GET", "/api/v1/invitations/999999", nil); r.Status != http.StatusNotFound || r.ErrorField(t) != "" {
			t.Fatalf("API 404: %d %s", r.Status, r.Body)
		}
	})
}

func TestRSVPRateLimit(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		unknown := "/rsvp/" + strings.Repeat("A", 43)
		for i := range 100 {
			if r := e.page("GET", unknown, nil); r.Status != http.StatusNotFound {
				t.Fatalf("request %d: %d", i+1, r.Status)
			}
		}
		r := e.page("GET", unknown, nil)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("101st request: %d, Retry-After %q, %s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		rpHas(t, r, "Too many requests")
		// A forwarding header sent by the client does not make it someone else.
		e.must(http.StatusTooManyRequests, e.page("GET", unknown, nil, "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "203.0.113.8"))
		// Other routes are not limited by it.
		e.must(http.StatusOK, e.page("GET", "/healthz", nil))
	})
}

// TestRSVPXSS: names typed by officers and guests render as text (security.md row 6).
func TestRSVPXSS(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		const evil = `<img src=x onerror=alert(1)>`
		p := dgSetup(t, e)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/events/%d", p.event), map[string]any{"title": "Meeting " + evil}))
		person := e.create("/api/v1/people", map[string]any{"full_name": evil, "honorific": `"><script>alert(1)</script>`,
			"email": "xss@example.org", "language": "en", "organization_id": p.org})
		inv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/events/%d/invitations", p.event),
			map[string]any{"person_id": person})).JSON(t)
		token := ivToken(t, inv)

		page := e.must(http.StatusOK, e.page("GET", "/rsvp/"+token, nil))
		rpHas(t, page, "&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;")
		rpLacks(t, page, evil, "<script>alert")

		done := e.must(http.StatusOK, e.page("POST", "/rsvp/"+token, url.Values{"form_token": {e.formToken(token)}, "response": {"accepted"},
			"companion": {evil}, "note": {"</textarea>" + evil}}))
		rpHas(t, done, "&lt;img src=x onerror=alert(1)&gt;")
		rpLacks(t, done, evil)
		again := e.must(http.StatusOK, e.page("GET", "/rsvp/"+token, nil))
		rpHas(t, again, `value="&lt;img src=x onerror=alert(1)&gt;"`, "&lt;/textarea&gt;&lt;img")
		rpLacks(t, again, evil, "</textarea><img")
	})
}

// TestRSVPGetIsSafe: opening any variant of a link changes nothing (security.md row 3).
func TestRSVPGetIsSafe(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		form := e.formToken(v.azToken)
		before := rpState(t, e, v.azInv)
		rows := func() string {
			var feeds, audit int64
			e.st.Gorm().Table("feed_tokens").Count(&feeds)
			e.st.Gorm().Table("audit_entries").Count(&audit)
			return fmt.Sprintf("%d feed tokens, %d audit entries", feeds, audit)
		}
		rowsBefore := rows()
		for _, tt := range []struct{ method, path string }{
			{"GET", "/rsvp/" + v.azToken},
			{"GET", "/rsvp/" + v.azToken + "?response=accepted"},
			{"GET", "/rsvp/" + v.azToken + "?response=declined&form_token=" + form + "&companion=X"},
			{"HEAD", "/rsvp/" + v.azToken},
			{"HEAD", "/rsvp/" + v.azToken + "?response=accepted"},
			{"GET", "/rsvp/" + v.azToken + "/invite.ics"},
			{"GET", "/rsvp/" + v.azToken + "/invite.ics?response=accepted"},
			{"HEAD", "/rsvp/" + v.azToken + "/invite.ics"},
		} {
			r := e.page(tt.method, tt.path, nil)
			if r.Status != http.StatusOK || tt.method == "HEAD" && len(r.Body) != 0 {
				t.Fatalf("%s %s: %d, %d bytes", tt.method, tt.path, r.Status, len(r.Body))
			}
		}
		for _, method := range []string{"PUT", "PATCH", "DELETE"} {
			if r := e.page(method, "/rsvp/"+v.azToken+"?response=accepted", nil); r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
				t.Fatalf("%s: %d", method, r.Status)
			}
		}
		if after := rpState(t, e, v.azInv); after != before {
			t.Fatalf("reading the link changed the invitation:\n%s\n%s", before, after)
		}
		if after := rows(); after != rowsBefore {
			t.Fatalf("reading the link wrote rows: before %s, after %s", rowsBefore, after)
		}
	})
}

// TestRSVPInviteICS checks the downloaded invitation: one attendee with the guest's name
// in the invitation's language, and a DESCRIPTION in that language with the RSVP link
// and the personal feed link, which then serves the guest's programme.
func TestRSVPInviteICS(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		r := e.page("GET", "/rsvp/"+v.azToken+"/invite.ics", nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar; method=REQUEST") {
			t.Fatalf("invite.ics: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		cal, err := ical.NewDecoder(bytes.NewReader(r.Body)).Decode()
		if err != nil {
			t.Fatalf("decode invite.ics: %v\n%s", err, r.Body)
		}
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%d VEVENTs, want 1", len(events))
		}
		ev := events[0]
		if att := ev.Props.Values(ical.PropAttendee); len(att) != 1 || att[0].Params.Get(ical.ParamCommonName) != "Камран Алиев" {
			t.Fatalf("attendees = %+v", att)
		}
		desc, _ := ev.Props.Text(ical.PropDescription)
		if !strings.Contains(desc, "Ответить или изменить ответ: https://attache.test/rsvp/"+v.azToken) {
			t.Fatalf("DESCRIPTION lacks the RSVP link in Russian:\n%s", desc)
		}
		i := strings.Index(desc, "webcal://attache.test/feeds/")
		if i < 0 {
			t.Fatalf("DESCRIPTION lacks the personal feed link:\n%s", desc)
		}
		feed := "/feeds/" + strings.Fields(desc[i+len("webcal://attache.test/feeds/"):])[0]
		if fr := e.page("GET", feed, nil); fr.Status != http.StatusOK || !strings.Contains(string(fr.Body), "BEGIN:VEVENT") {
			t.Fatalf("personal feed %s: %d", feed, fr.Status)
		}
	})
}

// TestRSVPTokensNotLogged runs the delegate's flow through a server that logs to a buffer
// and finds no token in it (security.md row 14).
func TestRSVPTokensNotLogged(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := rpSetup(t, e)
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv := httptest.NewServer(attachehttp.New(e.svc, attachehttp.Options{Logger: logger}).Echo)
		defer srv.Close()

		page := rpRequest(t, srv.URL, "GET", "/rsvp/"+v.azToken, nil)
		form := rpFormToken.FindSubmatch(page.Body)
		if page.Status != http.StatusOK || form == nil {
			t.Fatalf("page: %d", page.Status)
		}
		done := rpRequest(t, srv.URL, "POST", "/rsvp/"+v.azToken, url.Values{"form_token": {string(form[1])}, "response": {"accepted"}})
		feed := regexp.MustCompile(`/feeds/([A-Za-z0-9_-]+)\.ics`).FindSubmatch(done.Body)
		rpRequest(t, srv.URL, "GET", "/rsvp/"+v.azToken+"/invite.ics", nil)
		rpRequest(t, srv.URL, "POST", "/rsvp/"+v.azToken, url.Values{"response": {"accepted"}})
		rpRequest(t, srv.URL, "GET", "/rsvp/"+v.amToken+"x", nil)
		secrets := []string{v.azToken, v.amToken, string(form[1])}
		if feed != nil {
			secrets = append(secrets, string(feed[1]))
		}
		if !strings.Contains(logs.String(), "/rsvp/:token") {
			t.Fatalf("no request was logged:\n%s", logs.String())
		}
		for _, s := range secrets {
			if strings.Contains(logs.String(), s) {
				t.Fatalf("the log holds a secret:\n%s", logs.String())
			}
		}
	})
}
