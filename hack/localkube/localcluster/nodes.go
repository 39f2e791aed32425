package localcluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/koss-io/koss/hack/localkube/kubelet"
)

// NodeName returns the name of the i-th node (from 0): koss-node-0, ...
func NodeName(i int) string { return fmt.Sprintf("koss-node-%d", i) }

// startNodes starts, in this process, the pod network (IPs, DNS records,
// Service proxy), the volume provisioner and one kubelet per node. Pods run
// as child processes of this process.
func (c *Cluster) startNodes(ca *ca, server string, admin kubernetes.Interface, marker []string) error {
	f, err := os.OpenFile(c.dir("logs", "kubelet.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	c.kubeletLog = f
	log := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))

	c.network, err = kubelet.NewNetwork(kubelet.NetworkConfig{
		Client:    admin,
		PodCIDR:   c.podCIDR,
		IPAMFile:  c.dir("kubelet", "pod-ips.json"),
		APIServer: fmt.Sprintf("127.0.0.1:%d", c.apiServerPort),
		HostsFile: c.dir("hosts"),
		Logger:    log.With("component", "network"),
	})
	if err != nil {
		return err
	}
	prov, err := kubelet.NewProvisioner(kubelet.ProvisionerConfig{
		Client: admin,
		Dir:    c.dir("volumes"),
		Logger: log.With("component", "provisioner"),
	})
	if err != nil {
		return err
	}
	var kubelets []*kubelet.Kubelet
	for i := range c.opts.Nodes {
		name := NodeName(i)
		certPEM, keyPEM, err := ca.issue(certSpec{cn: "system:node:" + name, orgs: []string{"system:nodes"}, client: true})
		if err != nil {
			return err
		}
		srvCert, srvKey, err := ca.issue(certSpec{cn: "system:node:" + name, server: true, ips: []net.IP{net.IPv4(127, 0, 0, 1)}, dns: []string{name, "localhost"}})
		if err != nil {
			return err
		}
		tlsCfg, err := tlsConfigFor(ca, srvCert, srvKey)
		if err != nil {
			return err
		}
		k, err := kubelet.New(kubelet.Config{
			NodeName: name,
			RESTConfig: &rest.Config{
				Host:            server,
				TLSClientConfig: rest.TLSClientConfig{CAData: ca.certPEM, CertData: certPEM, KeyData: keyPEM},
				QPS:             50,
				Burst:           100,
			},
			RootDir:        c.dir("kubelet"),
			ImageStore:     c.opts.ImageStore,
			Images:         c.opts.Images,
			Network:        c.network,
			APIServerHost:  "127.0.0.1",
			APIServerPort:  c.apiServerPort,
			BackoffInitial: c.opts.RestartBackoff,
			BackoffMax:     c.opts.RestartBackoffMax,
			ProcessEnv:     marker,
			ServerTLS:      tlsCfg,
			Logger:         log.With("node", name),
		})
		if err != nil {
			return err
		}
		kubelets = append(kubelets, k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	run := func(name string, f func(context.Context) error) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := f(ctx); err != nil && ctx.Err() == nil {
				log.Error(name+" stopped", "err", err)
				c.fail(fmt.Errorf("%s: %w", name, err))
			}
		}()
	}
	run("network", c.network.Run)
	run("provisioner", prov.Run)
	for _, k := range kubelets {
		run("kubelet", k.Run)
	}
	return nil
}

// kubeconfigYAML renders a kubeconfig with embedded credentials.
func kubeconfigYAML(server string, caPEM, certPEM, keyPEM []byte, user string) []byte {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["koss-local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts["koss-local"] = &clientcmdapi.Context{Cluster: "koss-local", AuthInfo: user}
	cfg.CurrentContext = "koss-local"
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		panic(err) // only fails for unencodable values, which these are not
	}
	return b
}
