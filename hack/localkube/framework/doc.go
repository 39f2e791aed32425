// Package framework brings up koss the way a user meets it, on the local
// control plane of package localcluster: the operator installed from the
// Helm chart (charts/koss) as a pod, the samples of config/samples applied
// with kubectl, and kossd pods that really run. The `make run` program
// (hack/localkube/kossrun) and the e2e suite (test/e2e) share it.
//
//	bins := framework.DefaultBinaries(root)        // or BuildImages + BuildK8s
//	env, err := framework.Start(ctx, framework.Options{Root: root, Binaries: bins})
//	defer env.Stop()
//	_, err = env.InstallChart(ctx, 5*time.Minute)  // helm upgrade --install --wait
//	_, err = env.ApplySamples(ctx, "default")      // kubectl apply --server-side -k config/samples
//	samples, err := env.Samples()
//	err = env.WaitReady(ctx, "default", samples, 5*time.Minute, os.Stdout)
//	creds, err := env.AccessKeyCredentials(ctx, "default", "demo-app")
//
// Pods run from images: the process kubelets' image store is the OCI
// layout of Binaries.Images, which `make images` (hack/imagebuild) writes
// with koss/kossd:<appVersion> and koss/manager:<appVersion>, the chart's
// default references; so the cluster runs exactly the images that would be
// pushed, and an image missing from the store fails with ErrImagePull.
//
// Kubernetes objects are read with a controller-runtime client; kubectl and
// helm (the binaries built by hack/build-k8s.sh) run as processes against
// the cluster's admin kubeconfig, as a user would run them. Pod IPs and
// Service ClusterIPs of the local cluster are loopback addresses reachable
// from this machine; HTTPClient also resolves the cluster DNS names (such
// as the endpoint written into an AccessKey's Secret).
//
// Nothing here ever logs a secret: Credentials values are returned to the
// caller only.
package framework
