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

package main

import (
	"errors"
	"io"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

func TestParseFlags(t *testing.T) {
	tests := map[string]struct {
		// args is the command line.
		args []string
		// wantErr is true for a usage error.
		wantErr bool
		// check inspects the options.
		check func(t *testing.T, o options)
	}{
		"defaults": {
			check: func(t *testing.T, o options) {
				if !o.leaderElect || o.kossdImage != DefaultKossdImage || o.metricsAddr != ":8080" || o.probeAddr != ":8081" || o.watchNamespaces != nil {
					t.Errorf("options = %+v", o)
				}
			},
		},
		"a comma list of namespaces, blanks dropped": {
			args: []string{"--watch-namespaces", "team-a, team-b,,"},
			check: func(t *testing.T, o options) {
				if !slices.Equal(o.watchNamespaces, []string{"team-a", "team-b"}) {
					t.Errorf("watchNamespaces = %q", o.watchNamespaces)
				}
			},
		},
		"leader election off, another image and a log level": {
			args: []string{"--leader-elect=false", "--kossd-image", "registry.local/kossd:dev", "--zap-log-level", "debug"},
			check: func(t *testing.T, o options) {
				if o.leaderElect || o.kossdImage != "registry.local/kossd:dev" || o.zap.Level == nil {
					t.Errorf("options = %+v", o)
				}
			},
		},
		"an empty image is refused":  {args: []string{"--kossd-image", " "}, wantErr: true},
		"an unknown flag is refused": {args: []string{"--nope"}, wantErr: true},
		"arguments are refused":      {args: []string{"extra"}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, errUsage) {
				t.Errorf("err = %v, want a usage error", err)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}

func TestManagerOptions(t *testing.T) {
	scheme := runtime.NewScheme()
	tests := map[string]struct {
		// args is the command line.
		args []string
		// wantNamespaces are the cached namespaces (nil: all).
		wantNamespaces []string
	}{
		"every namespace":       {},
		"the listed namespaces": {args: []string{"--watch-namespaces=a,b"}, wantNamespaces: []string{"a", "b"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			mo := managerOptions(o, scheme)
			if !mo.LeaderElection || mo.LeaderElectionID != "koss-operator" || mo.Scheme != scheme {
				t.Errorf("leader election = %v %q", mo.LeaderElection, mo.LeaderElectionID)
			}
			var got []string
			for ns := range mo.Cache.DefaultNamespaces {
				got = append(got, ns)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.wantNamespaces) {
				t.Errorf("namespaces = %q, want %q", got, tc.wantNamespaces)
			}
			if len(mo.Cache.ByObject) == 0 {
				t.Errorf("the cache holds every Secret of the cluster")
			}
		})
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	if code := run([]string{"--nope"}, io.Discard); code != 2 {
		t.Errorf("exit status = %d, want 2", code)
	}
}
