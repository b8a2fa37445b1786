package mail

import (
	"strconv"
	"strings"
)

// MessageID is the deterministic Message-ID (without angle brackets) of one letter:
// "inv-42-invitation-0@attache.test", "inv-42-update-s7-3@attache.test" for session 7.
// The same invitation, kind, session and sequence always give the same id, so a send
// retried after a crash is recognisably the same message (and the file transport
// overwrites its own earlier copy). It holds database ids and nothing secret: no
// token, no name, no address. sessionID 0 means the letter is about the whole event;
// for reminders, sequence is the reminder's number. domain is the sender's domain.
func MessageID(invitationID int64, kind Kind, sessionID int64, sequence int, domain string) string {
	return messageID(invitationID, kind, sessionID, sequence, 0, domain)
}

// ResentMessageID is the Message-ID of a letter sent again on request, such as the
// current invitation sent in answer to an iTIP REFRESH: MessageID's with "-r<request>"
// before the domain ("inv-42-invitation-3-r17@attache.test"). request names what asked
// for it (the received message's id), so that every request gets a message of its own,
// which receivers do not fold into the first copy, while a retry of the same request
// repeats the same id. request must be positive.
func ResentMessageID(invitationID int64, kind Kind, sessionID int64, sequence int, request int64, domain string) string {
	return messageID(invitationID, kind, sessionID, sequence, request, domain)
}

func messageID(invitationID int64, kind Kind, sessionID int64, sequence int, request int64, domain string) string {
	var b strings.Builder
	b.WriteString("inv-")
	b.WriteString(strconv.FormatInt(invitationID, 10))
	b.WriteByte('-')
	b.WriteString(clean(string(kind), "_-"))
	if sessionID != 0 {
		b.WriteString("-s")
		b.WriteString(strconv.FormatInt(sessionID, 10))
	}
	b.WriteByte('-')
	b.WriteString(strconv.Itoa(sequence))
	if request > 0 {
		b.WriteString("-r")
		b.WriteString(strconv.FormatInt(request, 10))
	}
	b.WriteByte('@')
	d := strings.Trim(clean(strings.ToLower(domain), ".-"), ".")
	if d == "" {
		d = "attache.invalid"
	}
	b.WriteString(d)
	return b.String()
}

// clean keeps ASCII letters, digits and the extra characters given, and drops the
// rest, so that the id stays a dot-atom whatever it is given.
func clean(s, extra string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(extra, r):
			return r
		}
		return -1
	}, s)
}
