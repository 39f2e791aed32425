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

package controllers

import (
	"strings"
	"testing"
)

// TestRegionChainStopsAtTheFirstFailure: a chain reports the first failing check and runs
// none after it.
func TestRegionChainStopsAtTheFirstFailure(t *testing.T) {
	var ran []string
	check := func(name string, fail bool) regionCheck {
		return func(regionCheckInput) (string, string, bool) {
			ran = append(ran, name)
			return "Reason" + name, "message " + name, fail
		}
	}
	got := regionChain{check("A", false), check("B", true), check("C", true)}.evaluate(regionCheckInput{})
	if got.Reason != "ReasonB" || got.Message != "message B" || strings.Join(ran, "") != "AB" {
		t.Errorf("verdict %+v after running %v", got, ran)
	}
	if got := (regionChain{check("D", false)}).evaluate(regionCheckInput{}); !got.Usable() {
		t.Errorf("a passing chain says %+v", got)
	}
}
