package awsauth

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// MaxPostFields bounds the bytes of the form fields before the file (names
// and values), as S3 does (MaxPostPreDataLengthExceededError past 20 KB).
const MaxPostFields = 20 << 10

// IsPostForm reports whether r is a POST Object upload: a POST whose body is
// multipart/form-data (the handler routes it to ReadPostForm and
// VerifyPostPolicy instead of Authenticate).
func IsPostForm(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// ReadPostForm reads a POST Object body up to its file: the fields before
// the part named "file" (any case) go into the returned form, bucket is the
// request's bucket, and the file part is returned unread, for
// PostRequest.Body once VerifyPostPolicy has accepted the form. Parts after
// the file are never read (S3 ignores them). A body that is not
// multipart/form-data, has no file part (or a file under another name),
// repeats a field or sends more than
// MaxPostFields bytes of fields is an *Error (MalformedPOSTRequest,
// InvalidArgument, MaxPostPreDataLengthExceededError).
func ReadPostForm(r *http.Request, bucket string) (PostForm, *multipart.Part, error) {
	malformed := newError(CodeMalformedPOSTRequest, http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data.")
	if !IsPostForm(r) || r.Body == nil {
		return PostForm{}, nil, malformed
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return PostForm{}, nil, malformed
	}
	form := PostForm{Bucket: bucket, Fields: map[string]string{}}
	seen := map[string]bool{}
	budget := int64(MaxPostFields)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return PostForm{}, nil, newError(CodeMalformedPOSTRequest, http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data: it has no file field.")
		}
		if err != nil {
			return PostForm{}, nil, malformed
		}
		name := part.FormName()
		if strings.EqualFold(name, fFile) {
			form.FileName = part.FileName()
			return form, part, nil
		}
		if part.FileName() != "" {
			// A file under another name (minio-go's functional suite
			// sends one named "") is refused, not read as a field.
			return PostForm{}, nil, newError(CodeMalformedPOSTRequest, http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data: the file must be the field named file.")
		}
		budget -= int64(len(name))
		value, err := io.ReadAll(io.LimitReader(part, budget+1))
		if err != nil {
			return PostForm{}, nil, malformed
		}
		budget -= int64(len(value))
		if budget < 0 {
			return PostForm{}, nil, newError(CodeMaxPostPreDataLengthExceeded, http.StatusBadRequest, "Your POST request fields preceding the upload file were too large.")
		}
		if name == "" {
			continue // a nameless part is no field
		}
		lower := strings.ToLower(name)
		if seen[lower] {
			return PostForm{}, nil, errInvalidArgument("the form field %q is repeated", clip(name))
		}
		seen[lower] = true
		form.Fields[name] = string(value)
	}
}
