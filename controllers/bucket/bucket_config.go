/*
Copyright 2026 The koss Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package bucket

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// Event reasons of the bucket's configuration.
const (
	// eventDriftCorrected is a Warning: the bucket's ACL, tags, CORS or lifecycle rules were changed
	// around the operator (through the OSS API) and were put back as spec declares them.
	eventDriftCorrected = "DriftCorrected"
	// eventConfigApplied is Normal: a change of spec.acl, spec.tags, spec.cors or spec.lifecycle was applied.
	eventConfigApplied = "ConfigApplied"
	// eventConfigRejected is a Warning: the Region refused spec.acl, spec.tags, spec.cors or spec.lifecycle.
	eventConfigRejected = "ConfigRejected"
)

// bucketConfig is a bucket's ACL, tags, CORS and lifecycle configuration as the Region reported them.
type bucketConfig struct {
	acl  string
	tags map[string]string
	cors *adminapi.CORS
	// lifecycle is the bucket's lifecycle rules (nil for none).
	lifecycle *adminapi.Lifecycle
}

// reconcileConfig keeps the bucket's ACL, tags, CORS and lifecycle rules as spec declares them: a set field is
// applied when the bucket differs, an unset one is left alone. got is the bucket as the
// Region just reported it. It records in s.observed what the bucket has afterwards (config)
// and what the Region refused (configRejected: no error, since sending the same value again
// cannot succeed; the refresh brings the next try). Any other failure is returned, and the
// status keeps the configuration it showed, so that the next pass still tells a drift from a
// change of spec.
//
// A difference is a drift when the last status showed spec's value in place: the operator had
// applied it, so someone else changed the bucket since. Otherwise spec changed (or the value
// was never applied), which is no one's mistake and gets a Normal event.
func (r *Reconciler) reconcileConfig(ctx context.Context, s *bucketScope, got adminapi.Bucket) error {
	log := ctrl.LoggerFrom(ctx)
	b := s.bucket
	name := b.BucketName()
	var rejected []string

	if want := string(b.Spec.ACL); want != "" && want != got.ACL {
		drift := string(s.before.Status.ACL) == want
		log.Info("Setting bucket ACL", "bucket", name, "acl", want, "was", got.ACL, "drift", drift)
		updated, err := s.admin.SetBucketACL(ctx, name, want)
		switch {
		case adminclient.IsInvalidArgument(err):
			rejected = append(rejected, fmt.Sprintf("spec.acl %s: %s", want, controllers.EngineErrorMessage(err)))
		case err != nil:
			s.observed.engineErr = err
			return fmt.Errorf("set the ACL of bucket %s: %w", name, err)
		case drift:
			r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, eventDriftCorrected, "SetBucketACL",
				"The ACL of bucket %s was changed around the operator from %s to %s; put back spec.acl %s", name, want, got.ACL, want)
			got = updated
		default:
			r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, eventConfigApplied, "SetBucketACL",
				"Set the ACL of bucket %s to %s (was %s)", name, want, got.ACL)
			got = updated
		}
	}

	if want := b.Spec.Tags; want != nil && !maps.Equal(want, got.Tags) {
		drift := maps.Equal(s.before.Status.Tags, want)
		log.Info("Setting bucket tags", "bucket", name, "tags", len(want), "was", len(got.Tags), "drift", drift)
		updated, err := s.admin.SetBucketTags(ctx, name, want)
		switch {
		case adminclient.IsInvalidArgument(err):
			rejected = append(rejected, "spec.tags: "+controllers.EngineErrorMessage(err))
		case err != nil:
			s.observed.engineErr = err
			return fmt.Errorf("set the tags of bucket %s: %w", name, err)
		case drift:
			r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, eventDriftCorrected, "SetBucketTags",
				"The tags of bucket %s were changed around the operator from %s to %s; put back spec.tags", name, formatTags(want), formatTags(got.Tags))
			got = updated
		default:
			r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, eventConfigApplied, "SetBucketTags",
				"Set the tags of bucket %s to %s (were %s)", name, formatTags(want), formatTags(got.Tags))
			got = updated
		}
	}

	if want, declared := declaredCORS(b.Spec); declared && !sameCORS(want, got.CORS) {
		drift := sameCORS(statusCORS(s.before.Status), want)
		log.Info("Setting bucket CORS", "bucket", name, "rules", corsRuleCount(want), "was", corsRuleCount(got.CORS), "drift", drift)
		updated, err := s.admin.SetBucketCORS(ctx, name, want)
		differ := fmt.Sprintf("cors rules differ (%d declared, %d found)", corsRuleCount(want), corsRuleCount(got.CORS))
		switch {
		case adminclient.IsInvalidArgument(err):
			rejected = append(rejected, "spec.cors: "+controllers.EngineErrorMessage(err))
		case err != nil:
			s.observed.engineErr = err
			return fmt.Errorf("set the CORS rules of bucket %s: %w", name, err)
		case drift:
			r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, eventDriftCorrected, "SetBucketCORS",
				"The CORS rules of bucket %s were changed around the operator: %s; put back spec.cors", name, differ)
			got = updated
		default:
			r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, eventConfigApplied, "SetBucketCORS",
				"Set the CORS rules of bucket %s from spec.cors: %s", name, differ)
			got = updated
		}
	}

	if want, declared, err := declaredLifecycle(b.Spec); err != nil {
		rejected = append(rejected, "spec.lifecycle: "+err.Error())
	} else if declared && !sameLifecycle(want, got.Lifecycle) {
		was, _ := toAdminLifecycle(s.before.Status.Lifecycle)
		drift := sameLifecycle(was, want)
		log.Info("Setting bucket lifecycle", "bucket", name, "rules", lifecycleRuleCount(want), "was", lifecycleRuleCount(got.Lifecycle), "drift", drift)
		updated, err := s.admin.SetBucketLifecycle(ctx, name, want)
		differ := fmt.Sprintf("lifecycle rules differ (%d declared, %d found)", lifecycleRuleCount(want), lifecycleRuleCount(got.Lifecycle))
		switch {
		case adminclient.IsInvalidArgument(err):
			rejected = append(rejected, "spec.lifecycle: "+controllers.EngineErrorMessage(err))
		case err != nil:
			s.observed.engineErr = err
			return fmt.Errorf("set the lifecycle rules of bucket %s: %w", name, err)
		case drift:
			r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, eventDriftCorrected, "SetBucketLifecycle",
				"The lifecycle rules of bucket %s were changed around the operator: %s; put back spec.lifecycle", name, differ)
			got = updated
		default:
			r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, eventConfigApplied, "SetBucketLifecycle",
				"Set the lifecycle rules of bucket %s from spec.lifecycle: %s", name, differ)
			got = updated
		}
	}

	s.observed.bucket = &got
	s.observed.config = &bucketConfig{acl: got.ACL, tags: got.Tags, cors: got.CORS, lifecycle: got.Lifecycle}
	s.observed.configRejected = rejected
	if len(rejected) > 0 && !rejectionShown(s.before, rejected) {
		// Once per refusal, not once per retry: the condition keeps saying it.
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, eventConfigRejected, "SetBucketConfig",
			"The Region refused %s", strings.Join(rejected, "; "))
	}
	return nil
}

// declaredCORS is the CORS configuration spec declares, and whether it declares one (an unset
// spec.cors leaves the bucket's rules alone; an empty one is a configuration without rules,
// which removes them).
func declaredCORS(spec kossv1alpha1.BucketSpec) (*adminapi.CORS, bool) {
	if spec.CORS == nil {
		return nil, false
	}
	return toAdminCORS(spec.CORS, spec.CORSResponseVary), true
}

// statusCORS is the CORS configuration the status shows.
func statusCORS(st kossv1alpha1.BucketStatus) *adminapi.CORS {
	return toAdminCORS(st.CORS, st.CORSResponseVary)
}

// toAdminCORS is the admin API's form of a list of rules: nil for none.
func toAdminCORS(rules []kossv1alpha1.BucketCORSRule, vary bool) *adminapi.CORS {
	if len(rules) == 0 {
		return nil
	}
	out := &adminapi.CORS{ResponseVary: vary, Rules: make([]adminapi.CORSRule, len(rules))}
	for i, r := range rules {
		out.Rules[i] = adminapi.CORSRule{
			AllowedOrigins: fromNamed(r.AllowedOrigins),
			AllowedMethods: fromNamed(r.AllowedMethods),
			AllowedHeaders: fromNamed(r.AllowedHeaders),
			ExposeHeaders:  fromNamed(r.ExposeHeaders),
		}
		if r.MaxAgeSeconds != nil {
			v := *r.MaxAgeSeconds
			out.Rules[i].MaxAgeSeconds = &v
		}
	}
	return out
}

// fromCORS is the status's form of the CORS configuration the Region reported: nil rules for
// none, and nil for every empty list, as the API server reads them back (no status churn).
func fromCORS(c *adminapi.CORS) ([]kossv1alpha1.BucketCORSRule, bool) {
	if c == nil || len(c.Rules) == 0 {
		return nil, false
	}
	out := make([]kossv1alpha1.BucketCORSRule, len(c.Rules))
	for i, r := range c.Rules {
		out[i] = kossv1alpha1.BucketCORSRule{
			AllowedOrigins: toNamed[kossv1alpha1.CORSPattern](r.AllowedOrigins),
			AllowedMethods: toNamed[kossv1alpha1.CORSMethod](r.AllowedMethods),
			AllowedHeaders: toNamed[kossv1alpha1.CORSPattern](r.AllowedHeaders),
			ExposeHeaders:  toNamed[kossv1alpha1.CORSHeader](r.ExposeHeaders),
		}
		if r.MaxAgeSeconds != nil {
			v := *r.MaxAgeSeconds
			out[i].MaxAgeSeconds = &v
		}
	}
	return out, c.ResponseVary
}

// fromNamed copies a list of named strings into plain ones (nil for none).
func fromNamed[T ~string](v []T) []string {
	if len(v) == 0 {
		return nil
	}
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// toNamed copies plain strings into a list of named ones (nil for none).
func toNamed[T ~string](v []string) []T {
	if len(v) == 0 {
		return nil
	}
	out := make([]T, len(v))
	for i, s := range v {
		out[i] = T(s)
	}
	return out
}

// sameCORS reports whether two CORS configurations are the same: the same rules in the same
// order, list by list, and the same ResponseVary. No rules is no configuration, and an empty
// list is an absent one.
func sameCORS(a, b *adminapi.CORS) bool {
	if corsRuleCount(a) == 0 || corsRuleCount(b) == 0 {
		return corsRuleCount(a) == corsRuleCount(b)
	}
	return a.ResponseVary == b.ResponseVary && slices.EqualFunc(a.Rules, b.Rules, func(x, y adminapi.CORSRule) bool {
		return slices.Equal(x.AllowedOrigins, y.AllowedOrigins) && slices.Equal(x.AllowedMethods, y.AllowedMethods) &&
			slices.Equal(x.AllowedHeaders, y.AllowedHeaders) && slices.Equal(x.ExposeHeaders, y.ExposeHeaders) &&
			(x.MaxAgeSeconds == nil) == (y.MaxAgeSeconds == nil) && (x.MaxAgeSeconds == nil || *x.MaxAgeSeconds == *y.MaxAgeSeconds)
	})
}

// corsRuleCount is the number of rules of c (0 for nil).
func corsRuleCount(c *adminapi.CORS) int {
	if c == nil {
		return 0
	}
	return len(c.Rules)
}

// lifecycleDateLayout is how a LifecycleDate reads: a day, standing for its midnight UTC.
const lifecycleDateLayout = time.DateOnly

// declaredLifecycle is the lifecycle configuration spec declares, and whether it declares one
// (an unset spec.lifecycle leaves the bucket's rules alone; an empty one removes them). The
// error is a date admission let through that does not parse (it checks the format).
func declaredLifecycle(spec kossv1alpha1.BucketSpec) (*adminapi.Lifecycle, bool, error) {
	if spec.Lifecycle == nil {
		return nil, false, nil
	}
	lc, err := toAdminLifecycle(spec.Lifecycle)
	return lc, true, err
}

// toAdminLifecycle is the admin API's form of a list of lifecycle rules: nil for none, an unset
// status Enabled.
func toAdminLifecycle(rules []kossv1alpha1.BucketLifecycleRule) (*adminapi.Lifecycle, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	out := &adminapi.Lifecycle{Rules: make([]adminapi.LifecycleRule, len(rules))}
	for i, r := range rules {
		rule := adminapi.LifecycleRule{ID: r.ID, Prefix: r.Prefix, Enabled: r.Status != kossv1alpha1.BucketLifecycleRuleDisabled}
		if len(r.Tags) > 0 {
			rule.Tags = make(map[string]string, len(r.Tags))
			for k, v := range r.Tags {
				rule.Tags[k] = string(v)
			}
		}
		var err error
		if e := r.Expiration; e != nil {
			rule.Expiration = &adminapi.LifecycleAction{}
			if e.Days != nil {
				rule.Expiration.Days = int64(*e.Days)
			}
			if rule.Expiration.Date, err = parseLifecycleDate(e.Date); err != nil {
				return nil, fmt.Errorf("rule %s: expiration date: %w", r.ID, err)
			}
			if rule.Expiration.CreatedBeforeDate, err = parseLifecycleDate(e.CreatedBeforeDate); err != nil {
				return nil, fmt.Errorf("rule %s: expiration createdBeforeDate: %w", r.ID, err)
			}
		}
		if a := r.AbortIncompleteUpload; a != nil {
			rule.AbortUpload = &adminapi.LifecycleAction{}
			if a.Days != nil {
				rule.AbortUpload.Days = int64(*a.Days)
			}
			if rule.AbortUpload.CreatedBeforeDate, err = parseLifecycleDate(a.CreatedBeforeDate); err != nil {
				return nil, fmt.Errorf("rule %s: abortIncompleteUpload createdBeforeDate: %w", r.ID, err)
			}
		}
		out.Rules[i] = rule
	}
	return out, nil
}

// parseLifecycleDate reads a day as its midnight UTC (nil for nil).
func parseLifecycleDate(d *kossv1alpha1.LifecycleDate) (*time.Time, error) {
	if d == nil {
		return nil, nil
	}
	t, err := time.ParseInLocation(lifecycleDateLayout, string(*d), time.UTC)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// fromLifecycle is the status's form of the lifecycle rules the Region reported: nil for none,
// status always set, nil for empty tags, as the API server reads them back (no status churn).
func fromLifecycle(l *adminapi.Lifecycle) []kossv1alpha1.BucketLifecycleRule {
	if l == nil || len(l.Rules) == 0 {
		return nil
	}
	out := make([]kossv1alpha1.BucketLifecycleRule, len(l.Rules))
	for i, r := range l.Rules {
		rule := kossv1alpha1.BucketLifecycleRule{ID: r.ID, Prefix: r.Prefix, Status: kossv1alpha1.BucketLifecycleRuleDisabled}
		if r.Enabled {
			rule.Status = kossv1alpha1.BucketLifecycleRuleEnabled
		}
		if len(r.Tags) > 0 {
			rule.Tags = make(map[string]kossv1alpha1.LifecycleTagValue, len(r.Tags))
			for k, v := range r.Tags {
				rule.Tags[k] = kossv1alpha1.LifecycleTagValue(v)
			}
		}
		if e := r.Expiration; e != nil {
			rule.Expiration = &kossv1alpha1.BucketLifecycleExpiration{
				Days: lifecycleDays(e.Days), Date: formatLifecycleDate(e.Date), CreatedBeforeDate: formatLifecycleDate(e.CreatedBeforeDate),
			}
		}
		if a := r.AbortUpload; a != nil {
			rule.AbortIncompleteUpload = &kossv1alpha1.BucketLifecycleAbort{
				Days: lifecycleDays(a.Days), CreatedBeforeDate: formatLifecycleDate(a.CreatedBeforeDate),
			}
		}
		out[i] = rule
	}
	return out
}

// lifecycleDays is the status's form of an action's days: nil for none.
func lifecycleDays(days int64) *int32 {
	if days == 0 {
		return nil
	}
	v := int32(min(days, 1<<31-1))
	return &v
}

// formatLifecycleDate writes an instant as its day in UTC (nil for nil).
func formatLifecycleDate(t *time.Time) *kossv1alpha1.LifecycleDate {
	if t == nil {
		return nil
	}
	d := kossv1alpha1.LifecycleDate(t.UTC().Format(lifecycleDateLayout))
	return &d
}

// sameLifecycle reports whether two lifecycle configurations are the same: the same rules in
// the same order, field by field (ids included: spec requires them, so a declared rule
// matches the engine's exactly). No rules is no configuration.
func sameLifecycle(a, b *adminapi.Lifecycle) bool {
	if lifecycleRuleCount(a) == 0 || lifecycleRuleCount(b) == 0 {
		return lifecycleRuleCount(a) == lifecycleRuleCount(b)
	}
	return slices.EqualFunc(a.Rules, b.Rules, func(x, y adminapi.LifecycleRule) bool {
		return x.ID == y.ID && x.Prefix == y.Prefix && x.Enabled == y.Enabled && maps.Equal(x.Tags, y.Tags) &&
			sameLifecycleAction(x.Expiration, y.Expiration) && sameLifecycleAction(x.AbortUpload, y.AbortUpload)
	})
}

// sameLifecycleAction reports whether two actions apply at the same time (nil: never).
func sameLifecycleAction(a, b *adminapi.LifecycleAction) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	sameTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Days == b.Days && sameTime(a.Date, b.Date) && sameTime(a.CreatedBeforeDate, b.CreatedBeforeDate)
}

// lifecycleRuleCount is the number of rules of l (0 for nil).
func lifecycleRuleCount(l *adminapi.Lifecycle) int {
	if l == nil {
		return 0
	}
	return len(l.Rules)
}

// rejectionShown reports whether the Bucket's Ready condition already reports these
// refusals.
func rejectionShown(b *kossv1alpha1.Bucket, rejected []string) bool {
	for _, c := range b.Status.Conditions {
		if c.Type == kossv1alpha1.BucketReadyCondition {
			return c.Reason == kossv1alpha1.BucketConfigRejectedReason && c.Message == configRejectedMessage(b.BucketName(), rejected)
		}
	}
	return false
}

// configRejectedMessage is the Ready condition's message for refused configuration.
func configRejectedMessage(name string, rejected []string) string {
	return fmt.Sprintf("The Region refused %s; bucket %s keeps its previous setting, retrying at the refresh interval",
		strings.Join(rejected, "; "), name)
}

// maxTagsInMessage bounds the part of an event message a tag set takes (an event's note is
// at most 1 kB; twenty long tags are more).
const maxTagsInMessage = 300

// formatTags writes tags as "{k=v, k2=v2}" in key order, "{}" when none, cut short past
// maxTagsInMessage.
func formatTags(tags map[string]string) string {
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	out := "{" + strings.Join(parts, ", ") + "}"
	if len(out) > maxTagsInMessage {
		cut := maxTagsInMessage
		for cut > 0 && !isRuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "...}"
	}
	return out
}

// isRuneStart reports whether c begins a UTF-8 sequence (cutting before it keeps the string
// valid).
func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }
