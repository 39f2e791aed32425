// Command peerserver is the small workload of the local cluster's tests: an
// HTTP server that knows its peers by DNS name, keeps an identity in its
// data directory, and reports what its pod sees.
//
//	peerserver --listen=$(POD_IP):8080 --data=/data --peers=web-0.web.ns.svc.cluster.local:8080,...
//
// Endpoints:
//
//	/healthz            200 ok
//	/fail               500 (a liveness probe pointed here fails)
//	/id                 {"name", "token", "starts"}: token is written to the
//	                    data directory on the first start and read after that
//	/peers              {"<peer>": {"name": ..., "error": ...}} from each peer's /id
//	/file?path=P        the content of file P as this pod sees it
//	/fetch?url=U        GET U from inside the pod (cluster DNS, Services)
//	/whoami             the user of the pod's service-account token, asked
//	                    through rest.InClusterConfig and a SelfSubjectReview
package main
