package http

import (
	"bytes"
	"encoding/json"
)

// Optional is a PATCH field: Set tells "absent" from "present", Null tells an explicit
// null (clear the value) from a value.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records presence; encoding/json only calls it for present keys.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	// Decode the value as strictly as the body around it: an unknown field inside a
	// nested object (a delegation member, a localized name) is refused too.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&o.Value)
}

// apply copies a present, non-null value into dst.
func (o Optional[T]) apply(dst *T) {
	if o.Set && !o.Null {
		*dst = o.Value
	}
}

// applyPtr sets dst to the value, or to nil for an explicit null.
func (o Optional[T]) applyPtr(dst **T) {
	switch {
	case !o.Set:
	case o.Null:
		*dst = nil
	default:
		v := o.Value
		*dst = &v
	}
}
