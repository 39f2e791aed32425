package lincheck

import (
	"errors"
	"testing"

	"github.com/anishathalye/porcupine"
)

func TestBodyDecode(t *testing.T) {
	a, b := Body("c1.1", 100), Body("c2.7", 70<<10)
	tiny := Body("c3.3", 1) // shorter than its header: grows to fit
	whole := append(append(append([]byte{}, a...), b...), tiny...)
	if got, err := Decode(whole); err != nil || got != "c1.1;c2.7;c3.3;" {
		t.Fatalf("Decode(a+b+tiny) = %q, %v", got, err)
	}
	if got, err := Decode(nil); err != nil || got != "" {
		t.Fatalf("Decode(empty) = %q, %v", got, err)
	}
	corrupt := append([]byte{}, whole...)
	corrupt[len(a)+5000] ^= 1
	for name, body := range map[string][]byte{
		"truncated":     whole[:len(whole)-1],
		"cut mid-write": whole[:len(a)+len(b)/2],
		"corrupt":       corrupt,
		"no header":     []byte("hello"),
		"second half":   b[len(b)/2:],
	} {
		if _, err := Decode(body); !errors.Is(err, ErrPartial) {
			t.Errorf("%s: Decode error = %v, want ErrPartial", name, err)
		}
	}
}

func TestModel(t *testing.T) {
	op := func(client int, in Input, out Output, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret}
	}
	put := Input{Op: OpPut, Key: "k", Tag: "p", Size: 10}
	app := Input{Op: OpAppend, Key: "k", Tag: "a", Size: 5}
	get := Input{Op: OpGet, Key: "k"}
	tests := []struct {
		name string
		ops  []porcupine.Operation
		want bool
	}{
		{"put then read", []porcupine.Operation{
			op(0, put, Output{}, 0, 10),
			op(1, get, Output{Exists: true, Tags: "p;", Length: 10}, 20, 30),
		}, true},
		{"acknowledged put lost", []porcupine.Operation{
			op(0, put, Output{}, 0, 10),
			op(1, get, Output{}, 20, 30),
		}, false},
		{"unknown put may show later", []porcupine.Operation{
			op(0, put, Output{Unknown: true}, 0, never),
			op(1, get, Output{}, 20, 30),
			op(1, get, Output{Exists: true, Tags: "p;", Length: 10}, 40, 50),
		}, true},
		{"unknown put cannot vanish once seen", []porcupine.Operation{
			op(0, put, Output{Unknown: true}, 0, never),
			op(1, get, Output{Exists: true, Tags: "p;", Length: 10}, 20, 30),
			op(1, get, Output{}, 40, 50),
		}, false},
		{"appends at 0 then at the length", []porcupine.Operation{
			op(0, Input{Op: OpAppend, Key: "k", Tag: "a", Size: 5}, Output{}, 0, 10),
			op(0, Input{Op: OpAppend, Key: "k", Tag: "b", Pos: 5, Size: 3}, Output{}, 20, 30),
			op(1, get, Output{Exists: true, Tags: "a;b;", Length: 8}, 40, 50),
		}, true},
		{"two appenders at 0 cannot both win", []porcupine.Operation{
			op(0, app, Output{}, 0, 10),
			op(1, Input{Op: OpAppend, Key: "k", Tag: "b", Size: 5}, Output{}, 0, 10),
		}, false},
		{"append to a put object", []porcupine.Operation{
			op(0, put, Output{}, 0, 10),
			op(1, Input{Op: OpAppend, Key: "k", Tag: "b", Pos: 10, Size: 5}, Output{Code: CodeObjectNotAppendable}, 20, 30),
		}, true},
		{"wrong position reports the length", []porcupine.Operation{
			op(0, app, Output{}, 0, 10),
			op(1, Input{Op: OpAppend, Key: "k", Tag: "b", Pos: 0, Size: 5}, Output{Code: CodePositionNotEqualToLength, Length: 5}, 20, 30),
		}, true},
		{"delete then absent", []porcupine.Operation{
			op(0, put, Output{}, 0, 10),
			op(0, Input{Op: OpDelete, Key: "k"}, Output{}, 20, 30),
			op(1, get, Output{}, 40, 50),
		}, true},
		{"other keys are independent", []porcupine.Operation{
			op(0, put, Output{}, 0, 10),
			op(1, Input{Op: OpGet, Key: "other"}, Output{}, 20, 30),
		}, true},
	}
	for _, tt := range tests {
		if got := porcupine.CheckOperations(Model, tt.ops); got != tt.want {
			t.Errorf("%s: linearizable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
