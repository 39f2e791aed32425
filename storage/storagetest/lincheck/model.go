package lincheck

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
)

// Operation names of Input.Op.
const (
	OpGet    = "get"
	OpPut    = "put"
	OpDelete = "delete"
	OpAppend = "append"
)

// Error codes of a refused append, as OSS names them.
const (
	CodePositionNotEqualToLength = "PositionNotEqualToLength"
	CodeObjectNotAppendable      = "ObjectNotAppendable"
)

// Input is one request of the history.
type Input struct {
	Op  string // OpGet, OpPut, OpDelete or OpAppend
	Key string
	Tag string // put or append: the tag of the body sent (see Body)
	Pos int64  // append: the position sent
	// Size is the byte length of the body of a put or append.
	Size int64
}

// Output is what the client learnt.
type Output struct {
	Unknown bool   // a write whose outcome the client could not learn
	Exists  bool   // get: the object was found
	Tags    string // get: the tags of the writes the body holds, each followed by ';'
	Length  int64  // get: the body length; a PositionNotEqualToLength: the length it reports
	Code    string // append refusal: CodePositionNotEqualToLength or CodeObjectNotAppendable
}

// state is one object as the model sees it.
type state struct {
	Exists, Appendable bool
	Tags               string // tags of the writes it holds, each followed by ';'
	Length             int64
}

// appendOutcome is what an append of in does to s.
func appendOutcome(s state, in Input) (code string, length int64, next state) {
	switch {
	case !s.Exists && in.Pos == 0:
		return "", 0, state{Exists: true, Appendable: true, Tags: in.Tag + ";", Length: in.Size}
	case !s.Exists:
		return CodePositionNotEqualToLength, 0, s
	case !s.Appendable:
		return CodeObjectNotAppendable, 0, s
	case in.Pos != s.Length:
		return CodePositionNotEqualToLength, s.Length, s
	}
	return "", 0, state{Exists: true, Appendable: true, Tags: s.Tags + in.Tag + ";", Length: s.Length + in.Size}
}

// Model is the porcupine model of OSS objects, partitioned by key.
var Model = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var order []string
		for _, op := range history {
			k := op.Input.(Input).Key
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, k := range order {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return state{} },
	Step: func(st, input, output any) (bool, any) {
		s, in, out := st.(state), input.(Input), output.(Output)
		switch in.Op {
		case OpGet:
			if !out.Exists {
				return !s.Exists, s
			}
			return s.Exists && s.Tags == out.Tags && s.Length == out.Length, s
		case OpPut:
			return true, state{Exists: true, Tags: in.Tag + ";", Length: in.Size}
		case OpDelete:
			return true, state{}
		case OpAppend:
			code, length, next := appendOutcome(s, in)
			if out.Unknown {
				return true, next
			}
			return out.Code == code && (code != CodePositionNotEqualToLength || out.Length == length), next
		}
		return false, s
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(Input), output.(Output)
		res := "ok"
		switch {
		case out.Unknown:
			res = "unknown"
		case in.Op == OpGet && !out.Exists:
			res = "absent"
		case in.Op == OpGet:
			res = strconv.Quote(out.Tags)
		case out.Code != "":
			res = fmt.Sprintf("%s(%d)", out.Code, out.Length)
		}
		var args []string
		if in.Tag != "" {
			args = append(args, fmt.Sprintf("%s/%d", in.Tag, in.Size))
		}
		if in.Op == OpAppend {
			args = append(args, fmt.Sprintf("pos %d", in.Pos))
		}
		return fmt.Sprintf("%s(%s) -> %s", in.Op, strings.Join(append([]string{in.Key}, args...), ", "), res)
	},
	DescribeState: func(st any) string { return fmt.Sprintf("%+v", st.(state)) },
}
