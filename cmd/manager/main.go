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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/accesskey"
	"github.com/koss-io/koss/controllers/bucket"
	"github.com/koss-io/koss/controllers/region"
)

// Defaults of the flags.
const (
	// DefaultKossdImage is the kossd image of Regions that do not set spec.image.
	DefaultKossdImage = "ghcr.io/koss-io/kossd:v0.1.0"
	// LeaderElectionID names the Lease the operator's replicas compete for.
	LeaderElectionID = "koss-operator"
)

// Retry back-off of every controller: failures (an unreachable Region, a bucket that is
// not empty yet) are retried after min, doubling up to max.
const (
	retryMinDelay = 500 * time.Millisecond
	retryMaxDelay = 2 * time.Minute
)

// errUsage marks a command-line error (exit status 2).
var errUsage = errors.New("usage")

// options are the parsed flags.
type options struct {
	metricsAddr             string
	probeAddr               string
	leaderElect             bool
	leaderElectionNamespace string
	kossdImage              string
	watchNamespaces         []string
	zap                     zap.Options
}

// parseFlags parses the command line.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{zap: zap.Options{}}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint (/metrics); 0 disables it")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of the health probes (/healthz, /readyz)")
	fs.BoolVar(&o.leaderElect, "leader-elect", true, "elect a leader among the manager's replicas (Lease "+LeaderElectionID+"), so only one reconciles")
	fs.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader election Lease; empty means the manager's own namespace (required outside a cluster)")
	fs.StringVar(&o.kossdImage, "kossd-image", DefaultKossdImage, "kossd image of Regions that do not set spec.image")
	var watch string
	fs.StringVar(&watch, "watch-namespaces", "", "comma-separated namespaces to reconcile; empty means all")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if strings.TrimSpace(o.kossdImage) == "" {
		return o, fmt.Errorf("%w: --kossd-image must not be empty", errUsage)
	}
	for _, ns := range strings.Split(watch, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			o.watchNamespaces = append(o.watchNamespaces, ns)
		}
	}
	return o, nil
}

// managerOptions turns the flags into the controller-runtime manager's options.
func managerOptions(o options, scheme *runtime.Scheme) ctrl.Options {
	cacheOpts := cache.Options{ByObject: controllers.CacheByObject()}
	if len(o.watchNamespaces) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range o.watchNamespaces {
			cacheOpts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:        o.probeAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       o.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Cache:                         cacheOpts,
	}
}

// newScheme registers the built-in kinds and koss.io/v1alpha1.
func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := kossv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return scheme, nil
}

// controllerOptions are shared by the three controllers: failures back off from
// retryMinDelay to retryMaxDelay, so a Region that comes back is noticed within minutes.
func controllerOptions() controller.Options {
	return controller.Options{
		RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](retryMinDelay, retryMaxDelay),
	}
}

// setup registers the indexes and the three reconcilers with their injected dependencies.
func setup(ctx context.Context, mgr ctrl.Manager, kossdImage string) error {
	if err := controllers.SetupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	admin := &controllers.HTTPAdminClientFactory{}
	recorder := mgr.GetEventRecorder(LeaderElectionID)
	reconcilers := []interface {
		SetupWithManager(context.Context, ctrl.Manager, controller.Options) error
	}{
		&region.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), AdminClients: admin, Recorder: recorder, DefaultImage: kossdImage},
		&bucket.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), AdminClients: admin, Recorder: recorder},
		&accesskey.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), AdminClients: admin, Recorder: recorder},
	}
	for _, r := range reconcilers {
		if err := r.SetupWithManager(ctx, mgr, controllerOptions()); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	return mgr.AddReadyzCheck("readyz", healthz.Ping)
}

// run is main without the process.
func run(args []string, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		_, _ = fmt.Fprintln(stderr, "manager:", err)
		return 2
	}
	o.zap.DestWriter = stderr
	log := zap.New(zap.UseFlagOptions(&o.zap))
	ctrl.SetLogger(log)

	scheme, err := newScheme()
	if err != nil {
		log.Error(err, "Building the scheme failed")
		return 1
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "Loading the kubeconfig failed")
		return 1
	}
	mgr, err := ctrl.NewManager(cfg, managerOptions(o, scheme))
	if err != nil {
		log.Error(err, "Creating the manager failed")
		return 1
	}
	ctx := ctrl.SetupSignalHandler()
	if err := setup(ctx, mgr, o.kossdImage); err != nil {
		log.Error(err, "Setting up the controllers failed")
		return 1
	}
	log.Info("Starting the manager", "kossdImage", o.kossdImage, "watchNamespaces", o.watchNamespaces, "leaderElection", o.leaderElect)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "The manager stopped with an error")
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}
