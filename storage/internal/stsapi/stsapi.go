package stsapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/session"
	"github.com/koss-io/koss/storage/internal/workloadid"
)

// APISTS names this dialect in access logs and metrics.
const APISTS = "sts"

// Version is the STS API version this dialect speaks.
const Version = "2015-04-01"

// Limits of the call, as Alibaba STS has them.
const (
	maxSkew      = 15 * time.Minute
	maxPolicyLen = 2048
	maxFormBody  = 64 << 10
	timeLayout   = "2006-01-02T15:04:05Z"
)

var sessionName = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)

// Config configures a Handler.
type Config struct {
	// Lookup finds the caller's key (auth.Keyring on a node).
	Lookup auth.KeyLookup
	// Sessions issues the credentials.
	Sessions *session.Sessions
	// RootAccessKeyID is refused as a caller.
	RootAccessKeyID string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger records issued credentials (never their secrets); nil
	// discards.
	Logger *slog.Logger
	// Trust decides AssumeRoleWithOIDC (workload identity); nil refuses
	// every such call with EntityNotExist.OIDCProvider.
	Trust *workloadid.Trust
}

// Handler serves the STS dialect.
type Handler struct {
	lookup   auth.KeyLookup
	sessions *session.Sessions
	root     string
	now      func() time.Time
	log      *slog.Logger
	nonces   nonceCache
	trust    *workloadid.Trust
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Lookup == nil || cfg.Sessions == nil || cfg.RootAccessKeyID == "" {
		return nil, errors.New("stsapi: Lookup, Sessions and RootAccessKeyID are required")
	}
	h := &Handler{lookup: cfg.Lookup, sessions: cfg.Sessions, root: cfg.RootAccessKeyID, now: cfg.Now, log: cfg.Logger, trust: cfg.Trust}
	if h.trust == nil {
		h.trust = workloadid.NewTrust("")
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// IsSTSRequest reports whether r belongs to this dialect: path "/" with an
// Action in the query (OSS requests never carry one).
func IsSTSRequest(r *http.Request) bool {
	return r.URL.Path == "/" && r.URL.Query().Get("Action") != ""
}

// stsError is an STS error answer.
type stsError struct {
	status        int
	code, message string
}

func (e *stsError) Error() string { return "stsapi: " + e.code + ": " + e.message }

func fail(status int, code, format string, args ...any) *stsError {
	return &stsError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httpapi.RecordOf(r)
	requestID := rec.ID
	params, err := h.params(r)
	var out any
	if err == nil {
		rec.Operation = params.Get("Action")
		out, err = h.dispatch(r.Context(), r.Method, params, requestID)
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		var se *stsError
		if !errors.As(err, &se) {
			h.log.Error("STS request failed", "error", err)
			se = fail(http.StatusInternalServerError, "InternalError", "The request processing has failed due to some unknown error.")
		}
		rec.Code = se.code
		if se.status >= 500 {
			rec.Err = err
		}
		w.WriteHeader(se.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"RequestId": requestID, "Code": se.code, "Message": se.message})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// params merges the query and, for POST, the form body: the RPC style
// signs their union.
func (h *Handler) params(r *http.Request) (url.Values, error) {
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "InvalidParameter", "The query string is malformed.")
	}
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		if err != nil {
			return nil, err
		}
		if len(body) > maxFormBody {
			return nil, fail(http.StatusBadRequest, "InvalidParameter", "The request body is too large.")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fail(http.StatusBadRequest, "InvalidParameter", "The form body is malformed.")
		}
		for k, vs := range form {
			if params.Has(k) {
				return nil, fail(http.StatusBadRequest, "InvalidParameter", "The parameter %s is given twice.", k)
			}
			params[k] = vs
		}
	}
	for k, vs := range params {
		if len(vs) > 1 {
			return nil, fail(http.StatusBadRequest, "InvalidParameter", "The parameter %s is given twice.", k)
		}
	}
	return params, nil
}

