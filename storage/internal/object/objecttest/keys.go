package objecttest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

// RunKeyStore runs the KeyStore conformance suite against a fresh store.
func RunKeyStore(t *testing.T, newKeyStore func(t *testing.T) object.KeyStore) {
	t.Helper()
	ks := newKeyStore(t)
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	k, err := ks.CreateKey(ctx, object.AccessKey{ID: "AK1", Secret: "secret-1", Grants: map[string]object.Access{"bkt": object.AccessRead}, Created: created})
	if err != nil || k.ID != "AK1" || k.Secret != "secret-1" || !k.Created.Equal(created) {
		t.Fatalf("CreateKey = %+v, %v", k, err)
	}
	// Idempotent create: same secret replaces grants, keeps Created.
	k, err = ks.CreateKey(ctx, object.AccessKey{ID: "AK1", Secret: "secret-1", Grants: map[string]object.Access{"other": object.AccessWrite}})
	if err != nil || !k.Created.Equal(created) || !reflect.DeepEqual(k.Grants, map[string]object.Access{"other": object.AccessWrite}) {
		t.Fatalf("idempotent CreateKey = %+v, %v", k, err)
	}
	_, err = ks.CreateKey(ctx, object.AccessKey{ID: "AK1", Secret: "different"})
	if !errors.Is(err, object.ErrKeyConflict) {
		t.Fatalf("CreateKey with another secret = %v", err)
	}
	for _, bad := range []object.AccessKey{
		{ID: "", Secret: "s"},
		{ID: "x", Secret: ""},
		{ID: "x", Secret: "s", Grants: map[string]object.Access{"bkt": "admin"}},
		{ID: "x", Secret: "s", Grants: map[string]object.Access{"BAD": object.AccessRead}},
	} {
		if _, err := ks.CreateKey(ctx, bad); !errors.Is(err, object.ErrInvalidArgument) {
			t.Fatalf("CreateKey(%+v) = %v", bad.Grants, err)
		}
	}
	before := time.Now().Add(-time.Minute)
	k2, err := ks.CreateKey(ctx, object.AccessKey{ID: "AK0", Secret: "s0"})
	if err != nil || k2.Created.Before(before) || k2.Grants != nil {
		t.Fatalf("CreateKey without Created = %+v, %v", k2, err)
	}
	got, err := ks.GetKey(ctx, "AK1")
	if err != nil || got.Secret != "secret-1" || !reflect.DeepEqual(got.Grants, map[string]object.Access{"other": object.AccessWrite}) {
		t.Fatalf("GetKey = %+v, %v", got, err)
	}
	if _, err := ks.GetKey(ctx, "nope"); !errors.Is(err, object.ErrKeyNotFound) {
		t.Fatalf("GetKey(missing) = %v", err)
	}
	grants := map[string]object.Access{"a-b": object.AccessReadWrite, "c-d": object.AccessRead}
	k, err = ks.SetGrants(ctx, "AK1", grants)
	if err != nil || !reflect.DeepEqual(k.Grants, grants) {
		t.Fatalf("SetGrants = %+v, %v", k, err)
	}
	if _, err := ks.SetGrants(ctx, "nope", grants); !errors.Is(err, object.ErrKeyNotFound) {
		t.Fatalf("SetGrants(missing) = %v", err)
	}
	if _, err := ks.SetGrants(ctx, "AK1", map[string]object.Access{"x-y": "bogus"}); !errors.Is(err, object.ErrInvalidArgument) {
		t.Fatalf("SetGrants(bad access) = %v", err)
	}
	list, err := ks.ListKeys(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "AK0" || list[1].ID != "AK1" {
		t.Fatalf("ListKeys = %+v, %v", list, err)
	}
	if err := ks.DeleteKey(ctx, "AK1"); err != nil {
		t.Fatal(err)
	}
	if err := ks.DeleteKey(ctx, "AK1"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	if _, err := ks.GetKey(ctx, "AK1"); !errors.Is(err, object.ErrKeyNotFound) {
		t.Fatalf("GetKey after delete = %v", err)
	}
}
