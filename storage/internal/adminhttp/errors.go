package adminhttp

import (
	"errors"
	"net/http"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/replica"
)

// apiError is an admin error response.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, adminapi.CodeInvalidArgument, msg}
}

// errorTable is the one translation of the admin API's edge: the sentinels
// of the engine's packages, where they are born, to admin API errors. The
// first match (errors.Is) wins.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{object.ErrBucketNotFound, http.StatusNotFound, adminapi.CodeNotFound},
	{object.ErrKeyNotFound, http.StatusNotFound, adminapi.CodeNotFound},
	{object.ErrBucketAlreadyExists, http.StatusConflict, adminapi.CodeBucketAlreadyExists},
	{object.ErrBucketNotEmpty, http.StatusConflict, adminapi.CodeBucketNotEmpty},
	{object.ErrKeyConflict, http.StatusConflict, adminapi.CodeKeyConflict},
	{object.ErrInvalidBucketName, http.StatusBadRequest, adminapi.CodeInvalidArgument},
	{object.ErrInvalidArgument, http.StatusBadRequest, adminapi.CodeInvalidArgument},
	{object.ErrInvalidTag, http.StatusBadRequest, adminapi.CodeInvalidArgument},
	{object.ErrUnavailable, http.StatusServiceUnavailable, adminapi.CodeUnavailable},
	{consensus.ErrBadMember, http.StatusBadRequest, adminapi.CodeInvalidArgument},
	{consensus.ErrNoQuorum, http.StatusServiceUnavailable, adminapi.CodeUnavailable},
	{consensus.ErrClosed, http.StatusServiceUnavailable, adminapi.CodeUnavailable},
	{replica.ErrUnavailable, http.StatusServiceUnavailable, adminapi.CodeUnavailable},
}

// toAPIError translates any error into the response to send.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			return &apiError{e.status, e.code, err.Error()}
		}
	}
	return &apiError{http.StatusInternalServerError, adminapi.CodeInternal, "internal error"}
}