func (h *Handler) dispatch(ctx context.Context, method string, p url.Values, requestID string) (any, error) {
	if v := p.Get("Version"); v != Version {
		return nil, fail(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
	}
	switch a := p.Get("Action"); a {
	case "AssumeRole":
		return h.assumeRole(ctx, method, p, requestID)
	case "AssumeRoleWithOIDC":
		return h.assumeRoleWithOIDC(ctx, p, requestID)
	default:
		return nil, fail(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
	}
}

// assumeRoleResponse is STS's answer to AssumeRole.
type assumeRoleResponse struct {
	RequestID       string          `json:"RequestId"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     credentials     `json:"Credentials"`
}

type assumedRoleUser struct {
	Arn           string `json:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId"`
}

type credentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

func (h *Handler) assumeRole(ctx context.Context, method string, p url.Values, requestID string) (any, error) {
	caller, err := h.authenticate(ctx, method, p)
	if err != nil {
		return nil, err
	}
	roleArn := p.Get("RoleArn")
	if !strings.HasPrefix(roleArn, "acs:ram::") || !strings.Contains(roleArn, ":role/") {
		return nil, fail(http.StatusBadRequest, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.")
	}
	name := p.Get("RoleSessionName")
	if !sessionName.MatchString(name) {
		return nil, fail(http.StatusBadRequest, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
	}
	duration, err := durationParam(p)
	if err != nil {
		return nil, err
	}
	out, err := h.issue(session.Request{ParentID: caller.Principal.AccessKeyID, ParentSecret: caller.Secret, Duration: duration, Name: name},
		p.Get("Policy"), roleArn, h.now())
	if err != nil {
		return nil, err
	}
	h.log.Info("Issued temporary credentials through AssumeRole", "accessKeyId", out.sess.AccessKeyID, "parent", out.sess.Parent, "session", name, "expiration", out.sess.Expiration())
	return assumeRoleResponse{RequestID: requestID, AssumedRoleUser: out.user, Credentials: out.creds}, nil
}

// durationParam is the call's DurationSeconds: 15 minutes to 12 hours,
// an hour when absent.
func durationParam(p url.Values) (time.Duration, error) {
	s := p.Get("DurationSeconds")
	if s == "" {
		return session.DefaultDuration, nil
	}
	n, err := strconv.Atoi(s)
	if d := time.Duration(n) * time.Second; err != nil || d < session.MinDuration || d > session.MaxDuration {
		return 0, fail(http.StatusBadRequest, "InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/12hr.")
	}
	return time.Duration(n) * time.Second, nil
}

// issued is a new session and the parts of the answer that name it.
type issued struct {
	sess  session.Session
	user  assumedRoleUser
	creds credentials
}

// issue makes the session req asks for, narrowed by the call's policy
// (when there is one), as roleArn's: what AssumeRole and
// AssumeRoleWithOIDC share once they know the parent key.
func (h *Handler) issue(req session.Request, policy, roleArn string, now time.Time) (issued, error) {
	if policy != "" {
		var err error
		if req.Grants, err = parsePolicy(policy); err != nil {
			return issued{}, err
		}
	}
	sess, token, err := h.sessions.Issue(req, now)
	if errors.Is(err, session.ErrInvalidRequest) {
		return issued{}, fail(http.StatusBadRequest, "InvalidParameter", "%s", strings.TrimPrefix(err.Error(), session.ErrInvalidRequest.Error()+": "))
	}
	if err != nil {
		return issued{}, err
	}
	return issued{
		sess: sess,
		user: assumedRoleUser{Arn: roleArn + "/" + req.Name, AssumedRoleID: sess.Parent + ":" + req.Name},
		creds: credentials{
			AccessKeyID: sess.AccessKeyID, AccessKeySecret: sess.Secret, SecurityToken: token,
			Expiration: sess.Expiration().Format(timeLayout),
		},
	}, nil
}

// authenticate checks the RPC signature and the replay rules and returns
// the caller's key.
func (h *Handler) authenticate(ctx context.Context, method string, p url.Values) (auth.Key, error) {
	if p.Get("SignatureMethod") != "HMAC-SHA1" || p.Get("SignatureVersion") != "1.0" {
		return auth.Key{}, fail(http.StatusBadRequest, "InvalidParameter", "Only SignatureMethod HMAC-SHA1 with SignatureVersion 1.0 is supported.")
	}
	id, sig, nonce := p.Get("AccessKeyId"), p.Get("Signature"), p.Get("SignatureNonce")
	if id == "" || sig == "" || nonce == "" {
		return auth.Key{}, fail(http.StatusBadRequest, "MissingParameter", "AccessKeyId, Signature and SignatureNonce are required.")
	}
	if p.Get("SecurityToken") != "" || strings.HasPrefix(id, session.IDPrefix) {
		return auth.Key{}, fail(http.StatusForbidden, "NoPermission", "Temporary credentials cannot assume a role here.")
	}
	ts, err := time.Parse(timeLayout, p.Get("Timestamp"))
	if err != nil {
		return auth.Key{}, fail(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	now := h.now()
	if d := now.Sub(ts); d > maxSkew || d < -maxSkew {
		return auth.Key{}, fail(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	if id == h.root {
		return auth.Key{}, fail(http.StatusForbidden, "NoPermission", "The root key cannot assume a role; use an AccessKey.")
	}
	key, err := h.lookup.LookupKey(ctx, id)
	if errors.Is(err, auth.ErrInvalidAccessKeyID) {
		return auth.Key{}, fail(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	if err != nil {
		return auth.Key{}, err
	}
	want := signRPC(method, p, key.Secret)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return auth.Key{}, fail(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
	}
	// Only a correctly signed nonce is remembered, so that nobody can
	// burn another caller's nonces.
	if !h.nonces.remember(id+"\x00"+nonce, now) {
		return auth.Key{}, fail(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	key.Principal.AccessKeyID = id
	return key, nil
}

// signRPC is the RPC-style signature of the parameters (without
// Signature): HMAC-SHA1 with secret+"&" over
// METHOD&%2F&percentEncode(sorted k=v pairs joined by &), where
// percentEncode writes space as %20, * as %2A and keeps ~.
func signRPC(method string, p url.Values, secret string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = percentEncode(k) + "=" + percentEncode(p.Get(k))
	}
	toSign := method + "&%2F&" + percentEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func percentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

// nonceCache remembers signature nonces for twice the tolerated skew: a
// request older than that is refused by its timestamp anyway.
type nonceCache struct {
	mu    sync.Mutex
	seen  map[string]time.Time
	swept time.Time
}

func (c *nonceCache) remember(n string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]time.Time{}
	}
	if now.Sub(c.swept) > time.Minute {
		for k, t := range c.seen {
			if now.Sub(t) > 2*maxSkew {
				delete(c.seen, k)
			}
		}
		c.swept = now
	}
	if _, ok := c.seen[n]; ok {
		return false
	}
	c.seen[n] = now
	return true
}
